// Attack: take over an account through "forgot password" instead of signing in: reset with the
// emailed link alone, a forged, foreign, used or outdated link, guess the second factor without
// limit, race one link twice, or keep a session, a remembered browser or a pending login alive
// across the reset (docs/architecture.md, invariant 21; peers' advisories as regressions).
import session from 'express-session';
import { describe, expect, it } from 'vitest';
import { storeKey } from '../../lib/stores/types.js';
import { client } from '../helpers/app.js';
import { codeAt, enrolledClient } from '../helpers/totp-app.js';
import {
  forgot,
  makeResetApp,
  NEW_PASSWORD,
  reset,
  switchableStore,
} from '../helpers/reset-app.js';
import { fakeClock } from '../helpers/clock.js';
import { RB_COOKIE } from '../helpers/remember.js';

describe('a reset opens no session', () => {
  // Attack: the reset answer (or its cookies) is a signed-in session, skipping the sign-in.
  it('answers with no signed-in session, also when it ran in the user’s own session', async () => {
    const app = await makeResetApp();
    const { token } = await forgot(app, 'alice', 'alice@example.test');
    const c = await client(app.app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('authenticated');
    const done = await reset(app, { token, newPassword: NEW_PASSWORD }, c);
    expect(done.status).toBe(200);
    expect((await c.get('/auth/session')).body.status).toBe('anonymous');
    expect((await c.get('/me')).status).toBe(401);

    const other = await forgot(app, 'alice', 'alice@example.test');
    const d = await client(app.app);
    expect(
      (await reset(app, { token: other.token, newPassword: 'yet another passphrase 7' }, d)).status,
    ).toBe(200);
    expect((await d.get('/auth/session')).body.status).toBe('anonymous');
  });
});

describe('the link alone is never enough', () => {
  // Attack: someone who reads the victim's mailbox resets the password of an account with TOTP.
  it('refuses the token without the second factor and leaves the password as it was', async () => {
    const app = await makeResetApp();
    await enrolledClient(app.app, app.clock.now);
    const { token } = await forgot(app, 'alice', 'alice@example.test');
    for (const body of [
      { token, newPassword: NEW_PASSWORD },
      { token, newPassword: NEW_PASSWORD, factor: 'totp' },
      { token, newPassword: NEW_PASSWORD, factor: 'email-otp', code: '123456' },
      { token, newPassword: NEW_PASSWORD, code: token },
    ]) {
      const res = await reset(app, body);
      expect([401, 403]).toContain(res.status);
    }
    const c = await client(app.app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('mfa_required');
  });

  // Attack: a missing, forged, foreign or used link.
  it('refuses missing, forged, another user’s, used and outdated tokens', async () => {
    const app = await makeResetApp();
    const bobs = await forgot(app, 'bob', 'bob@example.test');
    const alices = await forgot(app, 'alice', 'alice@example.test');
    expect((await reset(app, { newPassword: NEW_PASSWORD })).status).toBe(400);
    const forged = 'A'.repeat(43);
    expect((await reset(app, { token: forged, newPassword: NEW_PASSWORD })).body.error).toBe(
      'invalid_token',
    );
    // Bob's link resets bob, never alice.
    expect((await reset(app, { token: bobs.token, newPassword: NEW_PASSWORD })).status).toBe(200);
    const c = await client(app.app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('authenticated');
    expect((await reset(app, { token: bobs.token, newPassword: NEW_PASSWORD })).body.error).toBe(
      'invalid_token',
    );
    // Alice's own link still works: bob's reset touched nothing of hers.
    expect((await reset(app, { token: alices.token, newPassword: NEW_PASSWORD })).status).toBe(200);
  });

  it('kills a link sent before a password change or an admin reset', async () => {
    const app = await makeResetApp();
    const before = await forgot(app, 'alice', 'alice@example.test');
    const c = await client(app.app);
    await c.login('alice', 'alice-password-1');
    app.app.post('/change', async (req, res) => {
      await app.stepup.changePassword(req, {
        userId: 'u-alice',
        newPassword: 'changed the usual way 9',
        setPasswordHash: () => undefined,
      });
      res.json({ ok: true });
    });
    await c.agent.post('/change').expect(200);
    expect((await reset(app, { token: before.token, newPassword: NEW_PASSWORD })).body.error).toBe(
      'invalid_token',
    );

    const second = await forgot(app, 'bob', 'bob@example.test');
    await app.stepup.adminReset(undefined, 'u-bob');
    expect((await reset(app, { token: second.token, newPassword: NEW_PASSWORD })).body.error).toBe(
      'invalid_token',
    );
  });

  // Attack: guess the TOTP code at the reset instead of at sign-in, past the sign-in limit.
  it('locks the guesses out at the sign-in limit (10 → 429), on the same counter', async () => {
    const app = await makeResetApp();
    const { secret } = await enrolledClient(app.app, app.clock.now);
    app.clock.advance(60_000);
    const { token } = await forgot(app, 'alice', 'alice@example.test');
    for (let i = 0; i < 10; i++) {
      const res = await reset(app, {
        token,
        newPassword: NEW_PASSWORD,
        factor: 'totp',
        code: String(100000 + i),
      });
      expect(res.status).toBe(401);
    }
    const locked = await reset(app, {
      token,
      newPassword: NEW_PASSWORD,
      factor: 'totp',
      code: await codeAt(secret, app.clock.now()),
    });
    expect(locked.status).toBe(429);
    expect(locked.body.error).toBe('too_many_attempts');
    expect(locked.body.retryAfter).toBeGreaterThan(0);
    // Sign-in is locked too: one counter per account.
    const c = await client(app.app);
    await c.login('alice', 'alice-password-1');
    expect((await c.verify(await codeAt(secret, app.clock.now()), 'totp')).status).toBe(429);
  });
});

describe('one link, one reset', () => {
  // Attack: send the same link twice at once to set two passwords (or reuse it after the victim).
  it('gives exactly one reset for parallel requests with one token (a store with latency)', async () => {
    const clock = fakeClock();
    const { store, state } = switchableStore(clock.now);
    const app = await makeResetApp({ store });
    const { token } = await forgot(app, 'alice', 'alice@example.test');
    const clients = await Promise.all(Array.from({ length: 8 }, () => client(app.app)));
    // Each store call takes 20 ms: every request reads the token before any has used it up.
    state.delayMs = 20;
    const results = await Promise.all(
      clients.map((c, i) => reset(app, { token, newPassword: `parallel passphrase ${i}x` }, c)),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(
      results.filter((r) => r.status === 400 && r.body.error === 'invalid_token'),
    ).toHaveLength(7);
    expect(app.events.filter((e) => e.type === 'password.reset')).toHaveLength(1);
  });

  it('gives one reset for two parallel requests with one token and two recovery codes', async () => {
    const app = await makeResetApp();
    const { confirm } = await enrolledClient(app.app, app.clock.now);
    const [a, b] = confirm.body.recoveryCodes as string[];
    const { token } = await forgot(app, 'alice', 'alice@example.test');
    const results = await Promise.all(
      [a, b].map((code, i) =>
        reset(app, {
          token,
          newPassword: `parallel passphrase ${i}x`,
          factor: 'recovery-code',
          code,
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
  });
});

describe('after a reset', () => {
  // Attack: a thief who holds a session, a remembered browser or a half-done login keeps it.
  it('ends other sessions, refuses the remembered browser, voids pending logins, notifies', async () => {
    const app = await makeResetApp();
    const { c: enrolled, secret } = await enrolledClient(app.app, app.clock.now);
    app.clock.advance(60_000);
    // A browser signed in with "remember this browser".
    const remembered = await client(app.app);
    await remembered.login('alice', 'alice-password-1');
    const ok = await remembered.post('/auth/mfa/verify', {
      factor: 'totp',
      code: await codeAt(secret, app.clock.now()),
      rememberBrowser: true,
    });
    expect(ok.body.status).toBe('authenticated');
    const rb = remembered.agent.jar.getCookie(RB_COOKIE, {
      path: '/',
      domain: '127.0.0.1',
      secure: false,
      script: false,
    });
    expect(rb).toBeDefined();
    // A pending login on another client.
    const pending = await client(app.app);
    expect((await pending.login('alice', 'alice-password-1')).body.status).toBe('mfa_required');
    expect((await enrolled.get('/me')).status).toBe(200);

    app.clock.advance(60_000);
    const { token } = await forgot(app, 'alice', 'alice@example.test');
    const done = await reset(app, {
      token,
      newPassword: NEW_PASSWORD,
      factor: 'totp',
      code: await codeAt(secret, app.clock.now()),
    });
    expect(done.status).toBe(200);

    expect((await enrolled.get('/me')).status).toBe(401);
    expect((await remembered.get('/me')).status).toBe(401);
    app.clock.advance(60_000);
    // Its session was ended (so its CSRF token is gone too) and its login epoch is old.
    const late = await pending.verify(await codeAt(secret, app.clock.now()), 'totp');
    expect(late.body.error).toBe('csrf_invalid');
    await pending.refreshCsrf();
    const retry = await pending.verify(await codeAt(secret, app.clock.now()), 'totp');
    expect(retry.body.error).toBe('mfa_session_expired');
    expect((await pending.get('/auth/session')).body.status).toBe('anonymous');
    // The remembered-browser cookie no longer skips the second factor.
    const again = await client(app.app);
    again.agent.jar.setCookie(`${RB_COOKIE}=${rb?.value ?? ''}`, '127.0.0.1', '/');
    expect((await again.login('alice', NEW_PASSWORD)).body.status).toBe('mfa_required');
    expect(app.notices.filter((n) => n.kind === 'password_reset')).toHaveLength(1);
  });

  // Attack: a thief with the old password sits at the second-factor step in a session no list
  // knows of (older than the sessions list, on a store that cannot enumerate) and finishes the
  // login after the victim reset the password (allauth-2fa #70 for the reset).
  it('voids a pending login no list could find, through the login epoch', async () => {
    const sessions = new session.MemoryStore();
    (sessions as unknown as { all?: unknown }).all = undefined;
    const app = await makeResetApp({ sessionStore: sessions });
    const { secret } = await enrolledClient(app.app, app.clock.now);
    app.clock.advance(60_000);
    const pending = await client(app.app);
    expect((await pending.login('alice', 'alice-password-1')).body.status).toBe('mfa_required');
    await app.stepup.store.delete(storeKey('u-alice', 'sessions'));
    app.clock.advance(60_000);
    const { token } = await forgot(app, 'alice', 'alice@example.test');
    const done = await reset(app, {
      token,
      newPassword: NEW_PASSWORD,
      factor: 'totp',
      code: await codeAt(secret, app.clock.now()),
    });
    expect(done.status).toBe(200);
    app.clock.advance(60_000);
    const late = await pending.verify(await codeAt(secret, app.clock.now()), 'totp');
    expect(late.body.error).toBe('mfa_session_expired');
  });
});
