// Attack: on a Redis Cluster the one-command batch read of the sessions list (MGET of
// connect-redis keys, which carry no hash tag) is refused with CROSSSLOT, and the list or
// "sign out everywhere" falls over, leaving a stolen session running. The batch falls back to
// parallel reads and destroys: every session is listed, every other one is ended
// (docs/architecture.md, invariant 15; lib/core/session-store-batch.ts).
import { randomUUID } from 'node:crypto';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../lib/stores/redis.js';
import { client, makeApp } from '../helpers/app.js';
import { type RedisCluster, startRedisCluster } from '../helpers/redis-cluster.js';

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

/** The client made with `enableOfflineQueue: false` refuses commands until it is ready. */
async function ready(c: Cluster): Promise<Cluster> {
  if (c.status !== 'ready') await new Promise((resolve) => c.once('ready', resolve));
  return c;
}

describe('the sessions list with connect-redis and the MfaStore on a 3-master Cluster', () => {
  it('lists every session and ends all the others, across slots', async () => {
    const prefix = `sess:${randomUUID()}:`;
    const sessionStore = new ConnectRedisStore({ client: await ready(cluster.client()), prefix });
    const store = new RedisStore({
      client: await ready(cluster.client()),
      prefix: `stepup:${randomUUID()}:`,
    });
    const { app } = makeApp({
      enrolled: [],
      sessionStore,
      stepup: { store, rememberBrowser: { enabled: false } },
    });
    const signIn = async () => {
      const c = await client(app);
      expect((await c.login('alice', 'alice-password-1')).status).toBe(200);
      return c;
    };
    const clients = [];
    for (let i = 0; i < 12; i++) clients.push(await signIn());
    const [me, ...others] = clients as [Awaited<ReturnType<typeof signIn>>, ...unknown[]];
    const listed = await me.get('/auth/sessions');
    expect(listed.status).toBe(200);
    expect(listed.body.sessions).toHaveLength(12);
    expect(others).toHaveLength(11);

    expect((await me.agent.delete('/auth/sessions').set('x-csrf-token', me.csrf)).status).toBe(204);
    for (const c of clients.slice(1) as (typeof me)[])
      expect((await c.get('/me')).status).toBe(401);
    expect((await me.get('/me')).status).toBe(200);
    expect((await me.get('/auth/sessions')).body.sessions).toHaveLength(1);
  }, 30_000);
});
