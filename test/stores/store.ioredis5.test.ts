// ioredis 5 behind the same guarantees as ioredis 6, which `npm install ioredis` gives today and
// the rest of the suite runs on (the peer range is `^5 || ^6`, and many apps still lock 5): the
// store's conformance suite (atomic take, compare-and-set, TTLs: a code used once, a lock that
// expires) on a standalone server and on a 3-master Cluster, the password throttle, a whole
// sign-in, and fail-closed during an outage (docs/architecture.md, invariants 1 and 9). ioredis 6
// speaks RESP3 and 5 speaks RESP2, whose replies (maps, nulls) differ on the wire; the two files
// prove that nothing the store reads changed meaning. The file also type-checks:
// `new RedisStore({ client })` compiles with a client of either major (the option types are
// structural; with the option named after one major's class, the other failed with TS2322).
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordThrottle } from '../../lib/password/throttle.js';
import { runStoreConformance } from '../../lib/stores/conformance.js';
import { RedisStore } from '../../lib/stores/redis.js';
import { StoreUnavailableError } from '../../lib/stores/types.js';
import { client as httpClient } from '../helpers/app.js';
import {
  RECOMMENDED_CLUSTER_OPTIONS,
  startRedisCluster,
  type RedisCluster,
} from '../helpers/redis-cluster.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { codeAt, enrolledClient, makeTotpApp } from '../helpers/totp-app.js';

let server: RedisServer;
let cluster: RedisCluster;
const clients: (Redis5 | Cluster5)[] = [];
/** An ioredis 5 client with the options the README recommends. */
function redis5(): Redis5 {
  const c = new Redis5(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  c.on('error', () => undefined); // the outage test kills the server
  clients.push(c);
  return c;
}

beforeAll(async () => {
  server = await startRedis({ owned: true });
  cluster = await startRedisCluster();
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await cluster?.stop();
  await server?.stop();
});

async function wipe(store: RedisStore): Promise<void> {
  const keys = Object.keys(await store.dump());
  if (keys.length > 0) await store.delete(...keys);
}

runStoreConformance('RedisStore on an ioredis 5 client', async () => {
  const store = new RedisStore({ client: redis5(), prefix: `io5:${randomUUID()}:` });
  return { store, cleanup: () => wipe(store) };
});

runStoreConformance('RedisStore on an ioredis 5 Cluster', async () => {
  const c = new Cluster5([...cluster.nodes], {
    ...(RECOMMENDED_CLUSTER_OPTIONS as object),
  });
  clients.push(c);
  const store = new RedisStore({ client: c, prefix: `io5c:${randomUUID()}:` });
  return { store, cleanup: () => wipe(store) };
});

describe('ioredis 5 in the rest of the library', () => {
  it('the password throttle locks after 10 failures', async () => {
    const c = redis5();
    if (c.status !== 'ready') await once(c, 'ready');
    const t = createPasswordThrottle({
      backend: { kind: 'redis', client: c, prefix: `io5t:${randomUUID()}` },
    });
    for (let i = 0; i < 10; i++) {
      expect(await t.check('alice', '203.0.113.10')).toEqual({ allowed: true });
      await t.recordFailure('alice', '203.0.113.10');
    }
    expect((await t.check('alice', '203.0.113.10')).allowed).toBe(false);
  });

  it('a sign-in with TOTP, a replay refused, and 503 while Redis is down, then recovery', async () => {
    const store = new RedisStore({ client: redis5(), prefix: `io5a:${randomUUID()}:` });
    const { app, clock } = makeTotpApp({
      stepup: { store, rememberBrowser: { secret: Buffer.alloc(32, 2) } },
    });
    const { secret } = await enrolledClient(app, clock.now);
    clock.advance(60_000);
    const a = await httpClient(app);
    expect((await a.login('alice', 'alice-password-1')).body.status).toBe('mfa_required');
    const code = await codeAt(secret, clock.now());
    expect((await a.verify(code, 'totp')).status).toBe(200);
    const b = await httpClient(app);
    await b.login('alice', 'alice-password-1');
    expect((await b.verify(code, 'totp')).status).toBe(401);

    await server.kill();
    await expect(store.get('x')).rejects.toBeInstanceOf(StoreUnavailableError);
    const during = await httpClient(app); // sessions are in memory: the CSRF token still comes
    expect((await during.login('alice', 'alice-password-1')).status).toBe(503);
    await server.restart();
    const started = Date.now();
    while (
      (await store.get('x').then(
        () => true,
        () => false,
      )) === false
    ) {
      expect(Date.now() - started).toBeLessThan(5000);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    clock.advance(30_000);
    const c = await httpClient(app);
    await c.login('alice', 'alice-password-1');
    expect((await c.verify(await codeAt(secret, clock.now()), 'totp')).status).toBe(200);
  });
});
