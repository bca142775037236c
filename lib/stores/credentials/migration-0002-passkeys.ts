/**
 * Migration 0002: passkeys. A WebAuthn credential id must be found without knowing the user (a
 * passwordless sign-in starts with none) and may be registered once across all users (W3C
 * WebAuthn L3 §7.1 step 26). The new `lookup` column holds a fixed-width digest of it
 * (`passkeyLookupKey`) under a unique index: ids may be up to 1023 bytes, longer than MySQL's
 * index key limit, and a digest also keeps the index free of attacker-chosen lengths. Other rows
 * leave it NULL; every database lets a unique index hold many NULLs.
 *
 * The sign counter lives in the existing `last_step` column (the row's replay marker, as the
 * TOTP step does), so no other column is needed. Shipped migrations are never edited: a later
 * change is a new file like this one.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { SqlDialectName } from './sql-options.js';
import type { TableNames } from './sql-schema.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the Migrator's own type
type AnyDb = Kysely<any>;

async function hasColumn(db: AnyDb, dialect: SqlDialectName, table: string, column: string) {
  if (dialect === 'sqlite') {
    const { rows } = await sql<{ name: string }>`
      select name from pragma_table_info(${table})`.execute(db);
    return rows.some((r) => r.name === column);
  }
  const schema = dialect === 'mysql' ? sql`database()` : sql`current_schema()`;
  const { rows } = await sql<{ n: number | string }>`
    select count(*) as n from information_schema.columns
    where table_schema = ${schema} and table_name = ${table} and column_name = ${column}`.execute(
    db,
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

async function hasIndex(db: AnyDb, dialect: SqlDialectName, table: string, name: string) {
  if (dialect !== 'mysql') return false; // the others have CREATE UNIQUE INDEX IF NOT EXISTS
  const { rows } = await sql<{ n: number | string }>`
    select count(*) as n from information_schema.statistics
    where table_schema = database() and table_name = ${table} and index_name = ${name}`.execute(db);
  return Number(rows[0]?.n ?? 0) > 0;
}

export function v2Passkeys(dialect: SqlDialectName, t: TableNames): Migration {
  return {
    async up(db: AnyDb) {
      // Idempotent steps: SQLite has no migration lock, so a losing racer re-runs them.
      if (!(await hasColumn(db, dialect, t.credentials, 'lookup'))) {
        await db.schema
          .alterTable(t.credentials)
          .addColumn('lookup', 'varchar(64)')
          .execute()
          .catch(async (err: unknown) => {
            if (!(await hasColumn(db, dialect, t.credentials, 'lookup'))) throw err;
          });
      }
      const name = `${t.prefix}credentials_lookup`;
      if (await hasIndex(db, dialect, t.credentials, name)) return;
      let index = db.schema.createIndex(name).unique().on(t.credentials).column('lookup');
      if (dialect !== 'mysql') index = index.ifNotExists();
      await index.execute();
    },
  };
}
