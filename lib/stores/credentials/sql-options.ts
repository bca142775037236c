/**
 * Options of `sqlCredentialStore`, checked once when the store is made (a typo throws a
 * `TypeError` that says how to fix it, never at request time), and the dialect of a Kysely
 * instance the app made itself.
 */
import { type Kysely, MysqlAdapter, PostgresAdapter, SqliteAdapter } from 'kysely';
import { TABLE_PREFIX_PATTERN } from './sql-schema.js';

/** The SQL dialects the store speaks (`mysql` covers MariaDB). */
export type SqlDialectName = 'postgres' | 'sqlite' | 'mysql';

/** Options of `sqlCredentialStore()`: exactly one of `db` and `url`, else a TypeError. */
export interface SqlCredentialStoreOptions {
  /**
   * A Kysely instance you made (any schema type). You keep owning it: `close()` does not destroy
   * it. Set its pool's connect and statement timeouts yourself; the store still bounds every
   * operation by `queryTimeoutMs` plus one second.
   */
  // Kysely<any> is how Kysely itself types "a database of any schema" (e.g. in Migrator).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly db?: Kysely<any>;
  /**
   * `postgres://…` / `postgresql://…` (pg), `mysql://…` / `mariadb://…` (mysql2),
   * `sqlite:<path>` or `sqlite::memory:` (better-sqlite3). The driver, an optional peer
   * dependency, is loaded on first use; the store owns the pool and `close()` ends it.
   */
  readonly url?: string;
  /** Needed only when it cannot be detected from `db`'s adapter. */
  readonly dialect?: SqlDialectName;
  /** @default 'stepup_' (tables `stepup_credentials`, `stepup_recovery_codes`, …) */
  readonly tablePrefix?: string;
  /**
   * The server-side limit of one statement (PostgreSQL `statement_timeout`, InnoDB lock wait in
   * whole seconds) and the connect timeout. An operation without an answer one second later
   * rejects with `CredentialStoreUnavailableError`: the server's timeout comes first and rolls
   * the statement back, so such a rejection means "nothing happened".
   * @default 5000
   */
  readonly queryTimeoutMs?: number;
}

export type Target =
  | { readonly kind: 'db'; readonly dialect: SqlDialectName }
  | { readonly kind: 'postgres'; readonly url: string }
  | { readonly kind: 'mysql'; readonly url: string }
  | { readonly kind: 'sqlite'; readonly path: string };

export interface ParsedOptions {
  readonly target: Target;
  readonly dialect: SqlDialectName;
  readonly tablePrefix: string;
  readonly queryTimeoutMs: number;
}

const KNOWN = new Set(['db', 'url', 'dialect', 'tablePrefix', 'queryTimeoutMs']);
const DIALECTS: readonly SqlDialectName[] = ['postgres', 'sqlite', 'mysql'];

function fail(message: string): never {
  throw new TypeError(`sqlCredentialStore: ${message}`);
}

/** The dialect of an app-made Kysely instance, from its adapter. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function detectDialect(db: Kysely<any>): SqlDialectName | undefined {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  // A second copy of kysely in node_modules fails instanceof; its class names still tell.
  const name = String(
    (adapter as { constructor?: { name?: unknown } }).constructor?.name,
  ).toLowerCase();
  if (name.includes('postgres') || name.includes('pglite')) return 'postgres';
  if (name.includes('mysql') || name.includes('maria')) return 'mysql';
  if (name.includes('sqlite')) return 'sqlite';
  return undefined;
}

function targetOfUrl(url: string): Target {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return { kind: 'postgres', url };
  if (scheme === 'mysql' || scheme === 'mariadb') {
    // mysql2 parses mysql:// only; MariaDB speaks the same protocol.
    return { kind: 'mysql', url: url.replace(/^mariadb:/i, 'mysql:') };
  }
  if (scheme === 'sqlite') {
    let path = url.slice('sqlite:'.length);
    if (path.startsWith('//')) path = path.slice(2); // sqlite:///abs/path → /abs/path
    if (path === '') fail('a sqlite URL needs a path: sqlite:./data.db or sqlite::memory:');
    return { kind: 'sqlite', path };
  }
  // Never echo the URL: it may hold a password.
  return fail('url must start with postgres://, postgresql://, mysql://, mariadb:// or sqlite:');
}

export function parseOptions(options: SqlCredentialStoreOptions): ParsedOptions {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) fail(`unknown option "${key}" (known: ${[...KNOWN].join(', ')})`);
  }
  const { db, url, dialect } = options;
  if (dialect !== undefined && !DIALECTS.includes(dialect)) {
    fail(`dialect must be one of ${DIALECTS.join(', ')}`);
  }
  const tablePrefix = options.tablePrefix ?? 'stepup_';
  if (typeof tablePrefix !== 'string' || !TABLE_PREFIX_PATTERN.test(tablePrefix)) {
    fail(`tablePrefix must match ${String(TABLE_PREFIX_PATTERN)} (lower case, at most 31)`);
  }
  const queryTimeoutMs = options.queryTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(queryTimeoutMs) || queryTimeoutMs < 1 || queryTimeoutMs > 600_000) {
    fail('queryTimeoutMs must be an integer from 1 to 600000');
  }
  if ((db === undefined) === (url === undefined)) fail('give exactly one of db and url');

  let target: Target;
  if (db !== undefined) {
    if (typeof db !== 'object' || db === null || typeof db.getExecutor !== 'function') {
      fail('db must be a Kysely instance');
    }
    const detected = detectDialect(db);
    if (detected && dialect && detected !== dialect) {
      fail(`dialect is "${dialect}" but db uses a ${detected} adapter`);
    }
    const chosen = dialect ?? detected;
    if (!chosen) fail(`cannot tell the dialect of db: pass dialect: ${DIALECTS.join(' | ')}`);
    target = { kind: 'db', dialect: chosen };
  } else {
    if (typeof url !== 'string') fail('url must be a string');
    target = targetOfUrl(url);
    if (dialect && dialect !== target.kind)
      fail(`dialect is "${dialect}" but url is ${target.kind}`);
  }
  const resolved = target.kind === 'db' ? target.dialect : target.kind;
  return { target, dialect: resolved, tablePrefix, queryTimeoutMs };
}
