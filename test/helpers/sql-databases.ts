/**
 * Real databases for the credential-store tests. Each test file makes its own database with a
 * random name and drops it afterwards, so files run in parallel and leave nothing behind.
 *
 * PostgreSQL: DATABASE_URL (an admin URL) or the PG* variables, else postgres@127.0.0.1:5432.
 * MySQL/MariaDB: MYSQL_URL, else root@127.0.0.1:3306 with no password.
 * A server that cannot be reached fails the tests (never skips them) with how to start it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CredentialStoreHarness } from '../../lib/stores/credentials/conformance.js';
import {
  sqlCredentialStore,
  type SqlCredentialStoreOptions,
} from '../../lib/stores/credentials/sql.js';
import type { CredentialStore } from '../../lib/stores/credentials/types.js';

export interface TestDatabase {
  /** URL of the fresh database, for `sqlCredentialStore({ url })`. */
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

const PG_START = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
const MARIADB_START = 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd';

function testName(): string {
  return `stepup_test_${randomBytes(6).toString('hex')}`;
}

/** Where a URL points, without its password (for error messages). */
function safeTarget(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`;
}

export function postgresAdminUrl(): string {
  if (process.env['DATABASE_URL']) return process.env['DATABASE_URL'];
  const env = process.env;
  const user = encodeURIComponent(env['PGUSER'] ?? 'postgres');
  const password = env['PGPASSWORD'] ? `:${encodeURIComponent(env['PGPASSWORD'])}` : '';
  const host = env['PGHOST'] ?? '127.0.0.1';
  const port = env['PGPORT'] ?? '5432';
  return `postgres://${user}${password}@${host}:${port}/${env['PGDATABASE'] ?? 'postgres'}`;
}

export function mysqlAdminUrl(): string {
  return process.env['MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/';
}

export async function createPostgresDatabase(): Promise<TestDatabase> {
  const { default: pg } = await import('pg');
  const adminUrl = postgresAdminUrl();
  const admin = async <T>(work: (c: InstanceType<typeof pg.Client>) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
    } catch (cause) {
      throw new Error(
        `PostgreSQL is not reachable at ${safeTarget(adminUrl)}. These tests need it (they never ` +
          `skip). Start it with: ${PG_START} (install: apt-get install postgresql), or point ` +
          `DATABASE_URL / PGHOST, PGPORT, PGUSER, PGPASSWORD at an admin connection.`,
        { cause },
      );
    }
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const name = testName();
  await admin((c) => c.query(`create database "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      await admin((c) => c.query(`drop database if exists "${name}" with (force)`));
    },
  };
}

export async function createMysqlDatabase(): Promise<TestDatabase> {
  const { default: mysql } = await import('mysql2/promise');
  const adminUrl = mysqlAdminUrl();
  const admin = async <T>(
    work: (c: Awaited<ReturnType<typeof mysql.createConnection>>) => Promise<T>,
  ) => {
    let connection;
    try {
      connection = await mysql.createConnection({ uri: adminUrl, connectTimeout: 5000 });
    } catch (cause) {
      throw new Error(
        `MySQL/MariaDB is not reachable at ${safeTarget(adminUrl)}. These tests need it (they ` +
          `never skip). Start it with: ${MARIADB_START} (install: apt-get install ` +
          `mariadb-server), or point MYSQL_URL at an admin connection.`,
        { cause },
      );
    }
    try {
      return await work(connection);
    } finally {
      await connection.end();
    }
  };
  const name = testName();
  // latin1, the legacy server default: the store's tables must bring their own utf8mb4.
  await admin((c) => c.query(`create database \`${name}\` character set latin1`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      await admin((c) => c.query(`drop database if exists \`${name}\``));
    },
  };
}

export interface TempDir {
  readonly path: string;
  remove(): Promise<void>;
}

export async function tempDir(): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), 'stepup-credentials-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

let prefixes = 0;

/** A table prefix no other test of this process uses: empty tables in a shared database. */
export function uniquePrefix(): string {
  return `t${process.pid % 10_000}_${prefixes++}_`;
}

/**
 * A conformance harness on a URL: each test gets its own table prefix, and `openAnother` opens
 * a second store with its own pool on the same tables (what another process would do).
 */
export function urlHarness(
  url: (prefix: string) => string,
  options: Omit<SqlCredentialStoreOptions, 'url' | 'db' | 'tablePrefix'> = {},
): () => Promise<CredentialStoreHarness> {
  return async () => {
    const tablePrefix = uniquePrefix();
    const open = () => sqlCredentialStore({ ...options, url: url(tablePrefix), tablePrefix });
    const store = open();
    const others: CredentialStore[] = [];
    return {
      store,
      openAnother: async () => {
        const other = open();
        others.push(other);
        return other;
      },
      cleanup: async () => {
        await Promise.all([store, ...others].map((s) => s.close()));
      },
    };
  };
}
