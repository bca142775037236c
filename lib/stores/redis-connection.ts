/**
 * The Redis store's connection: the client (made from a URL or the app's own), a deadline on
 * every command and the mapping of "Redis is unreachable" to StoreUnavailableError, so that an
 * outage answers 503 and never a guess (fail closed; docs/architecture.md, invariant 9).
 */
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { commandsOf, type RedisClientLike, type RedisCommands } from './redis-client.js';
import { reportRedisErrors, type RedisLogger } from './redis-errors.js';
import { StoreUnavailableError } from './types.js';

/** Server replies that mean "Redis is there but cannot serve now", as opposed to a bug. */
const UNAVAILABLE_REPLY = /^(LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|READONLY|NOREPLICAS)\b/;

export class RedisConnection {
  readonly client: RedisClientLike;
  /** True when the connection made the client (option `url`): only then does it quit it. */
  readonly owned: boolean;
  private lastError: unknown;
  /** The one wait for 'ready' that every command started before it shares (see `ready`). */
  private readyWait: Promise<void> | undefined;
  /** Where an outage of our own client is reported (see `adoptLogger`). */
  private log: RedisLogger;
  private readonly logGiven: boolean;

  constructor(
    options: {
      readonly client?: RedisClientLike | undefined;
      readonly url?: string | undefined;
      readonly logger?: RedisLogger | undefined;
    },
    private readonly timeoutMs: number,
  ) {
    const { client, url, logger } = options;
    this.logGiven = logger !== undefined;
    this.log = logger ?? defaultLog;
    this.owned = client === undefined;
    this.client =
      client ??
      new Redis(url as string, {
        // Fail fast while disconnected instead of queueing (a queued write could land late),
        // but keep reconnecting forever so the service recovers by itself (docs/architecture.md, invariant 9).
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: timeoutMs,
        retryStrategy: (times) => Math.min(times * 50, 500),
      });
    // Our own client's errors reach callers as rejected calls, and the log once per outage;
    // without a listener ioredis would print "Unhandled error event" on every reconnect attempt.
    if (this.owned) {
      this.client.on('error', (err: unknown) => (this.lastError = err));
      this.client.on('ready', () => (this.lastError = undefined));
      reportRedisErrors(this.client, (message, fields) => this.log(message, fields));
    }
  }

  /** A logger given to the store itself wins over the one `createStepup` hands it. */
  adoptLogger(logger: RedisLogger): void {
    if (!this.logGiven) this.log = logger;
  }

  /** Run commands with a deadline; map "Redis is unreachable" to StoreUnavailableError. */
  async run<T>(fn: (client: RedisCommands) => Promise<T>): Promise<T> {
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
  /** Quits the client only when this connection created it (option `url`). */
  async close(): Promise<void> {
    if (!this.owned) return;
    if (this.client.status === 'ready') {
      await this.run((c) => c.quit()).catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
  }
}

const defaultLog: RedisLogger = (message, fields) => {
  console.error(`passport-stepup: ${message}`, fields ?? {});
};
