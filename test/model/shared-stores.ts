/**
 * The stores two app instances share in the model test's second variant (issue 29: "a second
 * instance sharing the stores"): one spawned redis-server for the MfaStore and one SQL database
 * for the credentials (a SQLite file, or PostgreSQL on 127.0.0.1:5432 for the soak), each
 * instance with its own Redis client and its own SQL pool, as two processes have
 * (docs/architecture.md, "Where state lives"). Each sequence gets a key prefix and a database
 * file (SQLite) or a table prefix (PostgreSQL, in a database of the run's own) of its own, so
 * sequences never see each other's state.
 *
 * Faults (issue 29): `flush()` sends FLUSHALL to the Redis server; `credentialsDown()` closes
 * every instance's SQL pool, so each call fails as the store fails when its database is gone,
 * and `credentialsUp()` opens new pools on the same database, as after a restart.
 */
import { rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqlCredentialStore } from '../../lib/stores/credentials/sql.js';
import { RedisStore } from '../../lib/stores/redis.js';
import { replaceablePool } from '../helpers/replaceable-pool.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { postgresAdminUrl } from '../helpers/sql-databases.js';
import type { SharedStores } from './harness.js';

export type CredentialBackend = 'sqlite' | 'postgres';

/** The faults a sequence can inject into its shared stores. */
export interface Faults {
  /** FLUSHALL on the Redis server: every MfaStore key is lost at once. */
  flush(): Promise<void>;
  /** The credential database unreachable for every instance until `credentialsUp()`. */
  credentialsDown(): Promise<void>;
  credentialsUp(): Promise<void>;
}

export interface SharedBackends {
  readonly credentialBackend: CredentialBackend;
  /** Fresh stores for one sequence; `close()` ends its pools and removes its data. */
  next(): Promise<SharedStores & Faults & { close(): Promise<void> }>;
  stop(): Promise<void>;
}

/** A database of the run's own on the PostgreSQL server, dropped by `drop()`. */
async function postgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const { default: pg } = await import('pg');
  const adminUrl = postgresAdminUrl();
  const name = `stepup_model_${process.pid}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`drop database if exists "${name}" with (force)`);
  await admin(`create database "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(`drop database if exists "${name}" with (force)`),
  };
}

export async function sharedBackends(
  credentialBackend: CredentialBackend = 'sqlite',
): Promise<SharedBackends> {
  const redis: RedisServer = await startRedis();
  const clients = [redis.client(), redis.client()];
  const dir = await mkdtemp(join(tmpdir(), 'stepup-model-'));
  const postgres = credentialBackend === 'postgres' ? await postgresDatabase() : undefined;
  let n = 0;
  return {
    credentialBackend,
    async next() {
      n += 1;
      const seq = n;
      const prefix = `model:${process.pid}:${seq}:`;
      const file = join(dir, `seq-${seq}.db`);
      const open = () =>
        postgres
          ? sqlCredentialStore({ url: postgres.url, tablePrefix: `m${seq}_` })
          : sqlCredentialStore({ url: `sqlite:${file}` });
      const first = replaceablePool(open);
      await first.pool().migrate();
      const pools = [first];
      const closeAll = () => Promise.all(pools.map((p) => p.pool().close()));
      return {
        // Both instances use the same prefix: one MfaStore, reached through two clients.
        stores: clients.map((client) => new RedisStore({ client, prefix })),
        credentials: (i: number) => {
          if (i === 0) return first.store;
          const again = replaceablePool(open);
          pools.push(again);
          return again.store;
        },
        async flush() {
          await clients[0]?.flushall();
        },
        async credentialsDown() {
          await closeAll();
        },
        async credentialsUp() {
          for (const p of pools) p.reopen();
        },
        async close() {
          await closeAll();
          await rm(file, { force: true });
        },
      };
    },
    async stop() {
      await redis.stop();
      await postgres?.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
