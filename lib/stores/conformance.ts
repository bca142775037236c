/**
 * The conformance suite every `MfaStore` passes (docs/architecture.md "Testing"), exported
 * through `passport-stepup/testing` so that you can run it against your own store.
 */
import { afterEach, beforeEach, describe, expect, it } from './vitest-api.js';
import { atomicityTests, type ConformanceContext } from './conformance-atomic.js';
import { attemptTests } from './conformance-attempts.js';
import { optionalHashTests } from './conformance-hash.js';
import { type MfaStore, storeKey } from './types.js';

/** What `makeStore` of {@link runStoreConformance} returns for each test. */
export interface StoreHarness {
  /** The store under test, empty (a fresh key prefix per test does it). */
  readonly store: MfaStore;
  /** Move the store's clock forward by `ms`. Omit it to make the suite wait in real time. */
  readonly advanceTime?: (ms: number) => Promise<void>;
  /** Runs after each test (close the store, delete its keys). */
  readonly cleanup?: () => Promise<void>;
}

export type { ConformanceContext } from './conformance-atomic.js';

/**
 * Keys the library never builds itself but a store must still treat as opaque strings: no
 * normalisation, no collisions, no special meaning for `__proto__`, braces, globs or newlines.
 */
export const ODD_KEYS: readonly string[] = [
  'ключ 用户 🔑',
  'with space',
  '{braces}',
  '}{',
  '{}',
  'a:b::c:',
  'line\nbreak\r\n',
  'nul\u0000byte',
  'glob*?[x]\\',
  'k'.repeat(1024),
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  storeKey('}{evil:user\n', 'totp'),
];

const PROTO_FIELDS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

/**
 * Declares the `MfaStore` conformance tests (vitest `describe`/`it`) in the calling test file:
 * round trips, TTLs, hashes, odd keys, and single-winner atomicity under 50 parallel callers.
 *
 * ```ts
 * // test/my-store.test.ts (vitest)
 * import { runStoreConformance } from 'passport-stepup/testing';
 * runStoreConformance('MyStore', async () => {
 *   const store = new MyStore({ prefix: `test:${crypto.randomUUID()}:` });
 *   return { store, cleanup: () => store.close() };
 * });
 * ```
 *
 * @param name - shown in the suite's title.
 * @param makeStore - runs before every test and must return an empty store. Give `advanceTime`
 *   when the store has an injectable clock; otherwise the suite uses short real TTLs (≤ 1 s)
 *   and waits.
 */
export function runStoreConformance(name: string, makeStore: () => Promise<StoreHarness>): void {
  describe(`MfaStore conformance: ${name}`, () => {
    let harness: StoreHarness | undefined;
    const ctx: ConformanceContext = {
      get store() {
        if (!harness) throw new Error('runStoreConformance: makeStore() did not run');
        return harness.store;
      },
      async wait(ms) {
        if (harness?.advanceTime) await harness.advanceTime(ms);
        else await new Promise((resolve) => setTimeout(resolve, ms));
      },
    };
    beforeEach(async () => {
      harness = await makeStore();
    });
    afterEach(async () => {
      await harness?.cleanup?.();
      harness = undefined;
    });

    basicTests(ctx);
    atomicityTests(ctx);
    attemptTests(ctx);
    optionalHashTests(ctx);
    oddKeyTests(ctx);
  });
}

function basicTests(ctx: ConformanceContext): void {
  const a = storeKey('alice', 'a');
  const b = storeKey('bob', 'b');

  it('get/set round-trips, overwrites, and SET without a TTL clears an old expiry', async () => {
    const { store } = ctx;
    expect(await store.get(a)).toBeNull();
    await store.set(a, 'one');
    expect(await store.get(a)).toBe('one');
    await store.set(a, 'two', 60_000);
    expect(await store.get(a)).toBe('two');
    await store.set(a, 'three');
    expect(await store.ttl(a)).toBeNull();
  });

  it('expires strings and hashes after their TTL', async () => {
    const { store } = ctx;
    await store.set(a, 'v', 250);
    await store.hashSet(b, 'f', 'v', 250);
    const t = await store.ttl(a);
    expect(t).toBeGreaterThan(0);
    expect(t).toBeLessThanOrEqual(250);
    await ctx.wait(350);
    expect(await store.get(a)).toBeNull();
    expect(await store.ttl(a)).toBeNull();
    expect(await store.hashGetAll(b)).toEqual({});
    expect(await store.setIfAbsent(a, 'again', 250)).toBe(true);
  });

  it('rejects a zero, negative or non-finite TTL instead of storing forever', async () => {
    const { store } = ctx;
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(store.set(a, 'v', bad)).rejects.toThrow();
      await expect(store.setIfAbsent(a, 'v', bad)).rejects.toThrow();
      await expect(store.increment(a, bad)).rejects.toThrow();
      await expect(store.advance(a, 1, bad)).rejects.toThrow();
      await expect(store.hashSet(b, 'f', 'v', bad)).rejects.toThrow();
    }
    expect(await store.get(a)).toBeNull();
    expect(await store.hashGetAll(b)).toEqual({});
  });

  it('getMany (when the store has it) reads keys of one user in order, null where absent', async () => {
    const { store } = ctx;
    if (!store.getMany) return; // optional: callers fall back to get()
    const [k1, k2, k3, h] = ['x', 'y', 'z', 'h'].map((p) => storeKey('alice', p)) as [
      string,
      string,
      string,
      string,
    ];
    await store.set(k1, 'one');
    await store.set(k3, 'three', 250);
    await store.hashSet(h, 'f', 'v');
    expect(await store.getMany([k1, k2, k3, h])).toEqual(['one', null, 'three', null]);
    expect(await store.getMany([])).toEqual([]);
    await ctx.wait(350);
    expect(await store.getMany([k3, k1])).toEqual([null, 'one']);
  });

  it('take returns the value once and removes it', async () => {
    const { store } = ctx;
    expect(await store.take(a)).toBeNull();
    await store.set(a, 'secret', 60_000);
    expect(await store.take(a)).toBe('secret');
    expect(await store.take(a)).toBeNull();
    expect(await store.get(a)).toBeNull();
  });

  it('delete counts the keys that existed, across users and types', async () => {
    const { store } = ctx;
    expect(await store.delete()).toBe(0);
    await store.set(a, '1');
    await store.set(b, '2', 60_000);
    await store.hashSet(storeKey('carol', 'h'), 'f', 'v');
    expect(await store.delete(a, b, storeKey('carol', 'h'), storeKey('dave', 'none'))).toBe(3);
    expect(await store.get(a)).toBeNull();
    expect(await store.delete(a)).toBe(0);
  });

  it('increment counts in a fixed window: TTL set at creation, never extended', async () => {
    const { store } = ctx;
    expect(await store.increment(a, 1000)).toBe(1);
    await ctx.wait(500);
    expect(await store.increment(a, 1000)).toBe(2);
    const left = await store.ttl(a);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(520);
    await ctx.wait(600);
    expect(await store.increment(a, 1000)).toBe(1);
  });

  it('advance only moves upward and sets the TTL', async () => {
    const { store } = ctx;
    expect(await store.advance(a, 5, 60_000)).toBe(true);
    expect(await store.advance(a, 5, 60_000)).toBe(false);
    expect(await store.advance(a, 4, 60_000)).toBe(false);
    expect(await store.get(a)).toBe('5');
    expect(await store.advance(a, 6, 60_000)).toBe(true);
    expect(await store.get(a)).toBe('6');
    expect(await store.ttl(a)).toBeGreaterThan(0);
  });

  it('ttl is null for absent keys and keys without expiry', async () => {
    const { store } = ctx;
    expect(await store.ttl(a)).toBeNull();
    await store.set(a, 'v');
    expect(await store.ttl(a)).toBeNull();
    await store.hashSet(b, 'f', 'v');
    expect(await store.ttl(b)).toBeNull();
    await store.hashSet(b, 'g', 'w', 60_000);
    expect(await store.ttl(b)).toBeGreaterThan(0);
  });

  it('hashes: set, get all, keep the expiry when no TTL is given, delete fields once', async () => {
    const { store } = ctx;
    expect(await store.hashGetAll(a)).toEqual({});
    expect(await store.hashDelete(a, 'f')).toBe(false);
    await store.hashSet(a, 'f', '1', 60_000);
    await store.hashSet(a, 'g', '2');
    expect(await store.hashGetAll(a)).toEqual({ f: '1', g: '2' });
    expect(await store.ttl(a)).toBeGreaterThan(0);
    expect(await store.hashDelete(a, 'f')).toBe(true);
    expect(await store.hashDelete(a, 'f')).toBe(false);
    expect(await store.hashDelete(a, 'g')).toBe(true);
    expect(await store.delete(a)).toBe(0); // an emptied hash is gone
  });
}

function oddKeyTests(ctx: ConformanceContext): void {
  it('odd keys (unicode, braces, newlines, 1 kB, __proto__) behave like normal keys', async () => {
    const { store } = ctx;
    for (const key of ODD_KEYS) {
      const label = JSON.stringify(key.slice(0, 40));
      expect(await store.get(key), label).toBeNull();
      await store.set(key, 'v', 60_000);
      expect(await store.get(key), label).toBe('v');
      expect(await store.setIfAbsent(key, 'w'), label).toBe(false);
      expect(await store.take(key), label).toBe('v');
      expect(await store.increment(key, 60_000), label).toBe(1);
      expect(await store.advance(key, 7, 60_000), label).toBe(true);
      expect(await store.ttl(key), label).toBeGreaterThan(0);
      expect(await store.delete(key), label).toBe(1);
      await store.hashSet(key, key, 'h');
      expect(await store.hashGetAll(key), label).toEqual({ [key]: 'h' });
      expect(await store.hashDelete(key, key), label).toBe(true);
    }
    // No normalisation or truncation: every key is distinct.
    for (const [i, key] of ODD_KEYS.entries()) await store.set(key, String(i));
    for (const [i, key] of ODD_KEYS.entries()) expect(await store.get(key)).toBe(String(i));
    expect(await store.delete(...ODD_KEYS)).toBe(ODD_KEYS.length);
  });

  it('hash fields named __proto__/constructor are own properties, no pollution', async () => {
    const { store } = ctx;
    const key = storeKey('mallory', 'codes');
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    for (const field of PROTO_FIELDS) await store.hashSet(key, field, `{"polluted":"${field}"}`);
    const all = await store.hashGetAll(key);
    expect(Object.keys(all).sort()).toEqual([...PROTO_FIELDS].sort());
    for (const field of PROTO_FIELDS) {
      expect(Object.getOwnPropertyDescriptor(all, field)?.value).toBe(`{"polluted":"${field}"}`);
    }
    const proto: unknown = Object.getPrototypeOf(all);
    expect(proto === Object.prototype || proto === null).toBe(true);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(await store.hashDelete(key, '__proto__')).toBe(true);
    expect(await store.hashDelete(key, '__proto__')).toBe(false);
    expect(Object.keys(await store.hashGetAll(key))).not.toContain('__proto__');
  });
}
