/**
 * The databases of the bench server: our credential stores on PostgreSQL and on SQLite (each
 * call counted, so the report shows credential-store round trips per request), and the usual
 * stack's own table of TOTP keys in the same two databases, so each pair compares equal storage.
 *
 * env: BENCH_PG_URL (a database bench/run.ts created and drops), BENCH_SQLITE_PATH (a file in a
 * temporary folder).
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { MemoryCredentialStore, sqlCredentialStore, type CredentialStore } from '../lib/index.js';
import type { KeyTable } from './usual-stack.js';

/** Counts every call of a store method except migrate/close: each is one database round trip. */
export function countedCredentials(store: CredentialStore): {
  store: CredentialStore;
  calls: () => number;
  byMethod: () => Record<string, number>;
} {
  const counts: Record<string, number> = {};
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function' || name === 'migrate' || name === 'close') return value;
      return (...args: unknown[]) => {
        counts[String(name)] = (counts[String(name)] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    store: proxy,
    calls: () => Object.values(counts).reduce((a, b) => a + b, 0),
    byMethod: () => ({ ...counts }),
  };
}

export interface BenchDatabases {
  readonly pg: ReturnType<typeof countedCredentials>;
  readonly sqlite: ReturnType<typeof countedCredentials>;
  readonly memory: CredentialStore;
  readonly pgKeys: KeyTable;
  readonly sqliteKeys: KeyTable;
}

export async function openDatabases(pgUrl: string, sqlitePath: string): Promise<BenchDatabases> {
  const pgStore = sqlCredentialStore({ url: pgUrl });
  const sqliteStore = sqlCredentialStore({ url: `sqlite:${sqlitePath}` });
  await Promise.all([pgStore.migrate(), sqliteStore.migrate()]);

  // The usual stack: a plain pool / connection and one table, as a hand-written app has.
  const pool = new pg.Pool({ connectionString: pgUrl, max: 10 });
  pool.on('error', () => undefined);
  await pool.query(
    'CREATE TABLE IF NOT EXISTS usual_totp_keys (user_id text PRIMARY KEY, secret text NOT NULL, ' +
      'last_step bigint NOT NULL DEFAULT -1)',
  );
  const pgKeys: KeyTable = {
    async get(id) {
      const { rows } = await pool.query<{ secret: string }>(
        'SELECT secret FROM usual_totp_keys WHERE user_id = $1',
        [id],
      );
      return rows[0]?.secret;
    },
    async set(id, hex) {
      await pool.query(
        'INSERT INTO usual_totp_keys (user_id, secret) VALUES ($1, $2) ' +
          'ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret',
        [id, hex],
      );
    },
    async advance(id, step) {
      const { rowCount } = await pool.query(
        'UPDATE usual_totp_keys SET last_step = $1 WHERE user_id = $2 AND last_step < $1',
        [step, id],
      );
      return rowCount === 1;
    },
  };
  // A second connection to the file, in WAL mode like the store's.
  const db = new Database(sqlitePath);
  db.pragma('journal_mode = WAL');
  db.exec(
    'CREATE TABLE IF NOT EXISTS usual_totp_keys (user_id text PRIMARY KEY, secret text NOT NULL, ' +
      'last_step integer NOT NULL DEFAULT -1)',
  );
  const advance = db.prepare(
    'UPDATE usual_totp_keys SET last_step = ? WHERE user_id = ? AND last_step < ?',
  );
  const select = db.prepare<[string], { secret: string }>(
    'SELECT secret FROM usual_totp_keys WHERE user_id = ?',
  );
  const upsert = db.prepare(
    'INSERT OR REPLACE INTO usual_totp_keys (user_id, secret) VALUES (?, ?)',
  );
  const sqliteKeys: KeyTable = {
    get: (id) => Promise.resolve(select.get(id)?.secret),
    set: (id, hex) => {
      upsert.run(id, hex);
      return Promise.resolve();
    },
    advance: (id, step) => Promise.resolve(advance.run(step, id, step).changes === 1),
  };

  return {
    pg: countedCredentials(pgStore),
    sqlite: countedCredentials(sqliteStore),
    memory: new MemoryCredentialStore(),
    pgKeys,
    sqliteKeys,
  };
}
