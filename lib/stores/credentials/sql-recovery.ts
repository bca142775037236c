/**
 * The two multi-statement transactions of the SQL credential store, both about a user's
 * recovery-code set. They take their locks in one order, the set's `credentials` row first and
 * then its code rows, so that they queue behind each other instead of deadlocking; a deadlock
 * that happens anyway (MySQL's gap locks) is retried by the caller.
 */
import type { Kysely } from 'kysely';
import type { Schema, TableNames } from './sql-schema.js';
import type { SqlDialectName } from './sql-options.js';
import type { RecoveryCodesCredential } from './rows.js';
import { recoveryCodesCredentialId } from './types.js';

/** Thrown inside a transaction to roll it back when no code matched. */
const NOT_CONSUMED = Symbol('not consumed');

/**
 * Replace the user's set: upsert the set's row (a fixed id per user), then swap its codes. The
 * upsert is the per-user lock, so concurrent replacements run one after the other and exactly
 * one set remains: never a mix, never the old digests (NIST SP 800-63B-4 §3.1.2: regenerating
 * look-up secrets invalidates the previous ones).
 */
export async function replaceCodeSet(
  db: Kysely<Schema>,
  t: TableNames,
  dialect: SqlDialectName,
  set: { id: string; userId: string; digests: readonly string[]; now: number },
): Promise<void> {
  const { id, userId, digests, now } = set;
  await db.transaction().execute(async (trx) => {
    const fresh = { created_at: now, last_used_at: null, label: null };
    const insert = trx.insertInto(t.credentials).values({
      ...fresh,
      id,
      user_id: userId,
      type: 'recovery-codes',
      data: '{}',
      last_step: -1,
    });
    await (
      dialect === 'mysql'
        ? insert.onDuplicateKeyUpdate(fresh)
        : insert.onConflict((oc) => oc.column('id').doUpdateSet(fresh))
    ).execute();
    await trx.deleteFrom(t.codes).where('user_id', '=', userId).execute();
    const rows = digests.map((digest, ordinal) => ({
      credential_id: id,
      user_id: userId,
      ordinal,
      digest,
      used_at: null,
    }));
    await trx.insertInto(t.codes).values(rows).execute();
  });
}

/**
 * Use one code. The decision is one conditional UPDATE (`used_at IS NULL`): parallel callers
 * queue on the row lock and re-check the condition, so exactly one sees a row affected
 * (NIST SP 800-63B-4 §3.1.2.2, OWASP ASVS 5.0 V6.5.1). The set's `last_used_at` is set in the
 * same transaction and rolled back when no code matched.
 */
export async function consumeCode(
  db: Kysely<Schema>,
  t: TableNames,
  code: { setId: string; userId: string; digest: string; now: number },
): Promise<boolean> {
  const { setId, userId, digest, now } = code;
  try {
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable(t.credentials)
        .set({ last_used_at: now })
        .where('id', '=', setId)
        .where('user_id', '=', userId)
        .execute();
      const result = await trx
        .updateTable(t.codes)
        .set({ used_at: now })
        .where('user_id', '=', userId)
        .where('digest', '=', digest)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw NOT_CONSUMED;
    });
    return true;
  } catch (err) {
    if (err === NOT_CONSUMED) return false;
    throw err;
  }
}

/** The recovery-code set `replaceRecoveryCodes` answers: every code unused. */
export function recoveryCodeSet(
  userId: string,
  digests: readonly string[],
  now: number,
): RecoveryCodesCredential {
  return {
    id: recoveryCodesCredentialId(userId),
    userId,
    type: 'recovery-codes',
    label: null,
    createdAt: now,
    lastUsedAt: null,
    codes: digests.map((digest) => ({ digest, usedAt: null })),
  };
}
