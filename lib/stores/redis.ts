import { once } from 'node:events';
import { Redis } from 'ioredis';
import { commandsOf, type RedisClientLike, type RedisCommands } from './redis-client.js';
import { type MfaStore, StoreUnavailableError } from './types.js';
import { reportRedisErrors, type RedisLogger } from './redis-errors.js';

export { reportRedisErrors, type RedisLogger } from './redis-errors.js';

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

// Lua runs atomically on the server: no other client sees the state between the two steps.
const SCRIPTS = {
  // Fixed window: the TTL is set when the counter is born and never extended, so a locked-out
  // attacker cannot keep a victim locked forever by trickling failures (ASVS 5.0 V6.3.1).
  stepupIncrement: `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`,
  // Compare-and-set upward: "last accepted TOTP step" only moves forward, so a code is
  // accepted once (NIST SP 800-63B-4 §3.1.4.2, RFC 6238 §5.2), even across app instances.
  stepupAdvance: `local cur = tonumber(redis.call('GET', KEYS[1]))
if cur and cur >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`,
  // HSET + PEXPIRE together: a crash between them must not leave a hash that never expires.
  stepupHashSetEx: `redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`,
} as const;

interface ScriptCommands {
  stepupIncrement(key: string, ttlMs: number): Promise<number>;
  stepupAdvance(key: string, value: string, ttlMs: number): Promise<number>;
  stepupHashSetEx(key: string, field: string, value: string, ttlMs: number): Promise<number>;
}

/** Server replies that mean "Redis is there but cannot serve now", as opposed to a bug. */
const UNAVAILABLE_REPLY = /^(LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|READONLY|NOREPLICAS)\b/;

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
  readonly client: RedisClientLike;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly owned: boolean;
  private lastError: unknown;
  /** The one wait for 'ready' that every command started before it shares (see `ready`). */
  private readyWait: Promise<void> | undefined;
  /** Where an outage of our own client is reported (see `adoptLogger`). */
  private log: RedisLogger;
  private readonly logGiven: boolean;

  constructor(options: RedisStoreOptions) {
    const { client, url, prefix = 'stepup:', commandTimeoutMs = 2000, logger } = options;
    if (logger !== undefined && typeof logger !== 'function') {
      throw new TypeError('RedisStore: logger must be a function (message, fields) => void.');
    }
    this.logGiven = logger !== undefined;
    this.log = logger ?? defaultLog;
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
    this.timeoutMs = commandTimeoutMs;
    this.owned = client === undefined;
    this.client =
      client ??
      new Redis(url as string, {
        // Fail fast while disconnected instead of queueing (a queued write could land late),
        // but keep reconnecting forever so the service recovers by itself (docs/architecture.md, invariant 9).
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: commandTimeoutMs,
        retryStrategy: (times) => Math.min(times * 50, 500),
      });
    // Our own client's errors reach callers as rejected calls, and the log once per outage;
    // without a listener ioredis would print "Unhandled error event" on every reconnect attempt.
    if (this.owned) {
      this.client.on('error', (err: unknown) => (this.lastError = err));
      this.client.on('ready', () => (this.lastError = undefined));
      reportRedisErrors(this.client, (message, fields) => this.log(message, fields));
    }
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      this.client.defineCommand(name, { lua, numberOfKeys: 1 });
    }
  }

  /**
   * `createStepup` hands its `logger` to the store it is given, so one logger gets every line;
   * a `logger` passed to the store itself wins.
   */
  adoptLogger(logger: RedisLogger): void {
    if (!this.logGiven) this.log = logger;
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

  async hashDelete(key: string, field: string): Promise<boolean> {
    return (await this.run((c) => c.hdel(this.k(key), field))) === 1;
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
  async close(): Promise<void> {
    if (!this.owned) return;
    if (this.client.status === 'ready') {
      await this.run((c) => c.quit()).catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
  }

  private k(key: string): string {
    return this.prefix + key;
  }

  /** Run commands with a deadline; map "Redis is unreachable" to StoreUnavailableError. */
  private async run<T>(fn: (client: RedisCommands) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const message = `Redis did not answer within ${this.timeoutMs} ms`;
        const cause = new Error(`${message} (ioredis status: ${this.client.status})`, {
          cause: this.lastError,
        });
        cause.name = 'TimeoutError';
        reject(new StoreUnavailableError(message, { cause }));
      }, this.timeoutMs);
    });
    try {
      return await Promise.race([this.ready().then(() => fn(commandsOf(this.client))), deadline]);
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw err;
      const { name, message } = err instanceof Error ? err : { name: '', message: String(err) };
      // A ReplyError (WRONGTYPE, syntax) is a bug, not an outage: let it surface as is.
      if (name === 'ReplyError' && !UNAVAILABLE_REPLY.test(message)) throw err;
      throw new StoreUnavailableError(`The MFA store (Redis) is unreachable: ${message}`, {
        cause: err,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Without an offline queue, ioredis rejects commands sent before the connection is ready.
   * Wait for it while connecting (right after start, or mid-reconnect), but fail fast when the
   * client already knows Redis is down, so an outage answers 503 at once.
   *
   * Commands waiting together share one `once(client, 'ready')` (one 'ready' and one 'error'
   * listener, however many commands: no MaxListenersExceededWarning at start-up). It settles on
   * 'ready' or rejects on the next 'error', and is then forgotten; each command still gives up
   * on its own deadline in `run`, the shared wait does not.
   */
  private async ready(): Promise<void> {
    const c = this.client;
    if (c.status === 'ready' || c.options.enableOfflineQueue !== false) return;
    if (c.status === 'wait')
      void c.connect().catch(() => undefined); // a lazyConnect client
    else if (c.status !== 'connecting' && c.status !== 'connect') {
      const cause = this.lastError ?? new Error(`ioredis client status: ${c.status}`);
      throw new StoreUnavailableError(`Redis connection is ${c.status}`, { cause });
    }
    if (this.readyWait === undefined) {
      const wait = once(c, 'ready')
        .then(() => undefined)
        .finally(() => {
          if (this.readyWait === wait) this.readyWait = undefined;
        });
      this.readyWait = wait;
    }
    await this.readyWait;
  }
}

function scripts(client: RedisCommands): ScriptCommands {
  return client as unknown as ScriptCommands;
}

/** Validate a TTL: a NaN or negative TTL must not silently mean "forever". PX needs integers. */
function ms(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be > 0, got ${ttlMs}`);
  }
  return Math.ceil(ttlMs);
}

/** The part of a key Redis Cluster hashes: the first non-empty {...}, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

const defaultLog: RedisLogger = (message, fields) => {
  console.error(`passport-stepup: ${message}`, fields ?? {});
};
