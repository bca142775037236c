/**
 * Bearer tokens as the credential store keeps them (docs/architecture.md, invariant 22): the
 * token itself is never stored, only its SHA-256 digest, so that a dump of the database holds no
 * usable token (OWASP ASVS 5.0 V7.2.2: no static secret for a session; the digest of a 256-bit
 * random value cannot be reversed or guessed). Each row carries what the token proves (aal, amr,
 * the factors and when they passed), so that a guard can decide from one read.
 */
import { MAX_ID, MAX_TEXT, checkLabel, checkNow, checkUserId } from './validate.js';

/** `sign-in`: from `POST /auth/token` (hours); `personal`: created from a session (days). */
export type BearerTokenKind = 'sign-in' | 'personal';

/** One bearer token as stored: everything but the secret. */
export interface BearerTokenRecord {
  /** Public id (list, revoke); not the token. */
  readonly id: string;
  readonly userId: string;
  /** base64url SHA-256 of the token: the lookup key. */
  readonly digest: string;
  readonly kind: BearerTokenKind;
  readonly label: string | null;
  /** The assurance level it was minted with (NIST SP 800-63B-4 §2). */
  readonly aal: 1 | 2 | 3;
  /** RFC 8176 methods proven when it was minted. */
  readonly amr: readonly string[];
  /** Second factors (strategy names) proven when it was minted; empty for a password alone. */
  readonly factors: readonly string[];
  /** When the authentication it carries happened (ms since the epoch): `max_age` counts from it. */
  readonly authTime: number;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly expiresAt: number;
  /** What the app's `serializeUser` made of the user (JSON), for `deserializeUser` per request. */
  readonly subject: string;
}

/** The longest `subject` (serialized user) a row may carry. */
export const MAX_SUBJECT = 4096;
const DIGEST = /^[A-Za-z0-9_-]{43}$/;
const WORD = /^[a-z0-9-]{1,32}$/;

/** True when `digest` has the shape of a stored digest (anything else matches no row). */
export function isTokenDigest(digest: unknown): digest is string {
  return typeof digest === 'string' && DIGEST.test(digest);
}

function words(value: unknown, field: string): string[] {
  if (
    !Array.isArray(value) ||
    value.length > 8 ||
    !value.every((w) => typeof w === 'string' && WORD.test(w))
  ) {
    throw new TypeError(`CredentialStore: token ${field} must be up to 8 short lowercase words`);
  }
  return [...(value as string[])];
}

/** The ids of `deleteTokens`: an array (or none: all); ids no row can have match nothing. */
export function checkTokenIds(ids: unknown): readonly string[] | undefined {
  if (ids === undefined) return undefined;
  if (!Array.isArray(ids)) throw new TypeError('CredentialStore: ids must be an array');
  return ids.filter(
    (id): id is string => typeof id === 'string' && id.length > 0 && id.length <= MAX_ID,
  );
}

/** Check a record before it is written; a malformed one is a caller bug (TypeError). */
export function checkTokenRecord(input: BearerTokenRecord): BearerTokenRecord {
  if (typeof input !== 'object' || input === null) {
    throw new TypeError('CredentialStore: token must be an object');
  }
  if (typeof input.id !== 'string' || input.id.length < 1 || input.id.length > MAX_ID) {
    throw new TypeError(`CredentialStore: token id must be 1-${MAX_ID} characters`);
  }
  if (!isTokenDigest(input.digest)) {
    throw new TypeError('CredentialStore: token digest must be a base64url SHA-256');
  }
  if (input.kind !== 'sign-in' && input.kind !== 'personal') {
    throw new TypeError('CredentialStore: token kind must be "sign-in" or "personal"');
  }
  if (input.aal !== 1 && input.aal !== 2 && input.aal !== 3) {
    throw new TypeError('CredentialStore: token aal must be 1, 2 or 3');
  }
  if (typeof input.subject !== 'string' || input.subject.length > MAX_SUBJECT) {
    throw new TypeError(
      `CredentialStore: token subject must be a string of at most ${MAX_SUBJECT}`,
    );
  }
  const createdAt = checkNow(input.createdAt);
  const expiresAt = checkNow(input.expiresAt);
  if (expiresAt <= createdAt) throw new TypeError('CredentialStore: token expiresAt <= createdAt');
  const label = checkLabel(input.label);
  if (label !== null && label.length > MAX_TEXT) throw new TypeError('CredentialStore: label');
  return Object.freeze({
    id: input.id,
    userId: checkUserId(input.userId),
    digest: input.digest,
    kind: input.kind,
    label,
    aal: input.aal,
    amr: Object.freeze(words(input.amr, 'amr')),
    factors: Object.freeze(words(input.factors, 'factors')),
    authTime: checkNow(input.authTime),
    createdAt,
    lastUsedAt: input.lastUsedAt === null ? null : checkNow(input.lastUsedAt),
    expiresAt,
    subject: input.subject,
  });
}
