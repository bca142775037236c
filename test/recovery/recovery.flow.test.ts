// Attack: someone replays a recovery code they saw (shoulder-surfed, a photo of the printout),
// or uses a stolen session to mint a fresh set. Each code works once, a new set kills the old
// one, and minting needs a second factor presented minutes ago (invariant 1 (docs/architecture.md), §5.11).
import { hostOf } from '../../lib/core/context.js';
import { describe, expect, it } from 'vitest';
import { client, TEST_CODE } from '../helpers/app.js';
import { dumpStore, makeRecoveryApp } from '../helpers/recovery-app.js';

const SHAPE = /^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){4}$/;

async function setup(options: Parameters<typeof makeRecoveryApp>[0] = {}) {
  const made = makeRecoveryApp(options);
  const codes = await made.recovery.generate(undefined, 'u-bob');
  return { ...made, codes };
}

/** A signed-in bob whose second factor (the test factor) passed just now. */
async function freshBob(app: Parameters<typeof client>[0]) {
  const c = await client(app);
  expect((await c.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');
  expect((await c.verify(TEST_CODE)).status).toBe(200);
  return c;
}

describe('signing in with a recovery code', () => {
  it('each code works once', async () => {
    const { app, codes } = await setup();
    const [first, second] = codes as [string, string];
    const c = await client(app);
    const login = await c.login('bob', 'bob-password-1');
    expect(login.body.factors).toEqual(['test-code', 'recovery-code']);
    const ok = await c.verify(first, 'recovery-code');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'authenticated', amr: ['pwd', 'rc', 'mfa'] });
    expect((await c.get('/reports')).status).toBe(200);

    const again = await client(app);
    await again.login('bob', 'bob-password-1');
    const replay = await again.verify(first, 'recovery-code');
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ error: 'invalid_code' });
    expect((await again.verify(second, 'recovery-code')).status).toBe(200);
  });

  it.each([
    ['lower case', (code: string) => code.toLowerCase()],
    ['spaces instead of dashes', (code: string) => code.replace(/-/g, ' ')],
    ['no separators, padded', (code: string) => ` ${code.replace(/-/g, '')} `],
  ])('accepts the code typed in %s', async (_label, typed) => {
    const { app, codes } = await setup();
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    expect((await c.verify(typed(codes[0] ?? ''), 'recovery-code')).status).toBe(200);
  });

  it('a use emits recovery.used, notifies and revokes remembered browsers', async () => {
    const { app, codes, events, notices, stepup } = await setup();
    expect(await hostOf(stepup).context.credentialEpoch('u-bob')).toBe(0);
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    await c.verify(codes[4] ?? '', 'recovery-code');
    expect(events.filter((e) => e.type === 'recovery.used')).toEqual([
      expect.objectContaining({ userId: 'u-bob', factor: 'recovery-code', remaining: 9 }),
    ]);
    expect(notices).toEqual([
      expect.objectContaining({
        userId: 'u-bob',
        kind: 'recovery_code_used',
        data: { remaining: 9 },
      }),
    ]);
    expect(await hostOf(stepup).context.credentialEpoch('u-bob')).toBe(1);
    const changed = events.filter((e) => e.type === 'credentials.changed');
    expect(changed.map((e) => e.reason)).toEqual(['recovery_code_used']);
  });

  it('a user with only recovery codes is asked for one; with none, they are refused', async () => {
    const { app, recovery } = makeRecoveryApp({ enrolled: [] });
    const [code] = await recovery.generate(undefined, 'u-alice');
    const a = await client(app);
    expect((await a.login('alice', 'alice-password-1')).body).toMatchObject({
      status: 'mfa_required',
      factors: ['recovery-code'],
    });
    expect((await a.verify(code ?? '', 'recovery-code')).status).toBe(200);

    const { app: app2 } = makeRecoveryApp();
    const b = await client(app2);
    await b.login('bob', 'bob-password-1');
    const none = await b.verify('ABCDE-FGHJK-MNPQR-STVWX-YZ012', 'recovery-code');
    expect(none.body.error).toBe('factor_not_allowed');
  });

  it('wrong and malformed codes count on the shared lockout counter', async () => {
    const { app, codes } = await setup();
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    for (let i = 0; i < 10; i++) {
      const guess = i % 2 ? 'ABCDE-FGHJK-MNPQR-STVWX-YZ012' : 'not a code';
      expect((await c.verify(guess, 'recovery-code')).status).toBe(401);
    }
    expect((await c.verify(codes[0] ?? '', 'recovery-code')).status).toBe(429);
  });
});

describe('GET /auth/mfa/recovery-codes and GET /auth/session', () => {
  it('says how many are left, to signed-in users only', async () => {
    const { app, codes } = await setup();
    const anon = await client(app);
    expect((await anon.get('/auth/mfa/recovery-codes')).body.error).toBe('authentication_required');
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    expect((await c.get('/auth/mfa/recovery-codes')).status).toBe(401); // pending
    await c.verify(codes[0] ?? '', 'recovery-code');
    const res = await c.get('/auth/mfa/recovery-codes');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ remaining: 9 });
  });

  it('recoveryCodesLow turns true at 2 left, and only for a signed-in user', async () => {
    const { app, codes, recovery } = await setup();
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    expect((await c.get('/auth/session')).body).not.toHaveProperty('recoveryCodesLow');
    await c.verify(TEST_CODE);
    expect((await c.get('/auth/session')).body.recoveryCodesLow).toBe(false);
    for (const code of codes.slice(0, 7)) {
      expect(await recovery.consume(undefined, 'u-bob', code)).toBe(true);
    }
    expect((await c.get('/auth/session')).body.recoveryCodesLow).toBe(false); // 3 left
    await recovery.consume(undefined, 'u-bob', codes[7] ?? '');
    expect((await c.get('/auth/session')).body.recoveryCodesLow).toBe(true); // 2 left
    for (const code of codes.slice(8)) await recovery.consume(undefined, 'u-bob', code);
    expect((await c.get('/auth/session')).body.recoveryCodesLow).toBe(true); // none left
  });

  it('says nothing about recovery codes to a user who never had any', async () => {
    const { app } = makeRecoveryApp();
    const c = await freshBob(app);
    expect((await c.get('/auth/session')).body).not.toHaveProperty('recoveryCodesLow');
  });
});

describe('POST /auth/mfa/recovery-codes/regenerate', () => {
  it('replaces every old code and shows the new ones once', async () => {
    const { app, codes, recovery, events, notices } = await setup();
    const c = await freshBob(app);
    const res = await c.post('/auth/mfa/recovery-codes/regenerate');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const fresh = res.body.recoveryCodes as string[];
    expect(fresh).toHaveLength(10);
    for (const code of fresh) expect(code).toMatch(SHAPE);
    expect(fresh.filter((code) => codes.includes(code))).toEqual([]);
    for (const old of codes) expect(await recovery.consume(undefined, 'u-bob', old)).toBe(false);
    expect(await recovery.remaining('u-bob')).toBe(10);
    expect((await c.get('/auth/mfa/recovery-codes')).body).toEqual({ remaining: 10 });
    expect(events.filter((e) => e.type === 'recovery.regenerated').at(-1)).toMatchObject({
      userId: 'u-bob',
      count: 10,
      replaced: 10,
    });
    expect(notices.map((n) => n.kind)).toEqual(['recovery_codes_regenerated']);

    const other = await client(app);
    await other.login('bob', 'bob-password-1');
    expect((await other.verify(codes[0] ?? '', 'recovery-code')).status).toBe(401);
    expect((await other.verify(fresh[0] ?? '', 'recovery-code')).status).toBe(200);
  });

  it('needs a fresh second factor, a CSRF token and a signed-in user', async () => {
    let now = Date.UTC(2026, 0, 1);
    const { app, recovery } = await setup({ stepup: { now: () => now } });
    const before = await recovery.remaining('u-bob');
    const anon = await client(app);
    const anonymous = await anon.post('/auth/mfa/recovery-codes/regenerate');
    expect(anonymous.body.error).toBe('authentication_required');
    const pending = await client(app);
    await pending.login('bob', 'bob-password-1');
    expect((await pending.post('/auth/mfa/recovery-codes/regenerate')).status).toBe(401);

    const c = await freshBob(app);
    const noCsrf = await c.agent
      .post('/auth/mfa/recovery-codes/regenerate')
      .set('Accept', 'application/json');
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error).toBe('csrf_invalid');
    now += 301_000;
    const stale = await c.post('/auth/mfa/recovery-codes/regenerate');
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ error: 'mfa_required', reason: 'stale' });
    expect(await recovery.remaining('u-bob')).toBe(before);
    // Step up again: the new proof makes it fresh.
    expect((await c.verify(TEST_CODE)).status).toBe(200);
    expect((await c.post('/auth/mfa/recovery-codes/regenerate')).status).toBe(200);
  });

  it('refuses a user with no second factor (codes are a backup, not a first factor)', async () => {
    const { app, recovery } = makeRecoveryApp();
    const c = await client(app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('authenticated');
    const res = await c.post('/auth/mfa/recovery-codes/regenerate');
    expect(res.status).toBe(409);
    expect(res.body.error).toBe('factor_not_enrolled');
    expect(await recovery.remaining('u-alice')).toBe(0);
  });

  it('two regenerations at once leave exactly one working set', async () => {
    const { recovery } = await setup();
    const [a, b] = await Promise.all([
      recovery.generate(undefined, 'u-bob'),
      recovery.generate(undefined, 'u-bob'),
    ]);
    expect(await recovery.remaining('u-bob')).toBe(10);
    const aWorks = await recovery.consume(undefined, 'u-bob', a[0] ?? '');
    const bWorks = await recovery.consume(undefined, 'u-bob', b[0] ?? '');
    expect([aWorks, bWorks].sort()).toEqual([false, true]);
  });

  it('reset removes every trace', async () => {
    const { recovery, store } = await setup();
    await recovery.reset('u-bob');
    expect(await recovery.remaining('u-bob')).toBe(0);
    expect(await recovery.isEnrolled('u-bob')).toBe(false);
    expect(Object.keys(await dumpStore(store)).filter((k) => k.includes('recovery'))).toEqual([]);
  });
});
