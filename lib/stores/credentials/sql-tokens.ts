/**
 * The bearer-token statements of the SQL credential store (migration 0004). The lookup by digest
 * is the whole cost of a bearer-guarded request: one indexed read, compiled once
 * (sql-compiled.ts); revocation is a DELETE, so it holds on every instance at the next request,
 * with nothing cached to go stale (docs/architecture.md, invariant 22).
 */
import type { Kysely, Selectable } from 'kysely';
import type { CompiledQueries } from './sql-compiled.js';
import { MalformedRowError, toNumber } from './sql-read.js';
import type { BearerTokensTable, Schema, TableNames } from './sql-schema.js';
import type { BearerTokenKind, BearerTokenRecord } from './token-rows.js';

const words = (value: string): string[] => (value === '' ? [] : value.split(' '));

function toRecord(row: Selectable<BearerTokensTable>): BearerTokenRecord {
  const aal = toNumber(row.aal);
  if (
    (aal !== 1 && aal !== 2 && aal !== 3) ||
    (row.kind !== 'sign-in' && row.kind !== 'personal')
  ) {
    throw new MalformedRowError('A bearer token row has an unknown kind or level');
  }
  return Object.freeze({
    id: row.id,
    userId: row.user_id,
    digest: row.digest,
    kind: row.kind as BearerTokenKind,
    label: row.label,
    aal,
    amr: Object.freeze(words(row.amr)),
    factors: Object.freeze(words(row.factors)),
    authTime: toNumber(row.auth_time),
    createdAt: toNumber(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : toNumber(row.last_used_at),
    expiresAt: toNumber(row.expires_at),
    subject: row.subject,
  });
}

export async function insertToken(
  db: Kysely<Schema>,
  t: TableNames,
  r: BearerTokenRecord,
): Promise<void> {
  await db
    .insertInto(t.tokens)
    .values({
      id: r.id,
      user_id: r.userId,
      digest: r.digest,
      kind: r.kind,
      label: r.label,
      aal: r.aal,
      amr: r.amr.join(' '),
      factors: r.factors.join(' '),
      auth_time: r.authTime,
      created_at: r.createdAt,
      last_used_at: r.lastUsedAt,
      expires_at: r.expiresAt,
      subject: r.subject,
    })
    .execute();
}

export async function selectToken(
  db: Kysely<Schema>,
  t: TableNames,
  hot: CompiledQueries,
  digest: string,
): Promise<BearerTokenRecord | null> {
  const { rows } = await hot.execute(db, 'token-by-digest', [digest], (d: string) =>
    db.selectFrom(t.tokens).selectAll().where('digest', '=', d),
  );
  const row = rows[0] as Selectable<BearerTokensTable> | undefined;
  return row ? toRecord(row) : null;
}

export async function selectTokens(
  db: Kysely<Schema>,
  t: TableNames,
  userId: string,
): Promise<BearerTokenRecord[]> {
  const rows = await db
    .selectFrom(t.tokens)
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toRecord);
}

export async function deleteTokenRows(
  db: Kysely<Schema>,
  t: TableNames,
  userId: string,
  ids: readonly string[] | undefined,
): Promise<number> {
  if (ids !== undefined && ids.length === 0) return 0;
  let query = db.deleteFrom(t.tokens).where('user_id', '=', userId);
  if (ids !== undefined) query = query.where('id', 'in', [...ids]);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function touchTokenRow(
  db: Kysely<Schema>,
  t: TableNames,
  digest: string,
  now: number,
): Promise<void> {
  await db.updateTable(t.tokens).set({ last_used_at: now }).where('digest', '=', digest).execute();
}
