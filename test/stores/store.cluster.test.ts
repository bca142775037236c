// Attack: on a sharded Redis Cluster a one-time code is checked on one node and "used" on another,
// or a multi-key command fails with CROSSSLOT and the app falls over; one code must win once.
import { MemoryCredentialStore } from '../../lib/stores/credentials/memory.js';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordThrottle } from '../../lib/password/throttle.js';
import { runStoreConformance } from '../../lib/stores/conformance.js';
import { RedisStore } from '../../lib/stores/redis.js';
import { storeKey } from '../../lib/stores/types.js';
import { client } from '../helpers/app.js';
import { fakeClock } from '../helpers/clock.js';
import { close, listen, makeRecoveryApp } from '../helpers/recovery-app.js';
import { type RedisCluster, startRedisCluster } from '../helpers/redis-cluster.js';
import { codeAt, enrolledClient, makeTotpApp } from '../helpers/totp-app.js';

let cluster: RedisCluster;
let shared: Cluster;
/** Instances that share a store share the remembered-browser key too (no per-process key). */
const rememberBrowser = { secret: 'cluster-test-remember-secret-0123456789' };

beforeAll(async () => {
  cluster = await startRedisCluster();
  shared = cluster.client();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

/** Delete every key a store wrote under its prefix (SCAN on each master, DEL per slot). */
async function wipe(store: RedisStore): Promise<void> {
  const keys = Object.keys(await store.dump());
  if (keys.length > 0) await store.delete(...keys);
}

runStoreConformance('RedisStore on a 3-master Cluster', async () => {
  const store = new RedisStore({ client: shared, prefix: `conf:${randomUUID()}:` });
  return { store, cleanup: () => wipe(store) };
});

describe('Redis Cluster: one user, one slot', () => {
  const userKeys = (userId: string) => [
    storeKey(userId, 'totp'),
    storeKey(userId, 'totp', 'last-step'),
    storeKey(userId, 'totp', 'pending'),
    storeKey(userId, 'mfa', 'failures'),
    storeKey(userId, 'mfa', 'lock'),
    storeKey(userId, 'recovery'),
    storeKey(userId, 'rb-index'),
    storeKey(userId, 'credential-epoch'),
  ];

  it('CLUSTER KEYSLOT gives every key of one user the same slot, and users spread', async () => {
    const node = cluster.nodeClient(0);
    const prefix = 'stepup:';
    const slotOf = async (key: string) =>
      Number(await node.call('CLUSTER', 'KEYSLOT', prefix + key));
    const userSlots = new Set<number>();
    for (const userId of ['u-alice', 'u-bob', 'user{with}braces', 'ключ 🔑', '42']) {
      const slots = new Set(await Promise.all(userKeys(userId).map(slotOf)));
      expect(slots.size, userId).toBe(1);
      userSlots.add([...slots][0] ?? -1);
    }
    expect(userSlots.size).toBeGreaterThan(1);
  });

  it('keys the library wrote in a real flow: one slot per user', async () => {
    const prefix = `flow:${randomUUID()}:`;
    const store = new RedisStore({ client: shared, prefix });
    try {
      const clock = fakeClock();
      const inst = makeTotpApp({ stepup: { store, now: clock.now, rememberBrowser } });
      await enrolledClient(inst.app, clock.now);
      const keys = Object.keys(await store.dump());
      expect(keys.length).toBeGreaterThan(0);
      const node = cluster.nodeClient(1);
      const slots = await Promise.all(
        keys.map(async (k) => Number(await node.call('CLUSTER', 'KEYSLOT', prefix + k))),
      );
      const aliceSlots = new Set(slots.filter((_, i) => keys[i]?.startsWith('{u-alice}')));
      expect(aliceSlots.size).toBe(1);
    } finally {
      await wipe(store);
    }
  });

  it('delete() of keys of 200 users across all masters: no CROSSSLOT, exact count', async () => {
    const store = new RedisStore({ client: shared, prefix: `del:${randomUUID()}:` });
    const keys = Array.from({ length: 200 }, (_, i) => userKeys(`user-${i}`).slice(0, 3)).flat();
    await Promise.all(keys.map((k) => store.set(k, 'v', 60_000)));
    // The keys really are spread over the three masters.
    const perMaster = await Promise.all(shared.nodes('master').map((n) => n.dbsize()));
    expect(perMaster.filter((n) => n > 0)).toHaveLength(3);
    expect(await store.delete(...keys, storeKey('nobody', 'x'))).toBe(keys.length);
    expect(Object.keys(await store.dump())).toEqual([]);
  });

  it('the password throttle (rate-limiter-flexible) counts on the Cluster', async () => {
    const throttle = createPasswordThrottle({
      backend: { kind: 'redis', client: shared, prefix: `pw:${randomUUID()}` },
    });
    for (let i = 0; i < 10; i++) {
      expect(await throttle.check('alice', '203.0.113.7')).toEqual({ allowed: true });
      await throttle.recordFailure('alice', '203.0.113.7');
    }
    const refused = await throttle.check('alice', '203.0.113.7');
    expect(refused.allowed).toBe(false);
    // Another address is not locked out by the attacker's failures.
    expect(await throttle.check('alice', '198.51.100.1')).toEqual({ allowed: true });
    await throttle.recordSuccess('alice', '198.51.100.1');
  });
});

describe('races on the Cluster, split across two app instances', () => {
  it('50 parallel submissions of one TOTP code: exactly one success', async () => {
    const prefix = `race-${randomUUID()}:`;
    const clock = fakeClock();
    // Each instance has its own Cluster connection; they share the prefix: one truth.
    const stores = [0, 1].map(() => new RedisStore({ client: cluster.client(), prefix }));
    const credentials = new MemoryCredentialStore(); // one database behind both instances
    const [a, b] = stores.map((store) =>
      makeTotpApp({ stepup: { store, credentials, now: clock.now, rememberBrowser } }),
    );
    if (!a || !b || !stores[0]) throw new Error('no instances');
    try {
      const { secret } = await enrolledClient(a.app, clock.now);
      clock.advance(60_000);
      const clients = [];
      for (let i = 0; i < 50; i++) {
        const c = await client((i % 2 === 0 ? a : b).app);
        expect((await c.login('alice', 'alice-password-1')).body.status).toBe('mfa_required');
        clients.push(c);
      }
      const code = await codeAt(secret, clock.now());
      const statuses = (await Promise.all(clients.map((c) => c.verify(code, 'totp')))).map(
        (r) => r.status,
      );
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      // Losers: invalid_code, or too_many_attempts once the shared counter locks. Never a 5xx.
      expect(statuses.filter((s) => s === 401 || s === 429)).toHaveLength(49);
    } finally {
      await wipe(stores[0]);
    }
  });

  it('50 parallel submissions of one recovery code: exactly one success', async () => {
    const prefix = `rc-${randomUUID()}:`;
    const credentials = new MemoryCredentialStore(); // one database behind both instances
    const instances = [0, 1].map(() =>
      makeRecoveryApp({
        store: new RedisStore({ client: cluster.client(), prefix }),
        // The race is about the store, not the lockout: 49 losers must not lock the account.
        stepup: { lockout: { maxFailures: 100 }, rememberBrowser, credentials },
      }),
    );
    const [a, b] = instances;
    if (!a || !b) throw new Error('no instances');
    const servers: Server[] = await Promise.all([listen(a.app), listen(b.app)]);
    try {
      const [code] = await a.recovery.generate(undefined, 'u-bob');
      expect(await b.recovery.remaining('u-bob')).toBe(10);
      const sessions = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const c = await client(servers[i % 2] as Server);
          expect((await c.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');
          return c;
        }),
      );
      const responses = await Promise.all(
        sessions.map((c) => c.verify(code ?? '', 'recovery-code')),
      );
      const ok = responses.filter((r) => r.status === 200).length;
      const invalid = responses.filter((r) => r.status === 401 && r.body.error === 'invalid_code');
      expect({ ok, invalid: invalid.length }).toEqual({ ok: 1, invalid: 49 });
      const used = [...a.events, ...b.events].filter((e) => e.type === 'recovery.used');
      expect(used).toHaveLength(1);
      expect(await a.recovery.remaining('u-bob')).toBe(9);
    } finally {
      await Promise.all(servers.map(close));
      await wipe(a.store as RedisStore);
    }
  });
});
