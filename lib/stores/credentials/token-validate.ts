/**
 * Checks of bearer-token rows before they are written or looked up (docs/architecture.md,
 * invariant 22): a malformed record is a caller bug (TypeError); a lookup value no row can have
 * matches nothing.
 */
import type { BearerTokenRecord } from './token-rows.js';
import { MAX_ID, MAX_TEXT, checkLabel, checkNow, checkUserId } from './validate.js';

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
