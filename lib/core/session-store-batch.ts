/**
 * Many sessions of the app's express-session store read or destroyed at once, for the sessions
 * list (lib/core/session-index.ts; docs/architecture.md, invariant 15 and "Performance").
 *
 * express-session's Store interface reads and destroys one session per call, and one user may
 * have hundreds of sessions. On connect-redis 8 (which normalises ioredis and node-redis into a
 * `client` with `mget` and a `del` taking many keys, and keeps its `prefix` and `serializer`) a
 * batch is one MGET or one DEL: one round trip. Its keys carry no hash tag, so on a Redis Cluster
 * the one command is refused (CROSSSLOT, before anything ran): the batch then falls back, for that
 * store from then on, to what every other store gets: `get` / `destroy` calls in parallel, at most
 * `CONCURRENCY` in flight (never one after the other).
 *
 * Only the calls change: what a read returns and what a destroy removes are exactly what
 * connect-redis's own `get` and `destroy` do (the same key, the same parse), so an ended session
 * opens nothing on its next request on every store (invariant 15).
 */
import { sessionStoreDown } from './session-state.js';

/** The parts of an express-session store used here (every store has them). */
export interface SessionStoreLike {
  get(sid: string, cb: (err: unknown, session?: unknown) => void): void;
  destroy(sid: string, cb: (err?: unknown) => void): void;
}

/** connect-redis 8's normalised client and the fields its `get` and `destroy` use. */
interface ConnectRedisLike extends SessionStoreLike {
  readonly prefix: string;
  readonly serializer: { parse(raw: string): unknown };
  readonly client: {
    mget(keys: string[]): Promise<(string | null)[]>;
    del(keys: string[]): Promise<unknown>;
  };
}

/** Parallel calls in flight on a store without a batch command. */
export const CONCURRENCY = 32;

/** Stores whose batch command was refused (a Cluster): they get parallel calls from then on. */
const noBatch = new WeakSet<object>();

/** The object of `store`'s prototype chain (or `store` itself) that defines `name`. */
function definerOf(store: object, name: string): object | undefined {
  for (let o: object | null = store; o; o = Object.getPrototypeOf(o) as object | null) {
    if (Object.prototype.hasOwnProperty.call(o, name)) return o;
  }
  return undefined;
}

/**
 * connect-redis (7 or 8) itself, not a subclass or an instance that replaced `get` or `destroy`
 * (an override may do more than one GET or DEL: audit, a second index): its `get` and `destroy`
 * are defined where its own `_getTTL` is. Anything else gets its own methods, in parallel.
 */
function connectRedis(store: SessionStoreLike): ConnectRedisLike | undefined {
  const s = store as Partial<ConnectRedisLike>;
  const own = definerOf(store, '_getTTL');
  return own !== undefined &&
    definerOf(store, 'get') === own &&
    definerOf(store, 'destroy') === own &&
    typeof s.prefix === 'string' &&
    typeof s.serializer?.parse === 'function' &&
    typeof s.client?.mget === 'function' &&
    typeof s.client.del === 'function' &&
    !noBatch.has(store)
    ? (s as ConnectRedisLike)
    : undefined;
}

/** A Cluster refuses a multi-key command over several slots before running any of it. */
function crossSlot(err: unknown): boolean {
  return err instanceof Error && /CROSSSLOT|same slot/i.test(err.message);
}

/** The sessions of `sids`, in order; undefined where a session is absent. */
export async function readSessions(
  store: SessionStoreLike,
  sids: readonly string[],
): Promise<unknown[]> {
  if (sids.length === 0) return [];
  const redis = connectRedis(store);
  if (redis) {
    try {
      const raws = await redis.client.mget(sids.map((sid) => redis.prefix + sid));
      // connect-redis's serializer may be async; JSON.parse is not.
      return await Promise.all(
        raws.map(async (raw) =>
          raw ? ((await redis.serializer.parse(raw)) ?? undefined) : undefined,
        ),
      );
    } catch (err) {
      if (!crossSlot(err)) throw sessionStoreDown('read', err);
      noBatch.add(store);
    }
  }
  return inParallel(sids, (sid) => getSession(store, sid));
}

/** Destroy the sessions of `sids`: their cookies open nothing on their next request. */
export async function destroySessions(
  store: SessionStoreLike,
  sids: readonly string[],
): Promise<void> {
  if (sids.length === 0) return;
  const redis = connectRedis(store);
  if (redis) {
    try {
      await redis.client.del(sids.map((sid) => redis.prefix + sid));
      return;
    } catch (err) {
      if (!crossSlot(err)) throw sessionStoreDown('destroy', err);
      noBatch.add(store);
    }
  }
  await inParallel(sids, (sid) => destroySession(store, sid));
}

export function getSession(store: SessionStoreLike, sid: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    store.get(sid, (err, session) =>
      err ? reject(sessionStoreDown('read', err)) : resolve(session ?? undefined),
    );
  });
}

export function destroySession(store: SessionStoreLike, sid: string): Promise<void> {
  return new Promise((resolve, reject) => {
    store.destroy(sid, (err) => (err ? reject(sessionStoreDown('destroy', err)) : resolve()));
  });
}

/** `fn` over `items`, at most CONCURRENCY at a time, results in the order of `items`. */
async function inParallel<T>(
  items: readonly string[],
  fn: (item: string) => Promise<T>,
): Promise<T[]> {
  const out = new Array<T>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as string);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return out;
}
