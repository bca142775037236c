/**
 * Opening a database from a URL: the driver (an optional peer dependency) is imported on first
 * use, so an app that uses PostgreSQL never needs better-sqlite3 or mysql2 installed.
 *
 * Fail fast, heal alone (OWASP ASVS 5.0 V16.5.2: keep operating securely when a resource
 * fails). The pools get connect and statement timeouts so that a stopped or hung server costs
 * seconds, not minutes, and nothing here is cached across failures: a connection that broke is
 * dropped and the next call dials again, so the store recovers by itself once the server is back.
 * A timed-out connection is destroyed rather than returned to the pool, because both pg and
 * mysql2 keep waiting for the lost answer and would queue every later query behind it.
 */
import { CompiledQuery, Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from 'kysely';
import type { MysqlPool, MysqlPoolConnection, PostgresPool, PostgresPoolClient } from 'kysely';
import type { Pool as PgPool, PoolClient as PgPoolClient } from 'pg';
import type { Pool as MysqlRawPool, PoolConnection as MysqlRawConnection } from 'mysql2';
import { ANSWER_GRACE_MS, DriverMissingError } from './sql-errors.js';
import type { Schema } from './sql-schema.js';
import type { Target } from './sql-options.js';

type UrlTarget = Exclude<Target, { kind: 'db' }>;

function isModuleNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * Import an optional driver. The `default` export is the CommonJS `module.exports` both when
 * our ESM build imports it and when the CJS build's `require` is wrapped by the bundler.
 */
export async function loadDriver<T>(
  name: string,
  load: () => Promise<{ default?: T }>,
): Promise<T> {
  let mod: { default?: T };
  try {
    mod = await load();
  } catch (cause) {
    if (!isModuleNotFound(cause)) throw cause;
    throw new DriverMissingError(
      `the "${name}" driver is not installed; it is an optional peer dependency: npm install ${name}`,
      { cause },
    );
  }
  return mod.default ?? (mod as T);
}

/** Hand Kysely pg clients whose release destroys them after a client-side query timeout. */
function pgPoolDroppingTimedOut(pool: PgPool): PostgresPool {
  const wrapped = new WeakMap<PgPoolClient, PostgresPoolClient>();
  return {
    options: pool.options,
    end: () => pool.end(),
    async connect() {
      const client = await pool.connect();
      let facade = wrapped.get(client);
      if (!facade) {
        let timedOut = false;
        facade = {
          get processID() {
            return (client as { processID?: number }).processID;
          },
          query: (async (sql: string, parameters: readonly unknown[]) => {
            try {
              return await client.query(sql, parameters as unknown[]);
            } catch (err) {
              if ((err as Error).message === 'Query read timeout') timedOut = true;
              throw err;
            }
          }) as unknown as PostgresPoolClient['query'],
          release: (destroy?: boolean) => client.release(destroy === true || timedOut),
        };
        wrapped.set(client, facade);
      }
      return facade;
    },
  };
}

async function openPostgres(url: string, timeoutMs: number): Promise<PostgresPool> {
  const pg = await loadDriver('pg', () => import('pg'));
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs, // server side: a query stuck on a lock is rolled back
    query_timeout: timeoutMs + ANSWER_GRACE_MS, // client side: a server that stopped answering
    idle_in_transaction_session_timeout: Math.max(2 * timeoutMs, 10_000),
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // A client whose server went away emits 'error': on the pool while idle (the pool then drops
  // it), on the client itself while checked out. Without listeners Node treats either as an
  // uncaught exception and ends the process; the query in flight is rejected anyway.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pgPoolDroppingTimedOut(pool);
}

/** mysql2 has no pool-wide query timeout: give every query one, destroy what timed out. */
function mysqlPoolWithTimeout(pool: MysqlRawPool, timeout: number): MysqlPool {
  const wrapped = new WeakMap<MysqlRawConnection, MysqlPoolConnection>();
  const facadeOf = (raw: MysqlRawConnection): MysqlPoolConnection => {
    let facade = wrapped.get(raw);
    if (facade) return facade;
    let timedOut = false;
    facade = {
      get config() {
        return raw.config;
      },
      get threadId() {
        return raw.threadId;
      },
      connect: (callback) => raw.connect(callback),
      destroy: () => raw.destroy(),
      query: (sql, values, callback) =>
        raw.query({ sql, values: values as unknown[], timeout }, (err, result) => {
          if (err?.code === 'PROTOCOL_SEQUENCE_TIMEOUT') timedOut = true;
          callback?.(err, result as never);
        }),
      release: () => (timedOut ? raw.destroy() : raw.release()),
    };
    wrapped.set(raw, facade);
    return facade;
  };
  return {
    getConnection: (callback) =>
      pool.getConnection((err, raw) => {
        if (err) callback(err, raw as never);
        else callback(null, facadeOf(raw));
      }),
    end: (callback) => pool.end(callback),
  };
}

async function openMysql(url: string, timeoutMs: number): Promise<MysqlPool> {
  const mysql = await loadDriver('mysql2', () => import('mysql2'));
  const pool = mysql.createPool({
    uri: url,
    connectionLimit: 10,
    connectTimeout: timeoutMs,
    charset: 'UTF8MB4_UNICODE_CI', // the connection's encoding; comparisons use the columns'
    supportBigNumbers: true,
    enableKeepAlive: true,
    idleTimeout: 30_000,
  });
  return mysqlPoolWithTimeout(pool, timeoutMs + ANSWER_GRACE_MS);
}

async function openSqlite(path: string, timeoutMs: number) {
  const Database = await loadDriver('better-sqlite3', () => import('better-sqlite3'));
  // `timeout` is SQLite's busy timeout: how long a writer waits for another process's lock.
  // better-sqlite3 waits synchronously, so keep it short: it blocks this process's event loop.
  const db = new Database(path, { timeout: Math.min(timeoutMs, 5000) });
  // WAL lets other processes read while one writes; the default synchronous=FULL stays, so a
  // consumed code is on disk before the call returns (a power cut must not revive it).
  if (path !== ':memory:') db.pragma('journal_mode = WAL');
  return db;
}

export function openDatabase(target: UrlTarget, timeoutMs: number): Kysely<Schema> {
  switch (target.kind) {
    case 'postgres':
      return new Kysely<Schema>({
        dialect: new PostgresDialect({ pool: () => openPostgres(target.url, timeoutMs) }),
      });
    case 'mysql': {
      // InnoDB waits 50 s for a row lock by default. Whole seconds only: ceil() stays below
      // timeoutMs + ANSWER_GRACE_MS, so the server gives up (and rolls back) before the client.
      const lockWait = Math.max(1, Math.ceil(timeoutMs / 1000));
      return new Kysely<Schema>({
        dialect: new MysqlDialect({
          pool: () => openMysql(target.url, timeoutMs),
          onCreateConnection: async (connection) => {
            await connection.executeQuery(
              CompiledQuery.raw(`set session innodb_lock_wait_timeout = ${lockWait}`),
            );
          },
        }),
      });
    }
    case 'sqlite':
      return new Kysely<Schema>({
        dialect: new SqliteDialect({ database: () => openSqlite(target.path, timeoutMs) }),
      });
  }
}
