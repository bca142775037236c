// Attack: a thief who holds the session and the victim's TOTP app (or mailbox) but not the
// passkey steps up with the weak factor, and the fresh TOTP or email code renews a route that
// only trusts a recent passkey (or a recent TOTP): maxAge must be met by a factor the route
// accepts (docs/architecture.md, invariant 20).
import session from 'express-session';
import { describe, expect, it } from 'vitest';
import { devOutbox } from '../../lib/index.js';
import { emailOtp } from '../../strategies/one-time-code.js';
import { client } from '../helpers/app.js';
import { codeIn } from '../helpers/otp-app.js';
import {
  makePasskeyApp,
  register,
  verifyWithPasskey,
  type Client,
} from '../helpers/passkey-app.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { codeAt } from '../helpers/totp-app.js';

const ROUTES = {
  '/vault-fresh': { phishingResistant: true, maxAge: 60 },
  '/keys-fresh': { factors: ['passkey'], maxAge: 60 },
  '/totp-fresh': { factors: ['totp'], maxAge: 60 },
  '/any-fresh': { maxAge: 60 },
} as const;

async function setup() {
  const outbox = devOutbox({ print: false });
  const sessionStore = new session.MemoryStore();
  const built = makePasskeyApp({
    sessionStore,
    extraFactors: [
      emailOtp({
        mailer: outbox,
        codeKey: Buffer.alloc(32, 2),
        getAddress: (id) => (id === 'u-alice' ? 'alice@example.test' : undefined),
      }),
    ],
  });
  const { app, stepup, clock } = built;
  for (const [path, policy] of Object.entries(ROUTES)) {
    app.get(path, stepup.requireMfa(policy), (_req, res) => {
      res.json({ ok: true });
    });
  }
  const c = await client(app);
  const emailStep = async () => {
    expect((await c.post('/auth/mfa/email/send')).status).toBe(202);
    const code = codeIn(outbox.last('alice@example.test')?.text);
    expect((await c.verify(code, 'email-otp')).status).toBe(200);
  };
  // Alice signs in with her declared mailbox, then adds a passkey and a TOTP app (each counts
  // as a second factor of this session at the time it is set up).
  expect((await c.login('alice', 'alice-password-1')).body.status).toBe('mfa_required');
  await emailStep();
  const auth = new SoftAuthenticator();
  expect((await register(c, auth, { label: 'Laptop' })).status).toBe(200);
  const secret = (await c.post('/auth/mfa/totp/enroll')).body.secret as string;
  const confirm = await c.post('/auth/mfa/totp/confirm', {
    code: await codeAt(secret, clock.now()),
  });
  expect(confirm.status).toBe(200);
  const totpStep = async () => {
    expect((await c.verify(await codeAt(secret, clock.now()), 'totp')).status).toBe(200);
  };
  return { ...built, c, auth, secret, emailStep, totpStep, sessionStore };
}

async function statuses(c: Client): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const path of Object.keys(ROUTES)) out[path] = (await c.get(path)).status;
  return out;
}

describe('requireMfa({ maxAge }) with factors or phishingResistant', () => {
  it('a fresh TOTP after a passkey 65 s old opens neither passkey route; a fresh passkey opens both', async () => {
    const { c, auth, clock, totpStep } = await setup();
    clock.advance(65_000);
    await totpStep();
    expect(await statuses(c)).toEqual({
      '/vault-fresh': 401,
      '/keys-fresh': 401,
      '/totp-fresh': 200,
      '/any-fresh': 200,
    });
    const refusal = await c.get('/keys-fresh');
    expect(refusal.body).toMatchObject({ reason: 'stale', factors: ['passkey'], maxAge: 60 });
    const vault = await c.get('/vault-fresh');
    expect(vault.body).toMatchObject({ reason: 'stale', factors: ['passkey'] });

    expect((await verifyWithPasskey(c, auth)).status).toBe(200);
    expect(await statuses(c)).toEqual({
      '/vault-fresh': 200,
      '/keys-fresh': 200,
      '/totp-fresh': 200,
      '/any-fresh': 200,
    });
  });

  it("factors: ['totp'] with maxAge: a TOTP 65 s old and a fresh email code → stale; a fresh TOTP opens it", async () => {
    const { c, clock, emailStep, totpStep } = await setup();
    clock.advance(65_000);
    await emailStep();
    const res = await c.get('/totp-fresh');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ reason: 'stale', factors: ['totp'], maxAge: 60 });
    expect((await c.get('/any-fresh')).status).toBe(200);
    await totpStep();
    expect((await c.get('/totp-fresh')).status).toBe(200);
  });

  it('a session record without per-factor times (signed in before they existed) is stale on those routes', async () => {
    const { c, sessionStore, auth } = await setup();
    expect((await verifyWithPasskey(c, auth)).status).toBe(200);
    expect(await statuses(c)).toEqual({
      '/vault-fresh': 200,
      '/keys-fresh': 200,
      '/totp-fresh': 200,
      '/any-fresh': 200,
    });
    // The record as an earlier version wrote it: every factor, one mfaAt, no factorTimes.
    const sid = c.sessionId() ?? '';
    const sessions = (sessionStore as unknown as { sessions: Record<string, string> }).sessions;
    const data = JSON.parse(sessions[sid] ?? '{}') as { stepup: Record<string, unknown> };
    expect(data.stepup.factorTimes).toBeDefined();
    delete data.stepup.factorTimes;
    sessions[sid] = JSON.stringify(data);
    expect(await statuses(c)).toEqual({
      '/vault-fresh': 401,
      '/keys-fresh': 401,
      '/totp-fresh': 401,
      '/any-fresh': 200,
    });
    // One step-up with the route's factor writes the times again.
    expect((await verifyWithPasskey(c, auth)).status).toBe(200);
    expect((await c.get('/keys-fresh')).status).toBe(200);
  });
});
