import type { EventEmitter } from 'node:events';

/** Where a Redis outage is reported: the same shape as `createStepup({ logger })`. */
export type RedisLogger = (message: string, fields?: Readonly<Record<string, unknown>>) => void;

/**
 * Report a Redis client's connection errors through `log`, once per outage: one line when it
 * becomes unreachable, one when it is back. ioredis emits `error` on every reconnect attempt
 * (every 50–500 ms), and without a listener prints `[ioredis] Unhandled error event` for each,
 * which buries the one line that matters. While Redis is down the store still fails closed
 * (503, docs/architecture.md, invariant 9); this only keeps the log readable (OWASP ASVS 5.0
 * V16.3: log security-relevant failures, without flooding).
 *
 * Any ioredis 5 or 6 `Redis` or `Cluster` fits (an EventEmitter). Use it for a client you make yourself (`reportRedisErrors(redis, logger)`); `RedisStore`
 * does it for the client it makes from a `url`. Returns a function that removes the listeners.
 */
export function reportRedisErrors(client: EventEmitter, log: RedisLogger): () => void {
  let down = false;
  const onError = (err: unknown) => {
    if (down) return;
    down = true;
    const e = err instanceof Error ? err : new Error(String(err));
    const code = (e as { code?: unknown }).code;
    log('Redis is unreachable; requests that need it answer 503 until it is back', {
      error: e.message,
      ...(typeof code === 'string' ? { code } : {}),
    });
  };
  const onReady = () => {
    if (!down) return;
    down = false;
    log('Redis is reachable again', {});
  };
  client.on('error', onError);
  client.on('ready', onReady);
  return () => {
    client.off('error', onError);
    client.off('ready', onReady);
  };
}
