/**
 * `passport-stepup/stores/redis`: the `MfaStore` on Redis (standalone or Cluster, ioredis 5
 * or 6), for several app instances sharing one truth.
 *
 * @module passport-stepup/stores/redis
 */
import { commandsOf, type RedisClientLike, type RedisCommands } from './redis-client.js';
import { RedisConnection } from './redis-connection.js';
import type { RedisLogger } from './redis-errors.js';
import { defineScripts, ms, scripts } from './redis-scripts.js';
import type {
  AttemptKeys,
  AttemptReservation,
  AttemptSettlement,
  MfaStore,
  ReserveAttemptSpec,
} from './types.js';
import { defineAttemptScripts, reserveAttempt, settleAttempt } from './redis-attempt-scripts.js';

export { reportRedisErrors, type RedisLogger } from './redis-errors.js';
export type { RedisClientLike } from './redis-client.js';

/** Options of `new RedisStore(…)`: exactly one of `client` or `url`. */
export interface RedisStoreOptions {
  /**
   * An ioredis (5 or 6) `Redis` or `Cluster` you own (the store never quits it). Create it with
   * `enableOfflineQueue: false` and a small `maxRetriesPerRequest` (e.g. 1): with ioredis
   * defaults a command sent while Redis is down waits in a queue and may run much later
   * (a stale write); the store still gives up after `commandTimeoutMs`.
   */
  readonly client?: RedisClientLike;
  /** Or a `redis://` URL: the store creates, owns and closes its own client. */
  readonly url?: string;
  /**
   * Prepended to every key. No braces: it goes before the `{userId}` hash tag and must not
   * change the slot. @default 'stepup:'
   */
  readonly prefix?: string;
  /** A command that has not answered by then rejects with StoreUnavailableError. @default 2000 */
  readonly commandTimeoutMs?: number;
  /**
   * Where the client made from `url` reports an outage (once when Redis becomes unreachable,
   * once when it is back). A client you pass in is yours: see `reportRedisErrors`.
   * @default createStepup's `logger`, else console.error
   */
  readonly logger?: RedisLogger;
}

/**
 * `MfaStore` on Redis through ioredis, for several app instances sharing one truth.
 *
 * Every check-and-consume is a single command or Lua script (SET NX, GETDEL, HDEL, scripts
 * registered with `defineCommand`, which uses EVALSHA and falls back to EVAL, on a Cluster too).
 * Redis ≥ 6.2 is required (GETDEL).
 *
 * Fail closed: when Redis is unreachable every method rejects with `StoreUnavailableError`
 * within `commandTimeoutMs`, never resolves with a guess (the router answers 503, never a grant).
 */
export class RedisStore implements MfaStore {
  /** The ioredis client the store talks through (the one passed in, or the one it made). */
  readonly client: RedisClientLike;
  private readonly prefix: string;
  private readonly connection: RedisConnection;

  constructor(options: RedisStoreOptions) {
    const { client, url, prefix = 'stepup:', commandTimeoutMs = 2000, logger } = options;
    if (logger !== undefined && typeof logger !== 'function') {
      throw new TypeError('RedisStore: logger must be a function (message, fields) => void.');
    }
    if ((client === undefined) === (url === undefined)) {
      throw new TypeError('RedisStore: pass exactly one of `client` (ioredis instance) or `url`.');
    }
    if (/[{}]/.test(prefix)) {
      throw new TypeError(
        `RedisStore: prefix ${JSON.stringify(prefix)} must not contain { or }: ` +
          'it would change the {userId} hash tag that keeps one user in one Cluster slot.',
      );
    }
    if (!Number.isFinite(commandTimeoutMs) || commandTimeoutMs <= 0) {
      throw new TypeError(`RedisStore: commandTimeoutMs must be > 0 ms, got ${commandTimeoutMs}.`);
    }
    this.prefix = prefix;
    this.connection = new RedisConnection({ client, url, logger }, commandTimeoutMs);
    this.client = this.connection.client;
    defineScripts(this.client);
    defineAttemptScripts(this.client);
  }

  /**
   * `createStepup` hands its `logger` to the store it is given, so one logger gets every line;
   * a `logger` passed to the store itself wins.
   */
  adoptLogger(logger: RedisLogger): void {
    this.connection.adoptLogger(logger);
  }

  async get(key: string): Promise<string | null> {
    return this.run((c) => c.get(this.k(key)));
  }

  /** MGET: one round trip; the keys share a hash tag, so a Cluster serves them from one slot. */
  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    return this.run((c) => c.mget(...keys.map((key) => this.k(key))));
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const k = this.k(key);
    if (ttlMs === undefined) {
      await this.run((c) => c.set(k, value));
    } else {
      const ttl = ms(ttlMs);
      await this.run((c) => c.set(k, value, 'PX', ttl));
    }
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const k = this.k(key);
    const ttl = ttlMs === undefined ? undefined : ms(ttlMs);
    const reply =
      ttl === undefined
        ? await this.run((c) => c.set(k, value, 'NX'))
        : await this.run((c) => c.set(k, value, 'PX', ttl, 'NX'));
    return reply === 'OK';
  }

  async take(key: string): Promise<string | null> {
    return this.run((c) => c.getdel(this.k(key)));
  }

  async delete(...keys: string[]): Promise<number> {
    if (keys.length === 0) return 0;
    // One DEL per hash tag: keys of different users live in different Cluster slots, and a
    // multi-key DEL across slots fails with CROSSSLOT.
    const groups = new Map<string, string[]>();
    for (const key of keys.map((key) => this.k(key))) {
      const tag = hashTag(key);
      groups.set(tag, [...(groups.get(tag) ?? []), key]);
    }
    const groupList = [...groups.values()];
    const counts = await this.run((c) => Promise.all(groupList.map((g) => c.del(...g))));
    return counts.reduce((a, b) => a + b, 0);
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const ttl = ms(ttlMs);
    return this.run((c) => scripts(c).stepupIncrement(this.k(key), ttl));
  }

  async advance(key: string, value: number, ttlMs: number): Promise<boolean> {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`advance value must be an integer, got ${value}`);
    }
    const ttl = ms(ttlMs);
    const stored = await this.run((c) => scripts(c).stepupAdvance(this.k(key), String(value), ttl));
    return stored === 1;
  }

  /** One Lua script: check the lock, the streak and the period, then count (invariant 19). */
  async reserveAttempt(spec: ReserveAttemptSpec): Promise<AttemptReservation> {
    return this.run((c) => reserveAttempt(c, (key) => this.k(key), spec));
  }

  async settleAttempt(keys: AttemptKeys, settlement: AttemptSettlement): Promise<boolean> {
    return this.run((c) => settleAttempt(c, (key) => this.k(key), keys, settlement));
  }

  async ttl(key: string): Promise<number | null> {
    const t = await this.run((c) => c.pttl(this.k(key)));
    return t < 0 ? null : t; // -2 absent, -1 no expiry
  }

  async hashSet(key: string, field: string, value: string, ttlMs?: number): Promise<void> {
    const k = this.k(key);
    if (ttlMs === undefined) {
      await this.run((c) => c.hset(k, field, value));
    } else {
      const ttl = ms(ttlMs);
      await this.run((c) => scripts(c).stepupHashSetEx(k, field, value, ttl));
    }
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    // ioredis defines `__proto__`/`constructor` fields as own properties (ioredis#1267).
    return this.run((c) => c.hgetall(this.k(key)));
  }

  /** HGET: one field, without reading the rest of the hash. */
  async hashGet(key: string, field: string): Promise<string | null> {
    return this.run((c) => c.hget(this.k(key), field));
  }

  async hashDelete(key: string, field: string): Promise<boolean> {
    return (await this.run((c) => c.hdel(this.k(key), field))) === 1;
  }

  /** HDEL with every field: one command, one key, one Cluster slot. */
  async hashDeleteMany(key: string, fields: readonly string[]): Promise<number> {
    if (fields.length === 0) return 0;
    return this.run((c) => c.hdel(this.k(key), ...fields));
  }

  /**
   * Every key under the prefix (prefix stripped) with its string or hash value, for
   * secret-hygiene tests (docs/architecture.md, invariant 7). SCANs every master of a Cluster. Not for production.
   */
  async dump(): Promise<Record<string, string | Record<string, string>>> {
    const self = commandsOf(this.client);
    const nodes = 'nodes' in self ? self.nodes('master') : [self];
    const pattern = this.prefix.replace(/[*?[\]\\]/g, '\\$&') + '*';
    const entries: [string, string | Record<string, string>][] = [];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const from = cursor;
        const [next, keys] = await this.run(() => node.scan(from, 'MATCH', pattern, 'COUNT', 500));
        cursor = next;
        for (const key of keys) {
          const type = await this.run(() => node.type(key));
          const value = await this.run<string | Record<string, string> | null>(() =>
            type === 'hash' ? node.hgetall(key) : node.get(key),
          );
          if (value !== null) entries.push([key.slice(this.prefix.length), value]);
        }
      } while (cursor !== '0');
    }
    return Object.fromEntries(entries); // own properties even for a key named __proto__
  }

  /** Quits the client only when this store created it (option `url`). */
  close(): Promise<void> {
    return this.connection.close();
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  private run<T>(fn: (client: RedisCommands) => Promise<T>): Promise<T> {
    return this.connection.run(fn);
  }
}

/** The part of a key Redis Cluster hashes: the first non-empty {...}, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}
