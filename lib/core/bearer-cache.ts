/**
 * The hot copy of bearer tokens in the MfaStore (docs/architecture.md, invariant 22), so that a
 * bearer-guarded request costs one MfaStore read, as a cookie session costs one session-store
 * read; the credential store stays the durable truth and is read only on a miss.
 *
 * A cache must never let a revoked token through. Revocation therefore writes a tombstone
 * (`revoked`, kept until the token would have expired) in the MfaStore before it deletes the
 * rows, and a miss fills the copy only with `setIfAbsent`: a request that read the row just
 * before the revocation can neither overwrite the tombstone nor outlive it, on any instance. A
 * flushed MfaStore loses copies and tombstones alike; the rows are gone by then, so the next
 * read of the credential store refuses the token.
 */
import type { BearerTokenKind, BearerTokenRecord } from '../stores/credentials/token-rows.js';
import type { Amr } from './types.js';
import type { CredentialStore } from '../stores/credentials/types.js';
import { globalKey, type MfaStore } from '../stores/types.js';

/** The tombstone of a revoked token. */
export const REVOKED = 'revoked';

/** MfaStore key of a token's copy: its digest, never the token. */
export function bearerCacheKey(digest: string): string {
  return globalKey('bearer', digest);
}

/** How long a copy or tombstone lives: until the token's expiry (at least a second). */
export function cacheTtl(record: Pick<BearerTokenRecord, 'expiresAt'>, now: number): number {
  return Math.max(1000, record.expiresAt - now);
}

/**
 * End the user's tokens that `which` selects (all when left out): tombstones first, then the
 * rows. Returns how many ended.
 */
export async function endBearerTokens(
  store: MfaStore,
  credentials: CredentialStore,
  userId: string,
  now: number,
  which?: (record: BearerTokenRecord) => boolean,
): Promise<number> {
  const doomed = (await credentials.listTokens(userId)).filter((t) => !which || which(t));
  if (doomed.length === 0) return 0;
  for (const t of doomed) await store.set(bearerCacheKey(t.digest), REVOKED, cacheTtl(t, now));
  return credentials.deleteTokens(
    userId,
    doomed.map((t) => t.id),
  );
}

/** A token as `GET /auth/tokens` lists it: never the token. */
export interface TokenSummary {
  /** Its id, for `DELETE /auth/tokens/:id` / `revokeToken`. */
  readonly id: string;
  /** `sign-in` (`POST /auth/token`) or `personal` (made from a session). */
  readonly kind: BearerTokenKind;
  /** The user's name for it (personal tokens); null for sign-in tokens. */
  readonly label: string | null;
  /** When it was made, in ms since the epoch. */
  readonly createdAt: number;
  /** When it was last used (to the minute), in ms since the epoch; null when never. */
  readonly lastUsedAt: number | null;
  /** When it stops working, in ms since the epoch. */
  readonly expiresAt: number;
  /** The assurance level it carries. */
  readonly aal: 1 | 2 | 3;
  /** The RFC 8176 methods it was minted with. */
  readonly amr: readonly Amr[];
}

/** The user's live tokens as lists show them (`GET /auth/tokens`, `GET /auth/sessions`). */
export async function liveTokens(
  credentials: CredentialStore,
  userId: string,
  now: number,
): Promise<TokenSummary[]> {
  return (await credentials.listTokens(userId))
    .filter((t) => t.expiresAt > now)
    .map((t) => ({
      id: t.id,
      kind: t.kind,
      label: t.label,
      createdAt: t.createdAt,
      lastUsedAt: t.lastUsedAt,
      expiresAt: t.expiresAt,
      aal: t.aal,
      amr: t.amr as Amr[],
    }));
}
