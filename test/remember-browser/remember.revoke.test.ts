// Attack: a cookie the owner has revoked (a lost laptop forgotten in the list, "sign out
// everywhere") or that became untrustworthy when the credentials changed (MFA disabled,
// password changed, a recovery code used, an admin reset) is presented after the password.
// Each must end in `mfa_required`; revoking is open to the owner only, with a CSRF token.
import { hostOf } from '../../lib/core/context.js';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { client, TEST_CODE } from '../helpers/app.js';
import { codeAt, enrolledClient, makeTotpApp } from '../helpers/totp-app.js';
import {
  browser,
  DAY,
  del,
  listed,
  loginWith,
  makeRememberApp,
  rbCookie,
  rejections,
  relogin,
  rememberMe,
  RB_SECRET,
  setCookieLine,
  verifyRemember,
} from '../helpers/remember.js';

describe('revoked by the user', () => {
  it('DELETE /auth/mfa/browsers/:id forgets one browser; the other still works', async () => {
    const { app } = makeRememberApp();
    const laptop = await browser(app);
    const phone = await browser(app);
    await rememberMe(laptop);
    await rememberMe(phone);
    const laptopId = (await listed(phone)).find((b) => !b.current)?.id ?? '';
    const laptopCookie = rbCookie(laptop) ?? '';
    expect((await del(phone, `/auth/mfa/browsers/${laptopId}`)).status).toBe(204);
    expect((await loginWith(app, laptopCookie)).body.status).toBe('mfa_required');
    expect((await relogin(phone)).body.amr).toEqual(['pwd', 'rb']);
  });

  it('revoking the current browser clears its cookie', async () => {
    const { app } = makeRememberApp();
    const c = await browser(app);
    await rememberMe(c);
    const [entry] = await listed(c);
    const res = await del(c, `/auth/mfa/browsers/${entry?.id ?? ''}`);
    expect(res.status).toBe(204);
    expect(setCookieLine(res)).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(rbCookie(c)).toBeUndefined();
  });

  it('DELETE /auth/mfa/browsers forgets all of them', async () => {
    const { app } = makeRememberApp();
    const a = await browser(app);
    const b = await browser(app);
    await rememberMe(a);
    await rememberMe(b);
    const cookieA = rbCookie(a) ?? '';
    const cookieB = rbCookie(b) ?? '';
    expect((await del(b, '/auth/mfa/browsers')).status).toBe(204);
    expect(await listed(b)).toEqual([]);
    expect((await loginWith(app, cookieA)).body.status).toBe('mfa_required');
    expect((await loginWith(app, cookieB)).body.status).toBe('mfa_required');
  });

  it("bad ids 400, unknown and other users' ids 404, no CSRF token 403", async () => {
    const { app } = makeRememberApp();
    const bob = await browser(app);
    await rememberMe(bob, 'bob');
    const [bobs] = await listed(bob);
    const alice = await browser(app);
    await alice.login('alice', 'alice-password-1');
    await alice.verify(TEST_CODE);
    const bad = ['x'.repeat(10_000), 'abc', '%00'.repeat(8), `${'A'.repeat(21)}!`, '__proto__'];
    for (const id of bad) {
      const res = await del(alice, `/auth/mfa/browsers/${id}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    }
    expect((await del(alice, `/auth/mfa/browsers/${'A'.repeat(22)}`)).body.error).toBe('not_found');
    expect((await del(alice, `/auth/mfa/browsers/${bobs?.id ?? ''}`)).status).toBe(404);
    expect((await alice.agent.delete('/auth/mfa/browsers')).status).toBe(403);
    expect((await relogin(bob, 'bob')).body.amr).toEqual(['pwd', 'rb']);
    const anonymous = await client(app);
    expect((await del(anonymous, '/auth/mfa/browsers')).status).toBe(401);
  });
});

describe('revoked automatically when credentials change (credential epoch)', () => {
  it('MFA disabled (TOTP disable route)', async () => {
    const remember = { rememberBrowser: { secret: RB_SECRET } };
    const { app, clock, enrolled, events } = makeTotpApp({ stepup: remember });
    const { c, secret } = await enrolledClient(app, clock.now);
    // A second factor besides TOTP, so that after the disable a login still asks for one.
    enrolled.add('u-alice');
    clock.advance(30_000);
    await relogin(c);
    await verifyRemember(c, await codeAt(secret, clock.now()), 'totp');
    const cookie = rbCookie(c) ?? '';
    expect(cookie).not.toBe('');
    clock.advance(30_000);
    const off = await c.post('/auth/mfa/totp/disable', { code: await codeAt(secret, clock.now()) });
    expect(off.body).toEqual({ enabled: false });
    expect((await loginWith(app, cookie)).body.status).toBe('mfa_required');
    expect(rejections(events)).toEqual(['revoked']);
  });

  it('password changed (stepup.changePassword)', async () => {
    const { app, stepup, events } = makeRememberApp();
    app.post('/change-password', express.json(), stepup.requireMfa(), (req, res, next) => {
      const input = {
        userId: 'u-alice',
        newPassword: 'a much better passphrase 2026',
        setPasswordHash: () => undefined,
      };
      stepup.changePassword(req, input).then(() => res.status(204).end(), next);
    });
    const c = await browser(app);
    await rememberMe(c);
    const cookie = rbCookie(c) ?? '';
    expect((await c.agent.post('/change-password')).status).toBe(204);
    expect((await loginWith(app, cookie)).body.status).toBe('mfa_required');
    expect(rejections(events)).toEqual(['revoked']);
  });

  it('a recovery code used (ctx.credentialsChanged); the list is empty afterwards', async () => {
    const { app, stepup, events } = makeRememberApp();
    const c = await browser(app);
    await rememberMe(c);
    const cookie = rbCookie(c) ?? '';
    expect(await stepup.rememberedBrowsers?.list('u-alice')).toHaveLength(1);
    await hostOf(stepup).context.credentialsChanged(undefined, 'u-alice', 'recovery_code_used');
    expect((await loginWith(app, cookie)).body.status).toBe('mfa_required');
    // The epoch alone refused it: the record was still there.
    expect(rejections(events)).toEqual(['revoked']);
    expect(await stepup.rememberedBrowsers?.list('u-alice')).toEqual([]);
  });

  it('admin reset (stepup.adminReset)', async () => {
    const { app, stepup, events } = makeRememberApp();
    const c = await browser(app);
    await rememberMe(c);
    const cookie = rbCookie(c) ?? '';
    await stepup.adminReset(undefined, 'u-alice', 'admin-1');
    expect((await loginWith(app, cookie)).body.status).toBe('mfa_required');
    // The reset deletes the records as well as bumping the epoch: the cookie finds nothing.
    expect(rejections(events)).toEqual(['unknown']);
    expect(await stepup.rememberedBrowsers?.list('u-alice')).toEqual([]);
  });

  it('a bump long after the first does not bring a revoked cookie back', async () => {
    // The epoch is a counter in the store. Were it to expire (it once had a 400-day TTL fixed
    // at its first bump), it would restart at 0, and a later bump would reach a value an old
    // cookie carries: a revoked browser would be trusted again.
    const { app, stepup, clock } = makeRememberApp();
    await hostOf(stepup).context.credentialsChanged(undefined, 'u-alice', 'password_changed');
    clock.advance(390 * DAY);
    const c = await browser(app);
    await rememberMe(c);
    const cookie = rbCookie(c) ?? '';
    clock.advance(11 * DAY);
    await hostOf(stepup).context.credentialsChanged(undefined, 'u-alice', 'password_changed');
    expect((await loginWith(app, cookie)).body.status).toBe('mfa_required');
  });

  it("another user's credential change leaves this user's browsers alone", async () => {
    const { app, stepup } = makeRememberApp();
    const c = await browser(app);
    await rememberMe(c);
    await hostOf(stepup).context.credentialsChanged(undefined, 'u-bob', 'password_changed');
    expect((await relogin(c)).body.amr).toEqual(['pwd', 'rb']);
  });
});
