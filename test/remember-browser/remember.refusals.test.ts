// Attack: someone holds the victim's password and wants to skip the second factor with a
// remember-browser cookie: a tampered or forged one, one copied from another account, an expired
// one whose Max-Age they ignore, or a stolen one replayed after the owner used it. Every one
// must end in `mfa_required`. (Revoked cookies: remember.revoke.test.ts.)
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../lib/index.js';
import {
  browser,
  DAY,
  flipChar,
  loginWith,
  macFor,
  makeRememberApp,
  RB_COOKIE,
  rbCookie,
  rejections,
  relogin,
  rememberMe,
  RB_SECRET,
  setCookieLine,
  setRbCookie,
} from '../helpers/remember.js';

const CLEARED = /Expires=Thu, 01 Jan 1970/;

describe('tampered or forged cookies', () => {
  it('one character changed in the id, token or MAC: refused, the cookie cleared', async () => {
    const { app, events } = makeRememberApp();
    const c = await browser(app);
    await rememberMe(c);
    const good = rbCookie(c) ?? '';
    const positions = [0, 21, 23, 40, 65, 67, 90, good.length - 1];
    for (const index of positions) {
      const bad = flipChar(good, index);
      expect(bad).not.toBe(good);
      const res = await loginWith(app, bad);
      expect(res.body.status).toBe('mfa_required');
      expect(setCookieLine(res)).toMatch(CLEARED);
    }
    expect(rejections(events)).toEqual(positions.map(() => 'bad_signature'));
    // The genuine cookie was never consumed by those attempts.
    expect((await loginWith(app, good)).body.amr).toEqual(['pwd', 'rb']);
  });

  it('signed with another key: refused (the right key reproduces the genuine MAC)', async () => {
    const { app } = makeRememberApp();
    const c = await browser(app);
    await rememberMe(c);
    const [id = '', token = '', mac = ''] = (rbCookie(c) ?? '').split('.');
    expect(macFor(RB_SECRET, id, token)).toBe(mac);
    const otherKey = 'another-secret-another-secret-another';
    const forged = `${id}.${token}.${macFor(otherKey, id, token)}`;
    expect((await loginWith(app, forged)).body.status).toBe('mfa_required');
    expect((await loginWith(app, `${id}.${token}.${mac}`)).body.amr).toEqual(['pwd', 'rb']);
  });

  it('the HMAC key leaked but not the token: a minted cookie for a known id fails', async () => {
    // Defence in depth: the id shows in GET /auth/mfa/browsers and in a store dump; the key may
    // leak with the app's config. The record's token hash still has to match.
    const { app, events } = makeRememberApp();
    const c = await browser(app);
    await rememberMe(c);
    const [id = ''] = (rbCookie(c) ?? '').split('.');
    const token = randomBytes(32).toString('base64url');
    const minted = `${id}.${token}.${macFor(RB_SECRET, id, token)}`;
    expect((await loginWith(app, minted)).body.status).toBe('mfa_required');
    expect(rejections(events)).toEqual(['mismatch']);
  });

  it('garbage of any shape and size is ignored, never a 500', async () => {
    const { app } = makeRememberApp();
    for (const junk of ['', 'x', 'a.b.c', '..', '%00%0a', 'A'.repeat(4000), '{"id":1}']) {
      const res = await loginWith(app, junk);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('mfa_required');
    }
  });
});

describe('the wrong user, the wrong time, the wrong copy', () => {
  it("alice's cookie does not help bob after his password step, and survives it", async () => {
    const { app } = makeRememberApp();
    const c = await browser(app);
    await rememberMe(c, 'alice');
    expect((await relogin(c, 'bob')).body.status).toBe('mfa_required');
    // Bob's login neither consumed nor cleared alice's cookie on this shared browser.
    expect((await relogin(c, 'alice')).body.amr).toEqual(['pwd', 'rb']);
  });

  it('expired at 30 days + 1 s on the server clock, while the store still holds it', async () => {
    // The store runs on the real clock, so only the server-side expiry check can refuse it.
    const { app, clock, events } = makeRememberApp({ stepup: { store: new MemoryStore() } });
    const c = await browser(app);
    await rememberMe(c);
    clock.advance(30 * DAY - 1000);
    const lastSecond = await loginWith(app, rbCookie(c) ?? '');
    expect(lastSecond.body.amr).toEqual(['pwd', 'rb']);
    const rotated = new RegExp(`^${RB_COOKIE}=([^;]+)`).exec(setCookieLine(lastSecond) ?? '')?.[1];
    clock.advance(2000);
    expect((await loginWith(app, rotated ?? '')).body.status).toBe('mfa_required');
    expect(rejections(events)).toEqual(['expired']);
  });

  it('using the cookie does not extend its lifetime (absolute 30 days)', async () => {
    const { app, clock } = makeRememberApp();
    const c = await browser(app);
    await rememberMe(c);
    clock.advance(20 * DAY);
    expect((await relogin(c)).body.amr).toEqual(['pwd', 'rb']);
    clock.advance(10 * DAY + 1000);
    expect((await relogin(c)).body.status).toBe('mfa_required');
  });

  it('a copy replayed after the owner used it (rotated) is refused', async () => {
    const { app } = makeRememberApp();
    const c = await browser(app);
    await rememberMe(c);
    const stolen = rbCookie(c) ?? '';
    expect((await relogin(c)).body.amr).toEqual(['pwd', 'rb']);
    expect((await loginWith(app, stolen)).body.status).toBe('mfa_required');
  });

  it('ten parallel logins with one cookie: exactly one is vouched for', async () => {
    const { app } = makeRememberApp();
    const c = await browser(app);
    await rememberMe(c);
    const cookie = rbCookie(c) ?? '';
    const clients = await Promise.all(Array.from({ length: 10 }, () => browser(app)));
    for (const d of clients) setRbCookie(d, cookie);
    const answers = await Promise.all(clients.map((d) => d.login('alice', 'alice-password-1')));
    const statuses = answers.map((r) => r.body.status as string);
    expect(statuses.filter((s) => s === 'authenticated')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'mfa_required')).toHaveLength(9);
  });
});
