/**
 * Bearer tokens as the credential store keeps them (docs/architecture.md, invariant 22): the
 * token itself is never stored, only its SHA-256 digest, so that a dump of the database holds no
 * usable token (OWASP ASVS 5.0 V7.2.2: no static secret for a session; the digest of a 256-bit
 * random value cannot be reversed or guessed). Each row carries what the token proves (aal, amr,
 * the factors and when they passed), so that a guard can decide from one read.
 */
/** `sign-in`: from `POST /auth/token` (hours); `personal`: created from a session (days). */
export type BearerTokenKind = 'sign-in' | 'personal';

/** One bearer token as stored: everything but the secret. */
export interface BearerTokenRecord {
  /** Public id (list, revoke); not the token. */
  readonly id: string;
  /** Whose token it is. */
  readonly userId: string;
  /** base64url SHA-256 of the token: the lookup key. */
  readonly digest: string;
  /** `sign-in` or `personal`. */
  readonly kind: BearerTokenKind;
  /** The user's name for a personal token; null for a sign-in token. */
  readonly label: string | null;
  /** The assurance level it was minted with (NIST SP 800-63B-4 §2). */
  readonly aal: 1 | 2 | 3;
  /** RFC 8176 methods proven when it was minted. */
  readonly amr: readonly string[];
  /** Second factors (strategy names) proven when it was minted; empty for a password alone. */
  readonly factors: readonly string[];
  /** When the authentication it carries happened (ms since the epoch): `max_age` counts from it. */
  readonly authTime: number;
  /** When it was minted (ms since the epoch). */
  readonly createdAt: number;
  /** When it was last used, to the minute (ms since the epoch); null when never. */
  readonly lastUsedAt: number | null;
  /** When it stops working (ms since the epoch). */
  readonly expiresAt: number;
  /** What the app's `serializeUser` made of the user (JSON), for `deserializeUser` per request. */
  readonly subject: string;
}
