// A new user moved to Redis as the README shows and, the first time Redis restarted, got a
// screenful of `[ioredis] Unhandled error event` (one per reconnect attempt, every 50–500 ms)
// that buried everything else. The client a RedisStore makes now reports through the logger
// once per outage (and once when Redis is back); `reportRedisErrors` does the same for a client
// the app makes. The outage itself still fails closed (store.redis.test.ts).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createStepup,
  MemoryCredentialStore,
  RedisStore,
  reportRedisErrors,
} from '../../lib/index.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis({ owned: true }); // killed and restarted here
});
afterAll(async () => {
  await server.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

describe('Redis outages are logged once, not per reconnect attempt', () => {
  it('the store’s own client and an app’s client, over two outages', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const storeLog = vi.fn();
    const store = new RedisStore({ url: server.url, prefix: `test:${randomUUID()}:` });
    // createStepup hands its logger to the store (one logger for every line).
    createStepup({ store, credentials: new MemoryCredentialStore(), logger: storeLog });
    const appLog = vi.fn();
    const app = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    reportRedisErrors(app, appLog);
    let errors = 0;
    store.client.on('error', () => errors++);
    try {
      await store.set('k', 'v');
      await until(() => app.status === 'ready');

      for (let outage = 1; outage <= 2; outage++) {
        await server.kill();
        // Several reconnect attempts fail, each an `error` event...
        const seen = errors;
        await until(() => errors >= seen + 3);
        // ...and each logger got exactly one line for this outage.
        const lines = (log: typeof storeLog) =>
          log.mock.calls.filter(([message]) => /unreachable/.test(String(message)));
        expect(lines(storeLog)).toHaveLength(outage);
        expect(lines(appLog)).toHaveLength(outage);
        expect(lines(storeLog)[0]?.[1]).toMatchObject({ error: expect.any(String) });

        await server.restart();
        await until(() => store.client.status === 'ready' && app.status === 'ready');
        const back = (log: typeof storeLog) =>
          log.mock.calls.filter(([message]) => /reachable again/.test(String(message)));
        expect(back(storeLog)).toHaveLength(outage);
        expect(back(appLog)).toHaveLength(outage);
        expect(await store.get('k')).toBe(null); // the server restarted empty, and answers
      }
      // Nothing went to the console: no "[ioredis] Unhandled error event", no default logger.
      expect(consoleError).not.toHaveBeenCalled();
    } finally {
      consoleError.mockRestore();
      app.disconnect();
      await store.close();
    }
  });

  it('a store without createStepup logs to console.error, once', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const store = new RedisStore({ url: server.url, prefix: `test:${randomUUID()}:` });
    try {
      await store.set('k', 'v');
      await server.kill();
      await sleep(1500);
      const lines = consoleError.mock.calls.filter(([m]) => /unreachable/.test(String(m)));
      expect(lines).toHaveLength(1);
      expect(String(lines[0]?.[0])).toMatch(/^passport-stepup: Redis is unreachable/);
      expect(consoleError.mock.calls.some(([m]) => /Unhandled error event/.test(String(m)))).toBe(
        false,
      );
    } finally {
      consoleError.mockRestore();
      await store.close();
      await server.restart();
    }
  });

  it('a logger option is checked', () => {
    expect(
      () => new RedisStore({ url: server.url, logger: 'console' as unknown as () => void }),
    ).toThrow(/logger must be a function/);
  });
});
