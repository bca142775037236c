// Attack: a stolen session binds the attacker's authenticator to the victim's account, or the
// registration is replayed or made on a look-alike origin. Registration needs a fresh second
// factor once the user has one; its challenge is single use and origin/RP-ID checked; the
// first passkey brings recovery codes so the account is not lost with the device.
import { describe, expect, it } from 'vitest';
import { client } from '../helpers/app.js';
import { aliceWithPasskey, makePasskeyApp, register } from '../helpers/passkey-app.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

describe('passkey registration', () => {
  it('creation options: RP, random user handle, excludeCredentials, resident key and UV preferred', async () => {
    const { app } = makePasskeyApp();
    const { c } = await aliceWithPasskey(app);
    const options = await c.post('/auth/mfa/passkeys/register/options');
    expect(options.status).toBe(200);
    expect(options.body).toMatchObject({
      rp: { id: 'localhost', name: 'Acme' },
      user: { name: 'u-alice' },
      attestation: 'none',
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      pubKeyCredParams: [{ alg: -7 }, { alg: -257 }],
    });
    // The user handle is random (never the user id, W3C WebAuthn L3 §14.6.1) and stays the same.
    expect(Buffer.from(options.body.user.id, 'base64url').toString()).not.toContain('alice');
    const rows = (await c.get('/auth/mfa/factors')).body.factors;
    const passkey = rows.find((f: { type: string }) => f.type === 'passkey');
    expect(options.body.excludeCredentials).toHaveLength(1);
    expect(passkey).toMatchObject({ label: 'Laptop', backedUp: false, deviceType: 'singleDevice' });
  });

  it('the first passkey: 200 {enabled, id}, ten recovery codes, a notice and an event; the session is satisfied', async () => {
    const { app, notices, events } = makePasskeyApp();
    const { c, reg } = await aliceWithPasskey(app);
    expect(reg.body).toMatchObject({
      enabled: true,
      id: expect.any(String),
      amr: ['pwd', 'hwk', 'mfa'],
    });
    expect(reg.body.recoveryCodes).toHaveLength(10);
    expect(notices.map((n) => [n.kind, n.data.factor])).toContainEqual([
      'factor_enabled',
      'passkey',
    ]);
    expect(events.filter((e) => e.type === 'passkey.registered')).toEqual([
      expect.objectContaining({ userId: 'u-alice', credentialId: reg.body.id }),
    ]);
    const session = (await c.get('/auth/session')).body;
    expect(session).toMatchObject({
      status: 'satisfied',
      factors: ['passkey'],
      phishingResistant: true,
    });
    expect(
      (await c.get('/auth/mfa/factors')).body.factors.map((f: { type: string }) => f.type).sort(),
    ).toEqual(['passkey', 'recovery-codes']);
  });

  it('a second passkey needs a fresh second factor: after freshSeconds it is 401 mfa_required', async () => {
    const { app, clock } = makePasskeyApp();
    const { c, auth } = await aliceWithPasskey(app);
    clock.advance(10 * 60 * 1000);
    const stale = await c.post('/auth/mfa/passkeys/register/options');
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ error: 'mfa_required', reason: 'stale' });
    expect(stale.body.factors).toContain('passkey');
    // A fresh passkey assertion opens it again; the second passkey brings no new codes.
    const { verifyWithPasskey } = await import('../helpers/passkey-app.js');
    expect((await verifyWithPasskey(c, auth)).status).toBe(200);
    const second = await register(c, auth, { label: 'Phone' });
    expect(second.status).toBe(200);
    expect(second.body.recoveryCodes).toEqual([]);
  });

  it('a pending login (password only) cannot register: the second factor comes first', async () => {
    const { app } = makePasskeyApp();
    const { auth } = await aliceWithPasskey(app);
    const c = await client(app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('mfa_required');
    const res = await register(c, auth);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'mfa_required', reason: 'pending' });
  });

  it('refused: wrong origin, wrong RP ID, wrong ceremony type, UP missing, a challenge used twice', async () => {
    const { app } = makePasskeyApp();
    const c = await client(app);
    await c.login('alice', 'alice-password-1');
    const auth = new SoftAuthenticator();
    for (const o of [
      { origin: 'https://evil.example' },
      { rpId: 'evil.example' },
      { type: 'webauthn.get' },
      { flags: { up: false } },
      { challenge: Buffer.from('not the challenge').toString('base64url') },
    ]) {
      const res = await register(c, auth, o);
      expect(res.status, JSON.stringify(o)).toBe(401);
      expect(res.body.error).toBe('invalid_credentials');
    }
    const options = await c.post('/auth/mfa/passkeys/register/options');
    const response = auth.create(options.body);
    expect((await c.post('/auth/mfa/passkeys/register/verify', { response })).status).toBe(200);
    const again = await c.post('/auth/mfa/passkeys/register/verify', { response });
    expect(again.status).toBe(401);
    expect(
      (await c.get('/auth/mfa/factors')).body.factors.filter(
        (f: { type: string }) => f.type === 'passkey',
      ),
    ).toHaveLength(1);
  });

  it('a credential id registered by one user is refused for another (WebAuthn L3 §7.1 step 26)', async () => {
    const { app } = makePasskeyApp();
    const { auth, reg } = await aliceWithPasskey(app);
    expect(reg.status).toBe(200);
    const bob = await client(app);
    await bob.login('bob', 'bob-password-1');
    const options = await bob.post('/auth/mfa/passkeys/register/options');
    // Alice's credential (same id and key) registered again, under bob's fresh challenge.
    const res = await bob.post('/auth/mfa/passkeys/register/verify', {
      response: auth.create(options.body, { reuse: auth.credentials[0] }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await bob.get('/auth/mfa/factors')).body.factors).toEqual([]);
  });
});
