/**
 * Migration 0004: bearer tokens for CLIs and API clients, stored only as digests
 * (docs/architecture.md, invariant 22). `digest` is unique (the lookup of every bearer-guarded
 * request, one indexed read); `user_id` is indexed for the user's list and for ending all of a
 * user's tokens at a password change, a reset or an admin reset.
 * Shipped migrations are never edited: a later change is a new migration.
 */
import { type Kysely, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { SqlDialectName } from './sql-options.js';
import type { TableNames } from './sql-schema.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the Migrator's own type
type AnyDb = Kysely<any>;

export function v4BearerTokens(
  dialect: SqlDialectName,
  t: TableNames,
  collation: (db: AnyDb) => Promise<string>,
  index: (
    db: AnyDb,
    dialect: SqlDialectName,
    name: string,
    table: string,
    columns: string[],
  ) => Promise<void>,
): Migration {
  return {
    async up(db: AnyDb) {
      // The same binary collation as the credentials table: ids and digests compare exactly.
      const options =
        dialect === 'mysql'
          ? sql.raw(`engine=InnoDB default charset=utf8mb4 collate=${await collation(db)}`)
          : sql``;
      // Idempotent (IF NOT EXISTS): SQLite has no migration lock, so a losing racer re-runs it.
      await db.schema
        .createTable(t.tokens)
        .ifNotExists()
        .addColumn('id', 'varchar(64)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(255)', (c) => c.notNull())
        .addColumn('digest', 'varchar(64)', (c) => c.notNull())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('label', 'varchar(255)')
        .addColumn('aal', 'integer', (c) => c.notNull())
        .addColumn('amr', 'varchar(255)', (c) => c.notNull())
        .addColumn('factors', 'varchar(255)', (c) => c.notNull())
        .addColumn('auth_time', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint(`${t.prefix}bearer_tokens_pk`, ['id'])
        .addUniqueConstraint(`${t.prefix}bearer_tokens_digest`, ['digest'])
        .modifyEnd(options)
        .execute();
      await index(db, dialect, `${t.prefix}bearer_tokens_user`, t.tokens, ['user_id']);
    },
  };
}
