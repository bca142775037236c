/**
 * Race tests of the conformance suite: 50 callers at once, exactly one winner. An OTP, an email
 * code or a recovery code is accepted once (NIST SP 800-63B-4 §3.1.4.2, ASVS 5.0 V6.5.1); a
 * store whose check-and-consume is a read followed by a write lets a replay win the race.
 * The calls are started together, so a store that awaits between its read and its write (a
 * GET then a DEL over the network) is caught.
 */
import { expect, it } from './vitest-api.js';
import { storeKey, type MfaStore } from './types.js';

/** What the test files of this suite receive: the current test's store and a clock. */
export interface ConformanceContext {
  /** The current test's store (from the harness). */
  readonly store: MfaStore;
  /** Let `ms` pass for the store (fake clock when available, else a real sleep). */
  wait(ms: number): Promise<void>;
}

const N = 50;

function parallel<T>(fn: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: N }, (_, i) => fn(i)));
}

function count<T>(values: readonly T[], pred: (v: T) => boolean): number {
  return values.filter(pred).length;
}

export function atomicityTests(ctx: ConformanceContext): void {
  const key = storeKey('race', 'k');

  it(`setIfAbsent: exactly one of ${N} parallel callers writes`, async () => {
    const { store } = ctx;
    const won = await parallel((i) => store.setIfAbsent(key, `caller-${i}`, 60_000));
    expect(count(won, Boolean)).toBe(1);
    expect(await store.get(key)).toBe(`caller-${won.indexOf(true)}`);
  });

  it(`take: exactly one of ${N} parallel callers gets the value`, async () => {
    const { store } = ctx;
    await store.set(key, 'one-time-code', 60_000);
    const got = await parallel(() => store.take(key));
    expect(count(got, (v) => v === 'one-time-code')).toBe(1);
    expect(count(got, (v) => v === null)).toBe(N - 1);
  });

  it(`hashDelete: exactly one of ${N} parallel callers removes the field`, async () => {
    const { store } = ctx;
    await store.hashSet(key, 'code-hash', 'x', 60_000);
    await store.hashSet(key, 'other', 'y');
    const removed = await parallel(() => store.hashDelete(key, 'code-hash'));
    expect(count(removed, Boolean)).toBe(1);
    expect(await store.hashGetAll(key)).toEqual({ other: 'y' });
  });

  it(`increment: ${N} parallel increments count to exactly ${N}, TTL fixed at birth`, async () => {
    const { store } = ctx;
    const values = await parallel(() => store.increment(key, 1000));
    expect([...values].sort((x, y) => x - y)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(await store.get(key)).toBe(String(N));
    await ctx.wait(500);
    await parallel(() => store.increment(key, 1000));
    expect(await store.get(key)).toBe(String(2 * N));
    const left = await store.ttl(key);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(520);
  });

  it(`advance: exactly one of ${N} parallel advance(key, sameValue) wins`, async () => {
    const { store } = ctx;
    await store.advance(key, 100, 60_000);
    const won = await parallel(() => store.advance(key, 101, 60_000));
    expect(count(won, Boolean)).toBe(1);
    expect(await store.get(key)).toBe('101');
  });

  it(`advance: ${N} parallel distinct values leave the largest, never a smaller one`, async () => {
    const { store } = ctx;
    // 1..N in a scrambled order (7 is coprime with 50), so small values arrive after large ones.
    const values = Array.from({ length: N }, (_, i) => ((i * 7) % N) + 1);
    await parallel((i) => store.advance(key, values[i] ?? 0, 60_000));
    expect(await store.get(key)).toBe(String(Math.max(...values)));
    expect(await store.advance(key, Math.max(...values), 60_000)).toBe(false);
  });
}
