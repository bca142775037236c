/**
 * The passkey statements of the SQL credential store. The credential id is found through the
 * `lookup` digest (migration 0002), whose unique index makes "registered once across all users"
 * (W3C WebAuthn L3 §7.1 step 26) the database's decision, not a read-then-insert race. The sign
 * counter moves in one conditional UPDATE, so two instances verifying assertions of one
 * authenticator at once cannot both move it to the same value (§6.1.1: a counter that does not
 * grow is a sign of a cloned authenticator).
 */
import type { Kysely } from 'kysely';
import type { SqlDialectName } from './sql-options.js';
import { type JoinedRow, selectCredentials, toCredentials } from './sql-read.js';
import type { Schema, TableNames } from './sql-schema.js';
import { insertRow } from './sql-write.js';
import { passkeyLookupKey } from './types.js';
import type { PasskeyCredential } from './rows.js';

export function insertPasskey(
  db: Kysely<Schema>,
  t: TableNames,
  row: PasskeyCredential,
): Promise<void> {
  // The signature counter lives in last_step; the lookup digest finds the row by credential id.
  return insertRow(db, t, row, row.data, row.counter, passkeyLookupKey(row.data.credentialId));
}

/** The passkey with this WebAuthn credential id, whoever owns it. */
export async function findPasskeyRow(
  db: Kysely<Schema>,
  t: TableNames,
  dialect: SqlDialectName,
  credentialId: string,
): Promise<PasskeyCredential | null> {
  const owner = await db
    .selectFrom(t.credentials)
    .select(['user_id'])
    .where('lookup', '=', passkeyLookupKey(credentialId))
    .where('type', '=', 'passkey')
    .executeTakeFirst();
  if (!owner) return null;
  const rows = await selectCredentials(db, t, dialect, owner.user_id)
    .where('c.lookup', '=', passkeyLookupKey(credentialId))
    .execute();
  const found = toCredentials(rows as JoinedRow[])[0];
  // The digest matched; the stored id must too (a digest is not the id itself).
  return found?.type === 'passkey' && found.data.credentialId === credentialId ? found : null;
}

/** Forward only, or 0 → 0; one statement whose affected-row count decides. */
export async function advanceCounter(
  db: Kysely<Schema>,
  t: TableNames,
  dialect: SqlDialectName,
  key: { userId: string; id: string },
  counter: number,
  now: number,
): Promise<boolean> {
  let query = db
    .updateTable(t.credentials)
    .set({ last_step: counter, last_used_at: now })
    .where('id', '=', key.id)
    .where('user_id', '=', key.userId)
    .where('type', '=', 'passkey');
  // A counter of 0 is "this authenticator does not count" (synced passkeys): allowed only while
  // the stored one is 0 too. Any other value must be strictly greater than the stored one.
  query =
    counter === 0 ? query.where('last_step', '<=', 0) : query.where('last_step', '<', counter);
  const result = await query.executeTakeFirst();
  if (Number(result.numUpdatedRows) === 1) return true;
  // MySQL without FOUND_ROWS counts changed rows: 0 → 0 at an unchanged time reads as 0.
  if (dialect !== 'mysql' || counter !== 0) return false;
  const row = await db
    .selectFrom(t.credentials)
    .select('id')
    .where('id', '=', key.id)
    .where('user_id', '=', key.userId)
    .where('type', '=', 'passkey')
    .where('last_step', '=', 0)
    .where('last_used_at', '=', now)
    .executeTakeFirst();
  return row !== undefined;
}
