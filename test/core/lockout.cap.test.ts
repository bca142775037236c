// Attack: the attacker holds the password and guesses second-factor codes slowly, 10 per lock
// period, for days: with a lock that simply expires and a counter forgotten after a day,
// guessing never ends. NIST SP 800-63B-4 §3.2.2 allows no more than 100 consecutive failed
// attempts per account: the streak survives locks and days, each lock is twice as long as the
// previous, and at 100 no code is compared any more (423 mfa_suspended) until an admin reset,
// also after the short-lived store is flushed (docs/architecture.md, invariant 19).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCredentialStore } from '../../lib/stores/credentials/memory.js';
import { RedisStore } from '../../lib/stores/redis.js';
import type { StepupOptions } from '../../lib/index.js';
import { storeKey } from '../../lib/stores/types.js';
import { client, makeApp, TEST_CODE } from '../helpers/app.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

/** bob pending on a fresh app whose clock the test moves. */
async function setup(
  stepup: Omit<StepupOptions, 'passport' | 'factors' | 'now'> = {},
  /** Redis expires keys in real time: there the test ends each lock by deleting it. */
  expireLock: () => Promise<unknown> = async () => undefined,
) {
  const clock = { t: Date.UTC(2026, 0, 1) };
  const built = makeApp({ stepup: { ...stepup, now: () => clock.t } });
  const c = await client(built.app);
  /** A fresh pending login (the pending state lives 10 minutes). */
  const login = async () => expect((await c.login('bob', 'bob-password-1')).status).toBe(200);
  await login();
  /** A new login, 10 wrong codes, the 10th locking; returns the lock's length in seconds. */
  const round = async (): Promise<number> => {
    await login();
    for (let i = 0; i < 9; i++) expect((await c.verify('000000')).status).toBe(401);
    expect((await c.verify('000000')).status).toBe(401);
    const locked = await c.verify(TEST_CODE);
    expect(locked.status).toBe(429);
    clock.t += (locked.body as { retryAfter: number }).retryAfter * 1000;
    await expireLock();
    return (locked.body as { retryAfter: number }).retryAfter;
  };
  return { ...built, c, clock, round, login };
}

describe('NIST SP 800-63B-4 §3.2.2: at most 100 consecutive failures', () => {
  it('locks double (15 min, 30, 1 h … a day); at 100 the right code is refused; admin reset reopens', async () => {
    const { c, round, events, stepup, login } = await setup();
    const locks: number[] = [];
    for (let r = 0; r < 9; r++) locks.push(await round());
    expect(locks).toEqual([900, 1800, 3600, 7200, 14400, 28800, 57600, 86400, 86400]);
    await login();
    for (let i = 0; i < 9; i++) expect((await c.verify('000000')).status).toBe(401);
    const last = await c.verify('000000'); // the 100th failure
    expect(last.status).toBe(401);
    const refused = await c.verify(TEST_CODE);
    expect(refused.status).toBe(423);
    expect(refused.body).toMatchObject({ error: 'mfa_suspended' });
    expect(refused.body).not.toHaveProperty('retryAfter');
    expect(refused.headers['retry-after']).toBeUndefined();
    expect(events.filter((e) => e.type === 'mfa.suspended')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'mfa.failed')).toHaveLength(100);
    expect(await stepup.lockoutState('u-bob')).toMatchObject({ failures: 100, suspended: true });
    // Waiting does not help.
    expect((await c.verify(TEST_CODE)).status).toBe(423);
    await stepup.adminReset(undefined, 'u-bob');
    expect(await stepup.lockoutState('u-bob')).toEqual({ failures: 0, suspended: false });
  });

  it('a success before 100 resets the streak: the next lock is 15 minutes again', async () => {
    const { c, round, login } = await setup();
    expect(await round()).toBe(900);
    expect(await round()).toBe(1800);
    await login();
    expect((await c.verify(TEST_CODE)).status).toBe(200);
    expect(await round()).toBe(900);
  });

  it('failures spread over many days still add up (a quiet day does not reset the streak)', async () => {
    const { c, clock, stepup, login } = await setup();
    for (let day = 0; day < 20; day++) {
      await login();
      for (let i = 0; i < 5; i++) expect((await c.verify('000000')).status).toBe(401);
      clock.t += 3 * 86400_000;
    }
    expect(await stepup.lockoutState('u-bob')).toMatchObject({ failures: 100, suspended: true });
    await login();
    expect((await c.verify(TEST_CODE)).status).toBe(423);
  });

  it('suspendAfter may be lower, never above 100', async () => {
    expect(() => makeApp({ stepup: { lockout: { suspendAfter: 101 } } })).toThrow(/suspendAfter/);
    const { c } = await setup({ lockout: { suspendAfter: 3 } });
    for (let i = 0; i < 3; i++) expect((await c.verify('000000')).status).toBe(401);
    expect((await c.verify(TEST_CODE)).status).toBe(423);
  });
});

describe('a flushed Redis does not hand out a new budget', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('the streak restarts from its durable copy (written at each lock)', async () => {
    const store = new RedisStore({ client: redis.client(), prefix: `cap:${randomUUID()}:` });
    const credentials = new MemoryCredentialStore();
    const lockKey = storeKey('u-bob', 'mfa', 'lock');
    const { c, round, stepup, login } = await setup({ store, credentials }, () =>
      store.delete(lockKey),
    );
    for (let r = 0; r < 3; r++) await round();
    expect(await credentials.failureStreak('u-bob')).toBe(30);
    const keys = Object.keys(await store.dump());
    await store.delete(...keys); // FLUSHALL, for this test's keys only
    expect(await stepup.lockoutState('u-bob')).toMatchObject({ failures: 30 });
    // The next lock is the 4th of the streak (2 h), and the cap still comes at 100.
    expect(await round()).toBe(7200);
    for (let r = 0; r < 5; r++) await round();
    await login();
    for (let i = 0; i < 10; i++) expect((await c.verify('000000')).status).toBe(401);
    expect((await c.verify(TEST_CODE)).status).toBe(423);
    expect(await credentials.failureStreak('u-bob')).toBe(100);
  });

  it('the credential store unreachable while seeding → 503, never a fresh budget', async () => {
    const store = new RedisStore({ client: redis.client(), prefix: `cap:${randomUUID()}:` });
    const credentials = new MemoryCredentialStore();
    const { c } = await setup({ store, credentials });
    await credentials.close();
    const res = await c.verify('000000');
    expect(res.status).toBe(503);
  });
});
