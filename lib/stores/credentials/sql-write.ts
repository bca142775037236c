/**
 * The plain writes of the SQL credential store: insert a row, rename, re-encrypt, touch, delete.
 * Each is one statement scoped by `user_id` (a user never changes another user's row, OWASP
 * ASVS 5.0 V8.2.2), except the deletes that also drop a recovery-code set's code rows, which run
 * in one transaction.
 */
import type { Kysely } from 'kysely';
import type { CompiledQueries } from './sql-compiled.js';
import { credentialExists } from './sql-read.js';
import type { SqlDialectName } from './sql-options.js';
import type { Schema, TableNames } from './sql-schema.js';
import { recoveryCodesCredentialId } from './types.js';
import type { Credential, CredentialType } from './rows.js';

type Db = Kysely<Schema>;

/** Insert one credential row; `lookup` is the passkey credential-id digest (migration 0002). */
export async function insertRow(
  db: Db,
  t: TableNames,
  row: Credential,
  data: object,
  lastStep: number,
  lookup?: string,
): Promise<void> {
  await db
    .insertInto(t.credentials)
    .values({
      id: row.id,
      user_id: row.userId,
      type: row.type,
      label: row.label,
      created_at: row.createdAt,
      last_used_at: null,
      data: JSON.stringify(data),
      last_step: lastStep,
      ...(lookup !== undefined ? { lookup } : {}),
    })
    .execute();
}

/** Set a column of the user's row; true when the row exists (of `type`, when given). */
export async function updateRow(
  db: Db,
  t: TableNames,
  dialect: SqlDialectName,
  where: { readonly userId: string; readonly id: string; readonly type?: CredentialType },
  set: { readonly label: string | null } | { readonly data: string },
): Promise<boolean> {
  let query = db
    .updateTable(t.credentials)
    .set(set)
    .where('id', '=', where.id)
    .where('user_id', '=', where.userId);
  if (where.type) query = query.where('type', '=', where.type);
  const result = await query.executeTakeFirst();
  if (Number(result.numUpdatedRows) > 0) return true;
  // A MySQL pool without the FOUND_ROWS flag counts changed rows, not matched ones.
  return dialect === 'mysql' && credentialExists(db, t, where.userId, where.id, where.type);
}

export async function touchRow(
  db: Db,
  t: TableNames,
  userId: string,
  id: string,
  at: number,
): Promise<void> {
  await db
    .updateTable(t.credentials)
    .set({ last_used_at: at })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .execute();
}

/** Delete one row; a recovery-code set takes its code rows with it. */
export function deleteRow(db: Db, t: TableNames, userId: string, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .deleteFrom(t.credentials)
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (id === recoveryCodesCredentialId(userId)) {
      await trx.deleteFrom(t.codes).where('user_id', '=', userId).execute();
    }
    return Number(result.numDeletedRows) > 0;
  });
}

/** Delete the user's rows (of one type, when given); the number of credentials removed. */
export function deleteRows(
  db: Db,
  t: TableNames,
  userId: string,
  only: CredentialType | undefined,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    let query = trx.deleteFrom(t.credentials).where('user_id', '=', userId);
    if (only) query = query.where('type', '=', only);
    const result = await query.executeTakeFirst();
    if (only === undefined || only === 'recovery-codes') {
      await trx.deleteFrom(t.codes).where('user_id', '=', userId).execute();
    }
    return Number(result.numDeletedRows);
  });
}

/**
 * The TOTP replay marker (RFC 6238 §5.2: a time step is accepted once): one conditional UPDATE,
 * compiled once (sql-compiled.ts), so the database decides which of two instances wins.
 */
export async function advanceStep(
  db: Kysely<Schema>,
  t: TableNames,
  hot: CompiledQueries,
  key: { userId: string; id: string },
  step: number,
  now: number,
): Promise<boolean> {
  const result = await hot.execute(
    db,
    'advance',
    [step, now, key.id, key.userId],
    (s: number, time: number, cid: string, user: string) =>
      db
        .updateTable(t.credentials)
        .set({ last_step: s, last_used_at: time })
        .where('id', '=', cid)
        .where('user_id', '=', user)
        .where('type', '=', 'totp')
        .where('last_step', '<', s),
  );
  return Number(result.numAffectedRows) === 1;
}
