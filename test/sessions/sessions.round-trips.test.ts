// Attack: a user (or a script signing in every few hours) with a thousand sessions turns the
// sessions list into a thousand sequential Redis reads per request: `GET /auth/sessions` and
// "sign out everywhere" slow down for everyone sharing the server, and an index that only
// shrinks when it is read grows without bound. Each of these reads a bounded number of Redis
// commands whatever the number of sessions (docs/architecture.md, invariant 15 and
// "Performance"): counted with INFO commandstats on a redis-server of the test's own, which
// holds both the connect-redis sessions and the RedisStore MfaStore.
import { randomBytes } from 'node:crypto';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import type { Store } from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSessionHandle } from '../../lib/core/session-index.js';
import { MAX_SESSIONS_PER_USER } from '../../lib/core/session-entries.js';
import { RedisStore } from '../../lib/stores/redis.js';
import { client, makeApp } from '../helpers/app.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis({ owned: true });
});
afterAll(async () => {
  await redis.stop();
});

type Client = Awaited<ReturnType<typeof client>>;
const INDEX = '{u-alice}:sessions';

/** Commands the server ran during `fn` (INFO commandstats before and after), by name. */
async function commandsDuring(fn: () => Promise<unknown>): Promise<Record<string, number>> {
  const probe = redis.client();
  const stats = async () => {
    const out: Record<string, number> = {};
    for (const line of (await probe.info('commandstats')).split('\n')) {
      const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
      if (m?.[1] && m[2] && m[1] !== 'info') out[m[1]] = Number(m[2]);
    }
    return out;
  };
  const before = await stats();
  await fn();
  const after = await stats();
  const delta: Record<string, number> = {};
  for (const [name, n] of Object.entries(after)) {
    if (n > (before[name] ?? 0)) delta[name] = n - (before[name] ?? 0);
  }
  return delta;
}
const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

function setup() {
  const prefix = `sess:${randomBytes(4).toString('hex')}:`;
  const sessionStore = new ConnectRedisStore({ client: redis.client(), prefix });
  const store = new RedisStore({ client: redis.client(), prefix: `stepup:${prefix}` });
  const { app, stepup } = makeApp({
    enrolled: [],
    sessionStore,
    stepup: { store, rememberBrowser: { enabled: false } },
  });
  const sessionKeys = async () => (await redis.client().keys(`${prefix}*`)).length;
  return { app, stepup, store, sessionStore, sessionKeys };
}

const call = <T>(fn: (cb: (err: unknown, value?: T) => void) => void) =>
  new Promise<T | undefined>((resolve, reject) =>
    fn((err, value) => (err ? reject(err) : resolve(value))),
  );

/**
 * `count` more sessions of the signed-in `c`, written as sign-ins write them (a copy of its
 * session under a new id and handle, and an entry in the user's index), older than it, one
 * millisecond apart. `entry` adds fields to each index entry (an expiry hint).
 */
async function cloneSessions(
  c: Client,
  sessionStore: Store,
  store: RedisStore,
  count: number,
  entry: Record<string, unknown> = {},
): Promise<string[]> {
  const data = (await call<Record<string, unknown>>((cb) =>
    sessionStore.get(c.sessionId() as string, cb as never),
  )) as Record<string, { handle: string; authTime: number }>;
  const record = data.stepup as { handle: string; authTime: number };
  const sids: string[] = [];
  for (let i = 0; i < count; i++) {
    const sid = randomBytes(24).toString('base64url');
    const handle = newSessionHandle();
    await call((cb) =>
      sessionStore.set(sid, { ...data, stepup: { ...record, handle, sid } } as never, cb),
    );
    const createdAt = record.authTime - 1 - i;
    await store.hashSet(INDEX, handle, JSON.stringify({ sid, createdAt, label: 'x', ...entry }));
    sids.push(sid);
  }
  return sids;
}

const signedIn = async (app: Parameters<typeof client>[0]) => {
  const c = await client(app);
  expect((await c.login('alice', 'alice-password-1')).status).toBe(200);
  return c;
};

describe('1,000 sessions of one user on connect-redis and the Redis MfaStore', () => {
  it('listing a page, walking every page, ending one and ending the others: bounded commands', async () => {
    const { app, store, sessionStore, sessionKeys } = setup();
    const alice = await signedIn(app);
    await cloneSessions(alice, sessionStore, store, 999);
    expect(Object.keys(await store.hashGetAll(INDEX))).toHaveLength(1000);

    let page: { sessions: { id: string; current: boolean }[]; next?: string } | undefined;
    const listed = await commandsDuring(async () => {
      const res = await alice.get('/auth/sessions');
      expect(res.status).toBe(200);
      page = res.body as typeof page;
    });
    // express-session reads (and touches) the caller's session; the page is one HGETALL and
    // one MGET of its 200 sessions.
    expect(listed).toMatchObject({ hgetall: 1, mget: 1 });
    expect(total(listed)).toBeLessThanOrEqual(5);
    expect(page?.sessions).toHaveLength(MAX_SESSIONS_PER_USER);
    expect(page?.sessions[0]?.current).toBe(true);

    // Every page: 1,000 distinct sessions, each page bounded.
    const seen = new Set(page?.sessions.map((s) => s.id));
    while (page?.next) {
      const next = page.next;
      const counts = await commandsDuring(async () => {
        page = (await alice.get(`/auth/sessions?cursor=${encodeURIComponent(next)}`)).body;
      });
      expect(total(counts)).toBeLessThanOrEqual(5);
      for (const s of page?.sessions ?? []) seen.add(s.id);
    }
    expect(seen.size).toBe(1000);

    const victim = [...seen].at(-1) as string;
    const endedOne = await commandsDuring(async () => {
      const res = await alice.agent
        .delete(`/auth/sessions/${victim}`)
        .set('x-csrf-token', alice.csrf);
      expect(res.status).toBe(204);
    });
    // One entry: HGET, not HGETALL of 1,000 fields.
    expect(endedOne).toMatchObject({ hget: 1 });
    expect(endedOne.hgetall).toBeUndefined();
    expect(total(endedOne)).toBeLessThanOrEqual(6);
    expect(await sessionKeys()).toBe(999);

    const endedOthers = await commandsDuring(async () => {
      const res = await alice.agent.delete('/auth/sessions').set('x-csrf-token', alice.csrf);
      expect(res.status).toBe(204);
    });
    // One HGETALL, one MGET, one DEL of 998 keys, one HDEL of 998 fields.
    expect(endedOthers).toMatchObject({ hgetall: 1, mget: 1, del: 1, hdel: 1 });
    expect(total(endedOthers)).toBeLessThanOrEqual(7);
    expect(await sessionKeys()).toBe(1);
    expect(Object.keys(await store.hashGetAll(INDEX))).toHaveLength(1);
    expect((await alice.get('/me')).status).toBe(200);
  });

  it('a sign-in past 200 sessions ends the oldest; the index stays at 200', async () => {
    const { app, store, sessionStore, sessionKeys } = setup();
    const first = await signedIn(app);
    const sids = await cloneSessions(first, sessionStore, store, 249);
    const oldest = sids.slice(-10);
    const counts = await commandsDuring(() => signedIn(app));
    expect(total(counts)).toBeLessThanOrEqual(15);
    expect(Object.keys(await store.hashGetAll(INDEX))).toHaveLength(MAX_SESSIONS_PER_USER);
    // Ended, not only forgotten: a session dropped from the index would escape "end all others".
    expect(await sessionKeys()).toBe(MAX_SESSIONS_PER_USER);
    for (const sid of oldest) expect(await call((cb) => sessionStore.get(sid, cb))).toBeFalsy();
    expect((await first.get('/me')).status).toBe(200); // the newest of the old ones stays
  });

  it('a sign-in drops entries past their expiry hint whose session is gone, never a live one', async () => {
    const { app, store, sessionStore } = setup();
    const alice = await signedIn(app);
    const past = { exp: Date.now() - 1000 };
    const dead = await cloneSessions(alice, sessionStore, store, 12, past);
    const touched = await cloneSessions(alice, sessionStore, store, 12, past);
    for (const sid of dead) await call((cb) => sessionStore.destroy(sid, cb));
    expect(Object.keys(await store.hashGetAll(INDEX))).toHaveLength(25);
    await signedIn(app);
    // The 12 expired ones are gone; the 12 still alive (their expiry slid) are kept and listed.
    const index = await store.hashGetAll(INDEX);
    expect(Object.keys(index)).toHaveLength(14);
    for (const sid of touched) expect(JSON.stringify(index)).toContain(sid);
    expect(((await alice.get('/auth/sessions')).body.sessions as unknown[]).length).toBe(14);
  });

  it('a subclass that overrides destroy is called for each session, not bypassed by a DEL', async () => {
    const destroyed: string[] = [];
    class Audited extends ConnectRedisStore {
      override destroy(sid: string, cb?: (err?: unknown) => void) {
        destroyed.push(sid);
        return super.destroy(sid, cb);
      }
    }
    const prefix = `sess:${randomBytes(4).toString('hex')}:`;
    const sessionStore = new Audited({ client: redis.client(), prefix });
    const store = new RedisStore({ client: redis.client(), prefix: `stepup:${prefix}` });
    const { app } = makeApp({
      enrolled: [],
      sessionStore,
      stepup: { store, rememberBrowser: { enabled: false } },
    });
    const alice = await signedIn(app);
    const sids = await cloneSessions(alice, sessionStore, store, 40);
    destroyed.length = 0; // the sign-in's own regeneration destroyed the anonymous session
    expect(
      (await alice.agent.delete('/auth/sessions').set('x-csrf-token', alice.csrf)).status,
    ).toBe(204);
    expect(destroyed.sort()).toEqual([...sids].sort());
    expect((await alice.get('/auth/sessions')).body.sessions).toHaveLength(1);
  });

  it('paging: limit and cursor; bad values are 400 invalid_request', async () => {
    const { app, store, sessionStore } = setup();
    const alice = await signedIn(app);
    await cloneSessions(alice, sessionStore, store, 4);
    const first = (await alice.get('/auth/sessions?limit=2')).body;
    expect(first.sessions).toHaveLength(2);
    expect(first.next).toEqual(expect.any(String));
    const second = (await alice.get(`/auth/sessions?limit=2&cursor=${first.next}`)).body;
    const third = (await alice.get(`/auth/sessions?limit=2&cursor=${second.next}`)).body;
    expect(third.next).toBeUndefined();
    const ids = [...first.sessions, ...second.sessions, ...third.sessions].map(
      (s: { id: string }) => s.id,
    );
    expect(new Set(ids).size).toBe(5);
    const all = (await alice.get('/auth/sessions')).body;
    expect(all.next).toBeUndefined();
    expect(all.sessions.map((s: { id: string }) => s.id)).toEqual(ids);
    for (const bad of [
      'limit=0',
      'limit=201',
      'limit=-1',
      'limit=1.5',
      'limit=abc',
      'limit=1&limit=2',
      'cursor=x',
      `cursor=${'9'.repeat(16)}.${'A'.repeat(22)}`,
      'cursor=x&cursor=y',
    ]) {
      const res = await alice.get(`/auth/sessions?${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error, bad).toBe('invalid_request');
    }
  });
});
