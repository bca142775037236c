/**
 * Versioned schema of the SQL credential store: Kysely's `Migrator` with the migrations in code
 * (no files to ship or find at run time), bookkeeping in `<prefix>migrations`.
 *
 * Safe to run on every start and from many processes at once: PostgreSQL and MySQL serialise
 * `migrate()` with Kysely's advisory / `GET_LOCK` lock; SQLite has no such lock, so every step is
 * idempotent (`IF NOT EXISTS`) and a run that lost the race is retried and then finds nothing to
 * do. A database already migrated by a newer version (more migrations than this one knows) is
 * left alone, so that old instances of a rolling deploy still start.
 *
 * MySQL/MariaDB: tables are utf8mb4 with a binary NO PAD collation. The default collations
 * compare case-insensitively, ignore trailing spaces and (utf8mb4_general_ci) treat every emoji
 * as equal, so 'Alice', 'alice ' and 'alice' would be one user: an isolation bug.
 */
import { type Kysely, sql } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import { v2Passkeys } from './migration-0002-passkeys.js';
import { v3AttemptStreaks } from './migration-0003-attempt-streaks.js';
import { v4BearerTokens } from './migration-0004-bearer-tokens.js';
import type { SqlDialectName } from './sql-options.js';
import type { TableNames } from './sql-schema.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the Migrator's own type
type AnyDb = Kysely<any>;

/** NO PAD binary collations (MySQL 8 / MariaDB); utf8mb4_bin is a PAD SPACE fallback. */
async function mysqlCollation(db: AnyDb): Promise<string> {
  const { rows } = await sql<{ name: string }>`
    select collation_name as name from information_schema.collations
    where collation_name in ('utf8mb4_0900_bin', 'utf8mb4_nopad_bin')`.execute(db);
  return rows[0]?.name ?? 'utf8mb4_bin';
}

async function createIndex(
  db: AnyDb,
  dialect: SqlDialectName,
  name: string,
  table: string,
  columns: string[],
): Promise<void> {
  if (dialect === 'mysql') {
    // MySQL 8 has no CREATE INDEX IF NOT EXISTS (MariaDB has); look first.
    const { rows } = await sql<{ n: number }>`
      select count(*) as n from information_schema.statistics
      where table_schema = database() and table_name = ${table} and index_name = ${name}`.execute(
      db,
    );
    if (Number(rows[0]?.n ?? 0) > 0) return;
    await db.schema.createIndex(name).on(table).columns(columns).execute();
    return;
  }
  await db.schema.createIndex(name).ifNotExists().on(table).columns(columns).execute();
}

function v1(dialect: SqlDialectName, t: TableNames): Migration {
  return {
    async up(db: AnyDb) {
      const options =
        dialect === 'mysql'
          ? sql.raw(`engine=InnoDB default charset=utf8mb4 collate=${await mysqlCollation(db)}`)
          : sql``;
      await db.schema
        .createTable(t.credentials)
        .ifNotExists()
        .addColumn('id', 'varchar(64)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('type', 'varchar(32)', (c) => c.notNull())
        .addColumn('label', 'varchar(255)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('last_step', 'bigint', (c) => c.notNull().defaultTo(-1))
        .addPrimaryKeyConstraint(`${t.prefix}credentials_pk`, ['id'])
        .modifyEnd(options)
        .execute();
      // list(): one user's rows in creation order.
      await createIndex(db, dialect, `${t.prefix}credentials_user`, t.credentials, [
        'user_id',
        'created_at',
      ]);
      await db.schema
        .createTable(t.codes)
        .ifNotExists()
        .addColumn('credential_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('ordinal', 'integer', (c) => c.notNull())
        .addColumn('digest', 'varchar(128)', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addPrimaryKeyConstraint(`${t.prefix}recovery_codes_pk`, ['credential_id', 'ordinal'])
        // consumeRecoveryCode's WHERE user_id = ? AND digest = ? is one index probe.
        .addUniqueConstraint(`${t.prefix}recovery_codes_user_digest`, ['user_id', 'digest'])
        .modifyEnd(options)
        .execute();
    },
  };
}

function migrationsFor(dialect: SqlDialectName, t: TableNames): Record<string, Migration> {
  return {
    '0001_credentials': v1(dialect, t),
    '0002_passkeys': v2Passkeys(dialect, t),
    '0003_attempt_streaks': v3AttemptStreaks(dialect, t, mysqlCollation),
    '0004_bearer_tokens': v4BearerTokens(dialect, t, mysqlCollation, createIndex),
  };
}

/** True when every migration this version knows is recorded (perhaps with newer ones). */
async function upToDate(db: AnyDb, t: TableNames, names: readonly string[]): Promise<boolean> {
  try {
    const { rows } = await sql<{
      name: string;
    }>`select name from ${sql.table(t.migrations)}`.execute(db);
    const done = new Set(rows.map((r) => r.name));
    return names.every((n) => done.has(n));
  } catch {
    return false; // no bookkeeping table yet
  }
}

export async function runMigrations(
  db: AnyDb,
  dialect: SqlDialectName,
  t: TableNames,
): Promise<void> {
  const migrations = migrationsFor(dialect, t);
  const names = Object.keys(migrations);
  for (let attempt = 1; ; attempt++) {
    if (await upToDate(db, t, names)) return;
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      migrationTableName: t.migrations,
      migrationLockTableName: t.migrationLock,
    });
    const { error } = await migrator.migrateToLatest();
    if (!error) return;
    // Another process may have won a race on SQLite (or on first-time bookkeeping tables).
    if (attempt >= 3) throw error;
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt + Math.random() * 50));
  }
}
