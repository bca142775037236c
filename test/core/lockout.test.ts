// Attack: online guessing of the second factor by someone who holds the password. One
// counter per account across all second factors: 10 consecutive failures lock the step for
// 15 minutes (NIST SP 800-63B-4 §3.2.2), even for the right code; a success resets it.
import { describe, expect, it } from 'vitest';
import { client, makeApp, TEST_CODE } from '../helpers/app.js';

describe('second-factor lockout', () => {
  it('10 wrong codes lock; the right code during the lock gets 429; after 15 minutes it works', async () => {
    let now = Date.UTC(2026, 0, 1);
    const { app, events } = makeApp({ stepup: { now: () => now, pendingTtlSeconds: 3600 } });
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    for (let i = 0; i < 10; i++) {
      // Spread across two factors: they share one counter.
      const res = await c.verify(`00000${i}`, i % 2 ? 'test-code' : 'other-code');
      expect(res.status).toBe(401);
    }
    const locked = await c.verify(TEST_CODE);
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ error: 'too_many_attempts', retryAfter: 900 });
    expect(locked.headers['retry-after']).toBe('900');
    expect(events.some((e) => e.type === 'mfa.locked' && e.userId === 'u-bob')).toBe(true);
    now += 899_000;
    expect((await c.verify(TEST_CODE)).status).toBe(429);
    now += 1_001;
    const ok = await c.verify(TEST_CODE);
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('authenticated');
  });

  it('the lock holds across a new login (a new pending session) for the same account', async () => {
    const { app } = makeApp();
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    for (let i = 0; i < 10; i++) await c.verify('999999');
    const other = await client(app);
    await other.login('bob', 'bob-password-1');
    expect((await other.verify(TEST_CODE)).status).toBe(429);
  });

  it('a success resets the counter', async () => {
    const { app } = makeApp();
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    for (let i = 0; i < 9; i++) await c.verify('999999');
    expect((await c.verify(TEST_CODE)).status).toBe(200);
    for (let i = 0; i < 9; i++) expect((await c.verify('999999')).status).toBe(401);
    expect((await c.verify(TEST_CODE)).status).toBe(200);
  });
});
