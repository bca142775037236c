/**
 * Conformance of the attempt steps (`reserveAttempt`, `settleAttempt`): the second-factor
 * lockout holds only when the check and the count are one atomic step. The attack: 50 wrong
 * codes sent at once all read "below the limit" before any of them counts
 * (docs/architecture.md, invariant 19; NIST SP 800-63B-4 §3.2.2).
 */
import { expect, it } from './vitest-api.js';
import type { ConformanceContext } from './conformance-atomic.js';
import { storeKey, type AttemptKeys, type ReserveAttemptSpec } from './types.js';

const N = 50;
const keys: AttemptKeys = {
  counter: storeKey('att', 'counter'),
  lock: storeKey('att', 'lock'),
  streak: storeKey('att', 'streak'),
};
const spec = (over: Partial<ReserveAttemptSpec> = {}): ReserveAttemptSpec => ({
  ...keys,
  limit: 10,
  cap: 100,
  windowMs: 60_000,
  streakTtlMs: 60_000,
  inFlightMs: 30_000,
  ...over,
});

export function attemptTests(ctx: ConformanceContext): void {
  it('reserveAttempt: unseeded until the streak exists, and reads the extra keys', async () => {
    const { store } = ctx;
    const other = storeKey('att', 'epoch');
    await store.set(other, 'e1', 60_000);
    expect(await store.reserveAttempt(spec({ read: [other] }))).toEqual({
      outcome: 'unseeded',
      values: ['e1'],
    });
    await store.setIfAbsent(keys.streak, '0', 60_000);
    expect(await store.reserveAttempt(spec({ read: [other, storeKey('att', 'none')] }))).toEqual({
      outcome: 'reserved',
      count: 1,
      streak: 1,
      values: ['e1', null],
    });
  });

  it(`reserveAttempt: of ${N} parallel callers exactly the limit get an attempt`, async () => {
    const { store } = ctx;
    await store.set(keys.streak, '95', 60_000);
    const all = await Promise.all(Array.from({ length: N }, () => store.reserveAttempt(spec())));
    const reserved = all.filter((r) => r.outcome === 'reserved');
    // The cap (100) comes before the period's limit (10): 5 attempts, then suspended.
    expect(reserved).toHaveLength(5);
    expect(all.filter((r) => r.outcome === 'suspended')).toHaveLength(N - 5);
    await store.set(keys.streak, '0', 60_000);
    await store.delete(keys.counter);
    const again = await Promise.all(Array.from({ length: N }, () => store.reserveAttempt(spec())));
    const counts = again.flatMap((r) => (r.outcome === 'reserved' ? [r.count] : []));
    expect(counts.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(again.filter((r) => r.outcome === 'full')).toHaveLength(N - 10);
    expect(await store.get(keys.streak)).toBe('10');
  });

  it(`settleAttempt lock: one of ${N} parallel callers sets it; then reserve says locked`, async () => {
    const { store } = ctx;
    await store.set(keys.streak, '0', 60_000);
    for (let i = 0; i < 10; i++) await store.reserveAttempt(spec());
    const lock = { kind: 'lock', limit: 10, until: 123, lockMs: 60_000 } as const;
    const won = await Promise.all(Array.from({ length: N }, () => store.settleAttempt(keys, lock)));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await store.get(keys.lock)).toBe('123');
    expect(await store.get(keys.counter)).toBeNull(); // a new period after the lock
    const r = await store.reserveAttempt(spec());
    expect(r.outcome).toBe('locked');
    if (r.outcome === 'locked') expect(r.lockTtlMs).toBeLessThanOrEqual(60_000);
    expect(r.outcome === 'locked' && r.lockTtlMs).toBeGreaterThan(0);
  });

  it('settleAttempt lock is refused below the limit; success and release reset and give back', async () => {
    const { store } = ctx;
    await store.set(keys.streak, '40', 60_000);
    await store.reserveAttempt(spec());
    await store.reserveAttempt(spec());
    const lock = { kind: 'lock', limit: 10, until: 1, lockMs: 60_000 } as const;
    expect(await store.settleAttempt(keys, lock)).toBe(false);
    expect(await store.get(keys.lock)).toBeNull();
    expect(await store.settleAttempt(keys, { kind: 'release' })).toBe(true);
    expect(await store.get(keys.counter)).toBe('1');
    expect(await store.get(keys.streak)).toBe('41');
    expect(await store.settleAttempt(keys, { kind: 'release' })).toBe(true);
    expect(await store.get(keys.counter)).toBeNull(); // gone at 0: the attempt cost nothing
    expect(await store.get(keys.streak)).toBe('40');
    await store.reserveAttempt(spec());
    expect(await store.settleAttempt(keys, { kind: 'success', streakTtlMs: 60_000 })).toBe(true);
    expect(await store.get(keys.counter)).toBeNull();
    expect(await store.get(keys.streak)).toBe('0');
    expect(await store.ttl(keys.streak)).toBeGreaterThan(0);
  });

  it('the period counter expires with its window; the streak stays', async () => {
    const { store } = ctx;
    await store.set(keys.streak, '0', 60_000);
    for (let i = 0; i < 3; i++) await store.reserveAttempt(spec({ windowMs: 250 }));
    await ctx.wait(350);
    expect(await store.get(keys.counter)).toBeNull();
    expect(await store.get(keys.streak)).toBe('3');
    const r = await store.reserveAttempt(spec({ windowMs: 250 }));
    expect(r.outcome === 'reserved' && [r.count, r.streak]).toEqual([1, 4]);
  });
}
