// Attack: a phishing proxy relays the password and the second factor. With a passkey as the
// second factor the relayed assertion names the proxy's origin and is refused (see
// passkey.fail-closed); here: the passkey runs through the same verify path as every factor
// (lockout, events, session rotation) and routes that demand phishing resistance open only
// for a session in which a passkey passed.
import { describe, expect, it } from 'vitest';
import { client, TEST_CODE } from '../helpers/app.js';
import {
  aliceWithPasskey,
  makePasskeyApp,
  register,
  verifyWithPasskey,
} from '../helpers/passkey-app.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

async function pendingAlice(app: Parameters<typeof client>[0]) {
  const c = await client(app);
  const login = await c.login('alice', 'alice-password-1');
  return { c, login };
}

describe('passkey as a second factor', () => {
  it('mfa_required lists passkey; options allow only her passkeys; verify → authenticated, amr pwd+hwk+user', async () => {
    const { app, events } = makePasskeyApp();
    const { auth } = await aliceWithPasskey(app);
    const { c, login } = await pendingAlice(app);
    expect(login.body).toMatchObject({ status: 'mfa_required' });
    expect(login.body.factors).toEqual(expect.arrayContaining(['passkey', 'recovery-code']));
    const options = await c.post('/auth/mfa/passkeys/authenticate/options');
    expect(options.status).toBe(200);
    expect(options.body).toMatchObject({ rpId: 'localhost', userVerification: 'preferred' });
    expect(options.body.allowCredentials).toEqual([
      { id: auth.credentials[0]?.id, type: 'public-key', transports: ['internal'] },
    ]);
    const before = c.sessionId();
    const res = await c.post('/auth/mfa/verify', {
      factor: 'passkey',
      response: auth.get(options.body),
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'authenticated', amr: ['pwd', 'hwk', 'user', 'mfa'] });
    expect(c.sessionId()).not.toBe(before);
    expect((await c.get('/auth/session')).body).toMatchObject({
      status: 'satisfied',
      factors: ['passkey'],
      phishingResistant: true,
    });
    expect(events.filter((e) => e.type === 'login.satisfied').at(-1)).toMatchObject({
      userId: 'u-alice',
      factor: 'passkey',
    });
    // lastUsedAt moved.
    const row = (await c.get('/auth/mfa/factors')).body.factors.find(
      (f: { type: string }) => f.type === 'passkey',
    );
    expect(row.lastUsedAt).toEqual(expect.any(Number));
  });

  it('a synced (backed-up) passkey is amr swk; without UV there is no user', async () => {
    const { app } = makePasskeyApp();
    const { auth } = await aliceWithPasskey(
      app,
      new SoftAuthenticator(undefined, { step: 0, flags: { be: true, bs: true } }),
    );
    const { c } = await pendingAlice(app);
    const res = await verifyWithPasskey(c, auth, { flags: { uv: false } });
    expect(res.status).toBe(200);
    expect(res.body.amr).toEqual(['pwd', 'swk', 'mfa']);
  });

  it('the response field is required and validated: {code} for factor passkey is 400, not a check', async () => {
    const { app, events } = makePasskeyApp();
    await aliceWithPasskey(app);
    const { c } = await pendingAlice(app);
    const res = await c.post('/auth/mfa/verify', { factor: 'passkey', code: '123456' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request', field: 'response' });
    expect(events.filter((e) => e.type === 'mfa.failed')).toEqual([]);
  });

  it('ten bad assertions lock the account like any factor (shared counter, mfa.failed each)', async () => {
    const { app, events } = makePasskeyApp();
    const { auth } = await aliceWithPasskey(app);
    const { c } = await pendingAlice(app);
    for (let i = 0; i < 10; i++) {
      const res = await verifyWithPasskey(c, auth, { origin: 'https://evil.example' });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_code');
    }
    expect(events.filter((e) => e.type === 'mfa.failed' && e.factor === 'passkey')).toHaveLength(
      10,
    );
    expect(events.filter((e) => e.type === 'mfa.locked')).toHaveLength(1);
    const locked = await verifyWithPasskey(c, auth);
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({
      error: 'too_many_attempts',
      retryAfter: expect.any(Number),
    });
  });

  it('authenticate/options: a user without a passkey is 409; an anonymous session is 401', async () => {
    const { app } = makePasskeyApp({ enrolled: ['u-bob'] });
    const bob = await client(app);
    expect((await bob.login('bob', 'bob-password-1')).body.factors).not.toContain('passkey');
    expect((await bob.post('/auth/mfa/passkeys/authenticate/options')).status).toBe(409);
    const anon = await client(app);
    const res = await anon.post('/auth/mfa/passkeys/authenticate/options');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('mfa_session_expired');
  });
});

describe('requireMfa({ phishingResistant: true }) and factors: [passkey]', () => {
  it('a code-satisfied session is refused with phishing_resistant_required; a passkey step-up opens it', async () => {
    const { app } = makePasskeyApp({ enrolled: ['u-alice'] });
    // Alice signs in with password + code, then adds a passkey (fresh second factor).
    const first = await pendingAlice(app);
    expect((await first.c.verify(TEST_CODE)).status).toBe(200);
    const auth = new SoftAuthenticator();
    expect((await register(first.c, auth)).status).toBe(200);
    const { c } = await pendingAlice(app);
    expect((await c.verify(TEST_CODE)).body.status).toBe('authenticated');
    const refused = await c.get('/vault');
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({
      error: 'mfa_required',
      reason: 'phishing_resistant_required',
      factors: ['passkey'],
    });
    expect((await c.get('/keys-only')).body.reason).toBe('factor_not_allowed');
    expect((await c.get('/auth/session')).body.phishingResistant).toBe(false);
    const html = await c.getHtml('/vault');
    expect(html.status).toBe(302);
    expect(html.headers.location).toContain('reason=phishing_resistant_required');
    expect((await verifyWithPasskey(c, auth)).status).toBe(200);
    expect((await c.get('/vault')).status).toBe(200);
    expect((await c.get('/keys-only')).status).toBe(200);
  });

  it('options are checked when the guard is made', async () => {
    const { stepup } = makePasskeyApp();
    expect(() => stepup.requireMfa({ phishingResistant: 'yes' as unknown as boolean })).toThrow(
      /phishingResistant must be true or false/,
    );
    const { makeApp } = await import('../helpers/app.js');
    const plain = makeApp();
    expect(() => plain.stepup.requireMfa({ phishingResistant: true })).toThrow(/register passkeys/);
  });
});
