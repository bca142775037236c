// Attack: session fixation. The attacker plants or observes a session id before login, then
// waits for the victim to elevate it. The id must change at every elevation (first factor,
// second factor, each step-up) and the old id must no longer exist in the session store.
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import session from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, makeApp, TEST_CODE } from '../helpers/app.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

type StoreFactory = () => { store: session.Store; ids: () => Promise<string[]> };

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

const memory: StoreFactory = () => {
  const store = new session.MemoryStore();
  return {
    store,
    ids: () =>
      new Promise((resolve, reject) =>
        store.all((err, all) => (err ? reject(err) : resolve(Object.keys(all ?? {})))),
      ),
  };
};

const connectRedis: StoreFactory = () => {
  const prefix = `sess-${Math.random().toString(36).slice(2)}:`;
  const c = redis.client();
  const store = new ConnectRedisStore({ client: c, prefix });
  return {
    store,
    ids: async () => (await c.keys(`${prefix}*`)).map((k) => k.slice(prefix.length)),
  };
};

describe.each([
  ['express-session MemoryStore', memory],
  ['connect-redis', connectRedis],
] as const)('session ids on %s', (_name, makeStore) => {
  it('change after the first factor, the second factor and a step-up; old ids are gone', async () => {
    const { store, ids } = makeStore();
    const { app } = makeApp({ sessionStore: store });
    const c = await client(app);

    const anonymous = c.sessionId();
    expect(anonymous).toBeDefined();
    expect(await ids()).toContain(anonymous);

    await c.login('bob', 'bob-password-1');
    const pending = c.sessionId();
    expect(pending).toBeDefined();
    expect(pending).not.toBe(anonymous);
    expect(await ids()).not.toContain(anonymous);

    await c.verify(TEST_CODE);
    const satisfied = c.sessionId();
    expect(satisfied).not.toBe(pending);
    expect(await ids()).not.toContain(pending);
    expect(await ids()).toContain(satisfied);

    await c.verify(TEST_CODE);
    const steppedUp = c.sessionId();
    expect(steppedUp).not.toBe(satisfied);
    expect(await ids()).not.toContain(satisfied);
    expect((await c.get('/reports')).status).toBe(200);
  });

  it('a user without a factor gets a new id at login too', async () => {
    const { store, ids } = makeStore();
    const { app } = makeApp({ sessionStore: store });
    const c = await client(app);
    const before = c.sessionId();
    await c.login('alice', 'alice-password-1');
    expect(c.sessionId()).not.toBe(before);
    expect(await ids()).not.toContain(before);
  });

  it('logout destroys the session in the store', async () => {
    const { store, ids } = makeStore();
    const { app } = makeApp({ sessionStore: store });
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    await c.verify(TEST_CODE);
    const id = c.sessionId();
    const out = await c.post('/auth/logout');
    expect(out.status).toBe(204);
    expect(await ids()).not.toContain(id);
    expect((await c.get('/auth/session')).body.status).toBe('anonymous');
  });
});
