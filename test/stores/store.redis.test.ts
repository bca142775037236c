// The attack this guards against: a Redis outage turning into a grant (a failed "was this code
// used?" check read as "no") or into requests that hang forever; and, on a Cluster, one user's
// keys spread over slots so that multi-key operations fail (docs/architecture.md, invariant 9).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStoreConformance } from '../../lib/stores/conformance.js';
import { RedisStore } from '../../lib/stores/redis.js';
import { type MfaStore, StoreUnavailableError, storeKey } from '../../lib/stores/types.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;
let client: Redis;

beforeAll(async () => {
  server = await startRedis();
  // The options the README and docs/stores-and-deployment.md recommend for a client handed to
  // RedisStore.
  client = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  client.disconnect();
  await server.stop();
});

runStoreConformance('RedisStore', async () => {
  const store = new RedisStore({ client, prefix: `test:${randomUUID()}:` });
  return {
    store,
    // Remove this test's keys: REDIS_URL may point at a shared server, never FLUSHALL it.
    cleanup: async () => {
      await store.delete(...Object.keys(await store.dump()));
      await store.close(); // does not quit a client it was given
    },
  };
});

describe('RedisStore: keys and options', () => {
  it('prefixes every key and keeps the {userId} hash tag intact', async () => {
    const prefix = `test:${randomUUID()}:`;
    const store = new RedisStore({ client, prefix });
    await store.set(storeKey('alice', 'totp', 'step'), '1', 60_000);
    await store.hashSet(storeKey('alice', 'recovery'), 'h1', 'x');
    const keys = (await client.keys(`${prefix}*`)).sort();
    expect(keys).toEqual([`${prefix}{alice}:recovery`, `${prefix}{alice}:totp:step`]);
    for (const key of keys) expect(/\{([^}]+)\}/.exec(key)?.[1]).toBe('alice'); // same slot
    expect(await store.dump()).toEqual({
      '{alice}:recovery': { h1: 'x' },
      '{alice}:totp:step': '1',
    });
    const removed = await store.delete(...keys.map((key) => key.slice(prefix.length)));
    expect(removed).toBe(2);
  });

  it('refuses options that would break slots or hang', () => {
    expect(() => new RedisStore({ client, prefix: '{app}:' })).toThrow(/must not contain/);
    expect(() => new RedisStore({ client, commandTimeoutMs: 0 })).toThrow(/commandTimeoutMs/);
    expect(() => new RedisStore({})).toThrow(/exactly one/);
  });

  it('lets a Redis reply error (a bug, not an outage) surface as is', async () => {
    const store = new RedisStore({ client, prefix: `test:${randomUUID()}:` });
    await store.hashSet('k', 'f', 'v');
    const err: unknown = await store.get('k').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(StoreUnavailableError);
    expect(String(err)).toMatch(/WRONGTYPE/);
    await store.delete('k');
  });
});

describe('RedisStore: commands sent before the client is ready', () => {
  it('30 parallel set() at start share one ready wait: no MaxListeners warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const store = new RedisStore({ url: server.url, prefix: `test:${randomUUID()}:` });
    try {
      expect(store.client.status).not.toBe('ready'); // every call below waits for the connection
      const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
      await Promise.all(keys.map((key) => store.set(key, 'v', 60_000)));
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on nextTick
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
      expect(Object.keys(await store.dump()).sort()).toEqual([...keys].sort());
      expect(await store.delete(...keys)).toBe(30);
    } finally {
      process.off('warning', onWarning);
      await store.close();
    }
  });
});

// Fault injection needs a redis-server of our own: it spawns one even when REDIS_URL is set.
describe('RedisStore: outage and recovery', () => {
  let own: RedisServer;
  beforeAll(async () => {
    own = await startRedis({ owned: true });
  });
  afterAll(async () => {
    await own.stop();
  });

  const calls: [string, (s: MfaStore) => Promise<unknown>][] = [
    ['get', (s) => s.get('k')],
    ['set', (s) => s.set('k', 'v', 1000)],
    ['setIfAbsent', (s) => s.setIfAbsent('k', 'v', 1000)],
    ['take', (s) => s.take('k')],
    ['delete', (s) => s.delete('k', storeKey('u1', 'a'), storeKey('u2', 'b'))],
    ['increment', (s) => s.increment('n', 1000)],
    ['advance', (s) => s.advance('a', 5, 1000)],
    ['ttl', (s) => s.ttl('k')],
    ['hashSet', (s) => s.hashSet('h', 'f', 'v', 1000)],
    ['hashGetAll', (s) => s.hashGetAll('h')],
    ['hashDelete', (s) => s.hashDelete('h', 'f')],
  ];

  async function expectAllUnavailable(store: MfaStore): Promise<void> {
    const started = Date.now();
    const outcomes = await Promise.all(
      calls.map(async ([name, call]) => {
        const outcome = await call(store).then(
          () => 'resolved',
          (e: unknown) => e,
        );
        return [name, outcome] as const;
      }),
    );
    for (const [name, outcome] of outcomes) {
      expect(outcome, name).toBeInstanceOf(StoreUnavailableError);
      expect((outcome as StoreUnavailableError).cause, `${name} has a cause`).toBeDefined();
    }
    expect(Date.now() - started).toBeLessThan(3000);
  }

  async function eventuallyWorks(store: MfaStore, within: number): Promise<void> {
    const deadline = Date.now() + within;
    for (;;) {
      try {
        await store.set('back', 'yes', 10_000);
        expect(await store.get('back')).toBe('yes');
        return;
      } catch (err) {
        if (!(err instanceof StoreUnavailableError) || Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  it('store from `url`: fails fast with StoreUnavailableError, recovers by itself', async () => {
    const store = new RedisStore({ url: own.url, prefix: `test:${randomUUID()}:` });
    await store.set('k', 'v'); // first call waits for the initial connection, no failure
    await own.kill();
    await expectAllUnavailable(store);
    await own.restart();
    await eventuallyWorks(store, 5000);
    await store.close();
  });

  it('client with ioredis defaults (offline queue): the deadline ends the hang', async () => {
    const defaults = new Redis(own.url); // queues commands while disconnected, retries 20 times
    defaults.on('error', () => undefined);
    // The default commandTimeoutMs (2 s) is what bounds each call here.
    const store = new RedisStore({ client: defaults, prefix: `test:${randomUUID()}:` });
    await store.set('k', 'v');
    await own.kill();
    await expectAllUnavailable(store);
    await own.restart();
    await eventuallyWorks(store, 5000);
    defaults.disconnect();
  });
});
