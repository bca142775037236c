// The attack: a bot sprays 100,000 usernames so that every failed login leaves a counter in
// memory; without expiry sweeping, the default store grows until the process dies.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runStoreConformance } from '../../lib/stores/conformance.js';
import { MemoryStore } from '../../lib/stores/memory.js';
import { storeKey } from '../../lib/stores/types.js';

interface FakeClock {
  now: () => number;
  advance: (ms: number) => void;
}

function fakeClock(start = Date.UTC(2030, 0, 1)): FakeClock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

runStoreConformance('MemoryStore (fake clock)', async () => {
  const clock = fakeClock();
  const store = new MemoryStore({ now: clock.now });
  return {
    store,
    advanceTime: async (ms) => clock.advance(ms),
    cleanup: () => store.close(),
  };
});

describe('MemoryStore: bounded memory under a key flood', () => {
  const MINUTE = 60_000;
  const FLOOD = 100_000;

  async function flooded(): Promise<{ store: MemoryStore; clock: FakeClock }> {
    const clock = fakeClock();
    const store = new MemoryStore({ now: clock.now, sweepIntervalMs: 10_000 });
    for (let i = 0; i < FLOOD; i++) await store.increment(storeKey(`user-${i}`, 'fails'), MINUTE);
    expect(store.size()).toBe(FLOOD);
    return { store, clock };
  }

  it('drops every entry once the clock passes their TTL', async () => {
    const { store, clock } = await flooded();
    clock.advance(MINUTE + 1);
    expect(store.size()).toBe(0);
    await store.close();
  });

  it('a write after the sweep interval sweeps by itself, with no timer involved', async () => {
    const { store, clock } = await flooded();
    const sweep = vi.spyOn(store, 'sweep');
    clock.advance(5_000); // before the interval: writes stay O(1)
    await store.set(storeKey('early', 'k'), 'v', MINUTE);
    expect(sweep).not.toHaveBeenCalled();

    clock.advance(MINUTE); // the flood has expired and the interval has passed
    await store.set(storeKey('late', 'k'), 'v', MINUTE);
    expect(sweep).toHaveBeenCalledTimes(1); // called from inside set(), synchronously
    expect(store.dump()).toEqual({ [storeKey('late', 'k')]: 'v' });
    await store.close();
  });

  it('dump() keeps a key named __proto__ as an own property', async () => {
    const store = new MemoryStore();
    await store.set('__proto__', 'v');
    await store.hashSet('constructor', '__proto__', 'h');
    const dump = store.dump();
    expect(Object.getOwnPropertyDescriptor(dump, '__proto__')?.value).toBe('v');
    const hash = dump['constructor'] as object;
    expect(Object.getOwnPropertyDescriptor(hash, '__proto__')?.value).toBe('h');
    await store.close();
  });
});

describe('MemoryStore: production warning', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  async function freshMemoryStore(): Promise<typeof MemoryStore> {
    // The "warned once" flag lives in the module: load a fresh copy for each test.
    vi.resetModules();
    return (await import('../../lib/stores/memory.js')).MemoryStore;
  }

  it('warns once per process in production, with a stable code', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const Fresh = await freshMemoryStore();
    const stores = [new Fresh(), new Fresh(), new Fresh()];
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/MemoryStore.*RedisStore/s);
    expect(warn.mock.calls[0]?.[1]).toMatchObject({ code: 'PASSPORT_STEPUP_MEMORY_STORE' });
    await Promise.all(stores.map((s) => s.close()));
  });

  it('stays quiet outside production', async () => {
    vi.stubEnv('NODE_ENV', 'development');
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const Fresh = await freshMemoryStore();
    await new Fresh().close();
    expect(warn).not.toHaveBeenCalled();
  });
});
