/**
 * Reading credentials back: one query (credentials left-joined with their codes, so a set and
 * its codes come from one snapshot) and the mapping from rows to `Credential` objects. Every
 * integer becomes a JS number here, whatever the driver gave. A row of a known type that cannot
 * be read fails the call (fail closed): dropping it would look like "not enrolled". A row of a
 * type this version does not know (written by a newer one) is skipped: it cannot verify it.
 */
import { type Kysely, sql } from 'kysely';
import type { SqlDialectName } from './sql-options.js';
import type { DbInt, Schema, TableNames } from './sql-schema.js';
import type { Credential, CredentialType, RecoveryCode } from './rows.js';
import { checkPasskeyData, checkTotpData } from './validate.js';

/** One user's credentials joined with their codes, in list order. */
export function selectCredentials(
  db: Kysely<Schema>,
  t: TableNames,
  dialect: SqlDialectName,
  userId: string,
) {
  // PostgreSQL sorts text by the database's locale; "C" gives code point order, as the
  // binary collations of SQLite and our MySQL tables do.
  const byId = dialect === 'postgres' ? sql`${sql.ref('c.id')} collate "C"` : sql.ref('c.id');
  return db
    .selectFrom(`${t.credentials} as c` as const)
    .leftJoin(`${t.codes} as r` as const, (join) =>
      join.onRef('r.credential_id', '=', 'c.id').onRef('r.user_id', '=', 'c.user_id'),
    )
    .select(['c.id', 'c.user_id', 'c.type', 'c.label', 'c.created_at', 'c.last_used_at'])
    .select(['c.data', 'c.last_step', 'r.digest', 'r.used_at'])
    .where('c.user_id', '=', userId)
    .orderBy('c.created_at')
    .orderBy(byId)
    .orderBy('r.ordinal');
}

/**
 * Does this user have this credential? For MySQL after an UPDATE that matched nothing: a pool
 * without the FOUND_ROWS flag counts changed rows, so an unchanged label reads as 0.
 */
export async function credentialExists(
  db: Kysely<Schema>,
  t: TableNames,
  userId: string,
  id: string,
  type?: string,
): Promise<boolean> {
  let query = db
    .selectFrom(t.credentials)
    .select('id')
    .where('id', '=', id)
    .where('user_id', '=', userId);
  if (type) query = query.where('type', '=', type);
  return (await query.executeTakeFirst()) !== undefined;
}

/** A credentials row left-joined with its recovery codes (null columns for other types). */
export interface JoinedRow {
  id: string;
  user_id: string;
  type: string;
  label: string | null;
  created_at: DbInt;
  last_used_at: DbInt | null;
  data: string;
  last_step: DbInt;
  digest: string | null;
  used_at: DbInt | null;
}

/** A stored row this version cannot read (hand-edited, truncated): surfaced as unavailable. */
export class MalformedRowError extends Error {
  override readonly name = 'MalformedRowError';
}

export function toNumber(value: DbInt): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) throw new MalformedRowError('an integer column is out of range');
  return n;
}

function toNullableNumber(value: DbInt | null): number | null {
  return value === null ? null : toNumber(value);
}

function parseData(row: JoinedRow): unknown {
  let data: unknown;
  try {
    data = JSON.parse(row.data);
  } catch (cause) {
    throw new MalformedRowError('a credential row holds data that is not JSON', { cause });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new MalformedRowError('a credential row holds data that is not an object');
  }
  return data;
}

function toCredential(row: JoinedRow, codes: readonly RecoveryCode[]): Credential | null {
  const base = {
    id: row.id,
    userId: row.user_id,
    label: row.label,
    createdAt: toNumber(row.created_at),
    lastUsedAt: toNullableNumber(row.last_used_at),
  };
  const type = row.type as CredentialType;
  switch (type) {
    case 'totp': {
      let data;
      try {
        data = checkTotpData(parseData(row));
      } catch (cause) {
        throw new MalformedRowError('a TOTP row holds unreadable data', { cause });
      }
      return { ...base, type, data, lastStep: toNumber(row.last_step) };
    }
    case 'recovery-codes':
      return { ...base, type, codes };
    case 'email': {
      const data = parseData(row) as { address?: unknown };
      if (typeof data.address !== 'string') {
        throw new MalformedRowError('an email row has no address');
      }
      return { ...base, type, data: { address: data.address } };
    }
    case 'passkey': {
      let data;
      try {
        data = checkPasskeyData(parseData(row));
      } catch (cause) {
        throw new MalformedRowError('a passkey row holds unreadable data', { cause });
      }
      return { ...base, type, data, counter: toNumber(row.last_step) };
    }
    default:
      // Written by a newer version (a type this one does not know): not ours to interpret.
      return null;
  }
}

/** Fold joined rows (ordered by credential, then code ordinal) into credentials, in order. */
export function toCredentials(rows: readonly JoinedRow[]): Credential[] {
  const out: Credential[] = [];
  let i = 0;
  while (i < rows.length) {
    const first = rows[i] as JoinedRow;
    const codes: RecoveryCode[] = [];
    for (; i < rows.length && (rows[i] as JoinedRow).id === first.id; i++) {
      const row = rows[i] as JoinedRow;
      if (row.digest !== null) {
        codes.push({ digest: row.digest, usedAt: toNullableNumber(row.used_at) });
      }
    }
    const credential = toCredential(first, codes);
    if (credential) out.push(credential);
  }
  return out;
}
