// Attack: passwordless sign-in is the front door without a password, so it must be at least
// as strict as the password one: only a stored passkey with user verification signs in, as its
// owner; the same throttle, events and session rotation apply; a user handle that does not
// match the stored owner, a deleted or locked account, or an unknown credential is refused.
import { describe, expect, it } from 'vitest';
import { client } from '../helpers/app.js';
import {
  aliceWithPasskey,
  makePasskeyApp,
  passkeyLogin,
  register,
} from '../helpers/passkey-app.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

describe('passwordless sign-in with a passkey', () => {
  it('options: no allowCredentials (discoverable), UV required; login → satisfied, amr hwk+user+mfa', async () => {
    const { app, events } = makePasskeyApp();
    const { auth } = await aliceWithPasskey(app);
    const c = await client(app);
    const options = await c.post('/auth/passkey/options');
    expect(options.status).toBe(200);
    expect(options.body).toMatchObject({ rpId: 'localhost', userVerification: 'required' });
    expect(options.body.allowCredentials).toEqual([]);
    const before = c.sessionId();
    const res = await c.post('/auth/passkey/login', { response: auth.get(options.body) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'authenticated', amr: ['hwk', 'user', 'mfa'] });
    expect(res.body.csrfToken).toEqual(expect.any(String));
    expect(c.sessionId()).not.toBe(before);
    expect((await c.get('/auth/session')).body).toMatchObject({
      status: 'satisfied',
      userId: 'u-alice',
      factors: ['passkey'],
      phishingResistant: true,
    });
    expect((await c.get('/vault')).status).toBe(200);
    expect((await c.get('/me')).body.ok).toBe(true);
    const types = events.map((e) => e.type);
    expect(types).toContain('login.first_factor');
    expect(events.filter((e) => e.type === 'login.satisfied').at(-1)).toMatchObject({
      userId: 'u-alice',
      amr: ['hwk', 'user', 'mfa'],
    });
  });

  it('a synced passkey is swk', async () => {
    const { app } = makePasskeyApp();
    const synced = new SoftAuthenticator(undefined, { step: 0, flags: { be: true, bs: true } });
    const { auth } = await aliceWithPasskey(app, synced);
    const res = await passkeyLogin(await client(app), auth);
    expect(res.body.amr).toEqual(['swk', 'user', 'mfa']);
  });

  it('refused alike (401 invalid_credentials, login.failed): unknown credential, foreign user handle, no UV', async () => {
    const { app, events } = makePasskeyApp();
    const { auth } = await aliceWithPasskey(app);
    const stranger = new SoftAuthenticator();
    stranger.create({ challenge: 'AAAA', rp: { id: 'localhost' }, user: { id: 'AAAA' } });
    const cases = [
      () => passkeyLogin(c, stranger),
      () => passkeyLogin(c, auth, { userHandle: Buffer.from('mallory').toString('base64url') }),
      () => passkeyLogin(c, auth, { flags: { uv: false } }),
      () => passkeyLogin(c, auth, { origin: 'https://evil.example' }),
    ];
    const c = await client(app);
    for (const attempt of cases) {
      const res = await attempt();
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_credentials');
    }
    expect(
      events.filter((e) => e.type === 'login.failed' && e.factor === 'passkey-login'),
    ).toHaveLength(4);
    expect((await c.get('/auth/session')).body.status).toBe('anonymous');
    // Without options first there is no challenge: refused too.
    const bare = await c.post('/auth/passkey/login', {
      response: auth.get({ challenge: 'AAAAAAAAAAAAAAAAAAAAAA' }),
    });
    expect(bare.status).toBe(401);
  });

  it('a deleted or locked account does not sign in (findUser)', async () => {
    const gone = new Set<string>();
    const locked = new Set<string>();
    const { app } = makePasskeyApp({
      passkeys: { findUser: (id) => (gone.has(id) ? null : { id, locked: locked.has(id) }) },
    });
    const { auth } = await aliceWithPasskey(app);
    locked.add('u-alice');
    expect((await passkeyLogin(await client(app), auth)).status).toBe(401);
    locked.clear();
    gone.add('u-alice');
    expect((await passkeyLogin(await client(app), auth)).status).toBe(401);
    gone.clear();
    expect((await passkeyLogin(await client(app), auth)).status).toBe(200);
  });

  it('the same throttle as a password login: the 11th failure from one address is 429', async () => {
    const { app, events } = makePasskeyApp();
    const { auth } = await aliceWithPasskey(app);
    const c = await client(app);
    for (let i = 0; i < 10; i++) {
      expect((await passkeyLogin(c, auth, { flags: { uv: false } })).status).toBe(401);
    }
    const res = await passkeyLogin(c, auth);
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ error: 'too_many_attempts', retryAfter: expect.any(Number) });
    expect(events.filter((e) => e.type === 'login.throttled')).toHaveLength(1);
  });

  it('passwordless: false turns the endpoints off; the second factor still works', async () => {
    const { app } = makePasskeyApp({ passkeys: { passwordless: false } });
    const { auth } = await aliceWithPasskey(app);
    const c = await client(app);
    expect((await c.post('/auth/passkey/options')).status).toBe(404);
    expect((await c.post('/auth/passkey/login', { response: {} })).status).toBe(404);
    const { verifyWithPasskey } = await import('../helpers/passkey-app.js');
    expect((await c.login('alice', 'alice-password-1')).body.factors).toContain('passkey');
    expect((await verifyWithPasskey(c, auth)).status).toBe(200);
  });

  it('the same when rules: after a passwordless sign-in, newDevice() knows this browser', async () => {
    const { newDevice } = await import('../../lib/index.js');
    // Ask on new devices only (as in test/step-up/when.rules.test.ts).
    const onlyNewDevices: NonNullable<Parameters<typeof makePasskeyApp>[0]>['stepup'] = {
      when: async (req, user) =>
        (await newDevice()(req, user)) === 'require' ? 'require' : 'skip',
    };
    const { app } = makePasskeyApp({ stepup: onlyNewDevices });
    const auth = new SoftAuthenticator();
    const setup = await client(app);
    expect((await setup.login('alice', 'alice-password-1')).body.status).toBe(
      'enrollment_required',
    );
    expect((await register(setup, auth)).status).toBe(200);
    const c = await client(app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('mfa_required');
    await c.post('/auth/logout');
    await c.refreshCsrf();
    expect((await passkeyLogin(c, auth)).status).toBe(200);
    await c.post('/auth/logout');
    await c.refreshCsrf();
    // The device cookie set by the passkey sign-in: this browser is no longer new.
    const again = await c.login('alice', 'alice-password-1');
    expect(again.body).toMatchObject({ status: 'authenticated', amr: ['pwd'] });
  });

  it("a signed-in user's passwordless login over the session starts a new one as the passkey's owner", async () => {
    const { app } = makePasskeyApp();
    const { auth } = await aliceWithPasskey(app);
    const bob = await client(app);
    await bob.login('bob', 'bob-password-1');
    const res = await passkeyLogin(bob, auth);
    expect(res.status).toBe(200);
    expect((await bob.get('/auth/session')).body.userId).toBe('u-alice');
  });
});
