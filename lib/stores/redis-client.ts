/**
 * The ioredis client a `RedisStore` (and the password throttle) accepts: a `Redis` or `Cluster`
 * of ioredis 5 or 6.
 *
 * Typed by shape, not by class: the two majors' classes carry private and protected members, so
 * TypeScript treats an ioredis 6 `Redis` as unrelated to an ioredis 5 one (TS2322 on
 * `new RedisStore({ client })`) although every command the store sends behaves the same in both.
 * What is listed here is what the store reads before it sends a command; the commands themselves
 * (GET, SET, GETDEL, HSET, Lua through `defineCommand`…) are called through `RedisCommands`,
 * ioredis 5's own types, which describe ioredis 6's calls too (the store's conformance suite runs
 * on both: test/store.redis6.test.ts).
 */
import type { EventEmitter } from 'node:events';
import type { Cluster, Redis } from 'ioredis';

/** Both majors' clients are Node EventEmitters ('error', 'ready', …). */
export interface RedisClientLike extends EventEmitter {
  /** ioredis's connection state: 'wait', 'connecting', 'connect', 'ready', 'end', … */
  readonly status: string;
  /** The client's options, of which the store reads one. */
  readonly options: {
    /**
     * `false` (recommended): commands fail at once while Redis is down instead of waiting in a
     * queue; the store then waits for `ready` itself while the client is still connecting.
     */
    readonly enableOfflineQueue?: boolean;
  };
  /** Registers the store's Lua scripts (atomic increment, compare-and-set, hash write). */
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
  /** Connects a client made with `lazyConnect`. */
  connect(): Promise<unknown>;
  /** Closes a client the store created from `url`; never called on a client you passed in. */
  disconnect(): void;
}

/** The commands, as ioredis 5 types them. */
export type RedisCommands = Redis | Cluster;

/** The same object, seen through the command types (valid for ioredis 5 and 6 clients). */
export function commandsOf(client: RedisClientLike): RedisCommands {
  return client as unknown as RedisCommands;
}
