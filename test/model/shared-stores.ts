/**
 * The stores two app instances share in the model test's second variant (issue 29: "a second
 * instance sharing the stores"): one spawned redis-server for the MfaStore and one SQLite file
 * for the credentials, each instance with its own Redis client and its own SQL pool, as two
 * processes have (docs/architecture.md, "Where state lives"). Each sequence gets a key prefix
 * and a database file of its own, so sequences never see each other's state.
 */
import { rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqlCredentialStore } from '../../lib/stores/credentials/sql.js';
import { RedisStore } from '../../lib/stores/redis.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import type { SharedStores } from './harness.js';

export interface SharedBackends {
  /** Fresh stores for one sequence; `close()` ends its pools and removes its file. */
  next(): Promise<SharedStores & { close(): Promise<void> }>;
  stop(): Promise<void>;
}

export async function sharedBackends(
  credentials: 'sqlite' | 'postgres' = 'sqlite',
): Promise<SharedBackends> {
  void credentials;
  const redis: RedisServer = await startRedis();
  const clients = [redis.client(), redis.client()];
  const dir = await mkdtemp(join(tmpdir(), 'stepup-model-'));
  let n = 0;
  return {
    async next() {
      n += 1;
      const prefix = `model:${process.pid}:${n}:`;
      const url = `sqlite:${join(dir, `seq-${n}.db`)}`;
      const first = sqlCredentialStore({ url });
      await first.migrate();
      const pools = [first];
      return {
        // Both instances use the same prefix: one MfaStore, reached through two clients.
        stores: clients.map((client) => new RedisStore({ client, prefix })),
        credentials: (i: number) => {
          if (i === 0) return first;
          const again = sqlCredentialStore({ url });
          pools.push(again);
          return again;
        },
        async close() {
          await Promise.all(pools.map((p) => p.close()));
          await rm(join(dir, `seq-${n}.db`), { force: true });
        },
      };
    },
    async stop() {
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
