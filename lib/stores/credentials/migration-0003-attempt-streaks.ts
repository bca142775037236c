/**
 * Migration 0003: the durable count of consecutive second-factor failures, one row per user.
 * The `MfaStore` counts each failure; this row is raised at every lock and read when the
 * `MfaStore` has lost its count (a Redis flush, a restart), so that at most NIST SP 800-63B-4
 * §3.2.2's 100 consecutive failures are ever compared (docs/architecture.md, invariant 19).
 * Shipped migrations are never edited: a later change is a new migration.
 */
import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { SqlDialectName } from './sql-options.js';
import type { TableNames } from './sql-schema.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the Migrator's own type
type AnyDb = Kysely<any>;

export function v3AttemptStreaks(
  dialect: SqlDialectName,
  t: TableNames,
  collation: (db: AnyDb) => Promise<string>,
): Migration {
  return {
    async up(db: AnyDb) {
      // The same binary collation as the credentials table: user ids compare exactly.
      const options =
        dialect === 'mysql'
          ? sql.raw(`engine=InnoDB default charset=utf8mb4 collate=${await collation(db)}`)
          : sql``;
      // Idempotent (IF NOT EXISTS): SQLite has no migration lock, so a losing racer re-runs it.
      await db.schema
        .createTable(t.streaks)
        .ifNotExists()
        .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${t.prefix}attempt_streaks_pk`, ['user_id'])
        .modifyEnd(options)
        .execute();
    },
  };
}
