// Attack: every way around a passkey check (docs/architecture.md, invariant 14). A phishing
// proxy relays an assertion made on its own origin or for its own RP ID; a captured assertion
// is replayed, or used from the attacker's session, or after five minutes; Bob's password is
// paired with Alice's passkey; a removed passkey is used; a cloned authenticator sends an old
// counter; a passkey without user verification tries to sign in alone. Each is refused.
import { describe, expect, it } from 'vitest';
import { client } from '../helpers/app.js';
import {
  aliceWithPasskey,
  makePasskeyApp,
  verifyWithPasskey,
  type Client,
} from '../helpers/passkey-app.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

async function pending(app: Parameters<typeof client>[0], who = 'alice') {
  const c = await client(app);
  const login = await c.login(who, `${who}-password-1`);
  expect(login.body.status).toBe('mfa_required');
  return c;
}

const options = async (c: Client) =>
  (await c.post('/auth/mfa/passkeys/authenticate/options')).body as { challenge: string };

const verify = (c: Client, response: unknown) =>
  c.post('/auth/mfa/verify', { factor: 'passkey', response });

describe('WebAuthn checks fail closed (invariant 14)', () => {
  it('wrong origin: an assertion made on https://evil.example is refused', async () => {
    const { app } = makePasskeyApp();
    const { auth } = await aliceWithPasskey(app);
    const c = await pending(app);
    const res = await verifyWithPasskey(c, auth, { origin: 'https://login.evil.example' });
    expect(res.status).toBe(401);
    expect((await c.get('/auth/session')).body.status).toBe('pending');
  });

  it('wrong RP ID: an assertion scoped to another RP ID is refused', async () => {
    const { app } = makePasskeyApp();
    const { auth } = await aliceWithPasskey(app);
    const c = await pending(app);
    expect((await verifyWithPasskey(c, auth, { rpId: 'evil.example' })).status).toBe(401);
    // Nor an assertion without user presence (WebAuthn L3 §7.2 step 16), or of the wrong type.
    expect((await verifyWithPasskey(c, auth, { flags: { up: false } })).status).toBe(401);
    expect((await verifyWithPasskey(c, auth, { type: 'webauthn.create' })).status).toBe(401);
    expect((await verifyWithPasskey(c, auth)).status).toBe(200);
  });

  it('a challenge is single use: any attempt consumes it; of 5 parallel submissions one wins', async () => {
    const { app } = makePasskeyApp();
    // A synced passkey (counter always 0): only the challenge stops a replay.
    const synced = new SoftAuthenticator(undefined, { step: 0, flags: { be: true, bs: true } });
    const { auth } = await aliceWithPasskey(app, synced);
    const c = await pending(app);
    const challenge = await options(c);
    expect((await verify(c, auth.get(challenge, { origin: 'https://evil.example' }))).status).toBe(
      401,
    );
    // The right assertion for that same challenge comes too late: the failed attempt used it.
    expect((await verify(c, auth.get(challenge))).status).toBe(410);
    const response = auth.get(await options(c));
    const results = await Promise.all(Array.from({ length: 5 }, () => verify(c, response)));
    expect(results.map((r) => r.status).filter((s) => s === 200)).toHaveLength(1);
    expect(results.every((r) => r.status < 500)).toBe(true);
  });

  it("a challenge from another session is refused (the attacker's session asked for it)", async () => {
    const { app } = makePasskeyApp();
    const { auth } = await aliceWithPasskey(app);
    const attacker = await pending(app);
    const victim = await pending(app);
    // The attacker fetches a challenge and has the victim sign it; the victim's session
    // submits it: its own session holds no such challenge.
    const response = auth.get(await options(attacker));
    expect((await verify(victim, response)).status).toBe(410);
    // And the attacker's session cannot use an assertion of the victim's challenge either.
    const other = auth.get(await options(victim));
    expect((await verify(attacker, other)).status).toBe(401);
  });

  it('an expired challenge (after 5 minutes) is refused', async () => {
    const { app, clock } = makePasskeyApp({ stepup: { pendingTtlSeconds: 1800 } });
    const { auth } = await aliceWithPasskey(app);
    const c = await pending(app);
    const response = auth.get(await options(c));
    clock.advance(5 * 60 * 1000 + 1);
    const res = await verify(c, response);
    expect(res.status).toBe(410);
    expect(res.body.error).toBe('code_expired');
  });

  it("another user's passkey at the MFA step is refused", async () => {
    const { app } = makePasskeyApp();
    const { auth } = await aliceWithPasskey(app);
    const bobAuth = new SoftAuthenticator();
    const bob = await client(app);
    await bob.login('bob', 'bob-password-1');
    const { register } = await import('../helpers/passkey-app.js');
    expect((await register(bob, bobAuth)).status).toBe(200);
    // Bob's password and Alice's passkey.
    const c = await pending(app, 'bob');
    const res = await verify(c, auth.get(await options(c)));
    expect(res.status).toBe(401);
    expect((await c.get('/auth/session')).body).toMatchObject({
      status: 'pending',
      userId: 'u-bob',
    });
  });

  it('a removed passkey is refused', async () => {
    const { app, notices } = makePasskeyApp();
    const { c, auth, reg } = await aliceWithPasskey(app);
    const proof = auth.get(await options(c));
    const del = await c.agent
      .delete(`/auth/mfa/factors/${reg.body.id as string}`)
      .set('x-csrf-token', c.csrf)
      .set('Accept', 'application/json')
      .send({ response: proof });
    expect(del.status).toBe(204);
    expect(notices.map((n) => [n.kind, n.data.factor])).toContainEqual([
      'factor_disabled',
      'passkey',
    ]);
    // No strong factor is left: the recovery codes went with it; the login is password-only.
    const again = await client(app);
    expect((await again.login('alice', 'alice-password-1')).body.status).toBe('authenticated');
    expect((await passkeyLoginOf(again, auth)).status).toBe(401);
  });

  it('user verification missing where required (passwordless) is 401 invalid_credentials', async () => {
    const { app } = makePasskeyApp();
    const { auth } = await aliceWithPasskey(app);
    const c = await client(app);
    const res = await passkeyLoginOf(c, auth, { flags: { uv: false } });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_credentials');
    expect((await c.get('/auth/session')).body.status).toBe('anonymous');
  });

  it('a sign counter that went backwards is refused with passkey.counter_regressed; 0 stays allowed', async () => {
    const { app, events } = makePasskeyApp();
    const { auth } = await aliceWithPasskey(app);
    const c = await pending(app);
    expect((await verifyWithPasskey(c, auth)).status).toBe(200); // counter 1
    const later = await pending(app);
    const res = await verifyWithPasskey(later, auth, { counter: 1 });
    expect(res.status).toBe(401);
    const regressed = events.filter((e) => e.type === 'passkey.counter_regressed');
    expect(regressed).toEqual([
      expect.objectContaining({ userId: 'u-alice', counter: 1, storedCounter: 1 }),
    ]);
    expect((await verifyWithPasskey(later, auth, { counter: 0 })).status).toBe(401);
    // A synced passkey that always sends 0 keeps working.
    const synced = await bobWithSynced(app);
    for (let i = 0; i < 3; i++) {
      const s = await pending(app, 'bob');
      expect((await verifyWithPasskey(s, synced)).status).toBe(200);
    }
  });

  it('credential store unreachable → 503 at options and verify, never a grant', async () => {
    const { app, stepup } = makePasskeyApp();
    const { auth } = await aliceWithPasskey(app);
    const c = await pending(app);
    const response = auth.get(await options(c));
    await stepup.credentials.close();
    expect((await verify(c, response)).status).toBe(503);
    expect((await c.post('/auth/mfa/passkeys/authenticate/options')).status).toBe(503);
    const anon = await client(app);
    const login = await passkeyLoginOf(anon, auth);
    expect(login.status).toBe(503);
  });
});

async function passkeyLoginOf(c: Client, auth: SoftAuthenticator, o = {}) {
  const { passkeyLogin } = await import('../helpers/passkey-app.js');
  return passkeyLogin(c, auth, o);
}

/** Bob registers a synced passkey (counter always 0). */
async function bobWithSynced(app: Parameters<typeof client>[0]) {
  const { register } = await import('../helpers/passkey-app.js');
  const auth = new SoftAuthenticator(undefined, { step: 0, flags: { be: true, bs: true } });
  const bob = await client(app);
  await bob.login('bob', 'bob-password-1');
  expect((await register(bob, auth)).status).toBe(200);
  return auth;
}
