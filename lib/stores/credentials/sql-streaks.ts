/**
 * The durable count of consecutive second-factor failures in SQL (migration 0003): read when
 * the `MfaStore` lost its count, raised at each lock, cleared on success or admin reset
 * (docs/architecture.md, invariant 19).
 */
import { type Kysely, sql } from 'kysely';
import { toNumber } from './sql-read.js';
import type { Schema, TableNames } from './sql-schema.js';
import type { SqlDialectName } from './sql-options.js';

export async function readStreak(db: Kysely<Schema>, t: TableNames, userId: string) {
  const row = await db
    .selectFrom(t.streaks)
    .select('failures')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row ? toNumber(row.failures) : 0;
}

/**
 * Raise to `failures` in one upsert that keeps the larger value, so that two instances locking
 * at once, or a late write, can never lower the count.
 */
export async function raiseStreak(
  db: Kysely<Schema>,
  t: TableNames,
  dialect: SqlDialectName,
  row: { userId: string; failures: number; now: number },
): Promise<void> {
  const insert = db
    .insertInto(t.streaks)
    .values({ user_id: row.userId, failures: row.failures, updated_at: row.now });
  const larger =
    dialect === 'mysql'
      ? sql<number>`greatest(failures, values(failures))`
      : dialect === 'postgres'
        ? sql<number>`greatest(${sql.ref(`${t.streaks}.failures`)}, excluded.failures)`
        : sql<number>`max(failures, excluded.failures)`;
  await (
    dialect === 'mysql'
      ? insert.onDuplicateKeyUpdate({ failures: larger, updated_at: row.now })
      : insert.onConflict((oc) =>
          oc.column('user_id').doUpdateSet({ failures: larger, updated_at: row.now }),
        )
  ).execute();
}

export async function clearStreak(db: Kysely<Schema>, t: TableNames, userId: string) {
  await db.deleteFrom(t.streaks).where('user_id', '=', userId).execute();
}
