/**
 * The bearer-token rows of `MemoryCredentialStore`: same semantics as the SQL table (migration
 * 0004), each method one synchronous section, frozen copies out (docs/architecture.md,
 * invariant 22).
 */
import { CredentialConflictError } from './types.js';
import type { BearerTokenRecord } from './token-rows.js';
import { checkTokenIds, checkTokenRecord, isTokenDigest } from './token-validate.js';
import { checkNow, checkUserId } from './validate.js';

export class MemoryTokens {
  /** digest → record. */
  readonly #byDigest = new Map<string, BearerTokenRecord>();
  /** Every token id in use (unique like the SQL primary key). */
  readonly #ids = new Set<string>();

  create(record: BearerTokenRecord): void {
    const row = checkTokenRecord(record);
    if (this.#ids.has(row.id) || this.#byDigest.has(row.digest)) {
      throw new CredentialConflictError('A token with this id or digest already exists');
    }
    this.#ids.add(row.id);
    this.#byDigest.set(row.digest, row);
  }

  find(digest: string): BearerTokenRecord | null {
    if (!isTokenDigest(digest)) return null;
    return this.#byDigest.get(digest) ?? null;
  }

  list(userId: string): BearerTokenRecord[] {
    const uid = checkUserId(userId);
    return [...this.#byDigest.values()]
      .filter((row) => row.userId === uid)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  delete(userId: string, ids?: readonly string[]): number {
    const uid = checkUserId(userId);
    const given = checkTokenIds(ids);
    const wanted = given === undefined ? undefined : new Set(given);
    let removed = 0;
    for (const row of [...this.#byDigest.values()]) {
      if (row.userId !== uid || (wanted && !wanted.has(row.id))) continue;
      this.#byDigest.delete(row.digest);
      this.#ids.delete(row.id);
      removed++;
    }
    return removed;
  }

  touch(digest: string, now: number): void {
    const at = checkNow(now);
    const row = isTokenDigest(digest) ? this.#byDigest.get(digest) : undefined;
    if (row) this.#byDigest.set(digest, Object.freeze({ ...row, lastUsedAt: at }));
  }
}
