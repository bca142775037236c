/**
 * `CredentialStore`: the durable record of which authenticators a user enrolled (TOTP secrets
 * as ciphertext with their replay marker, recovery-code digests, verified email addresses,
 * passkeys). It is the one truth shared by every app instance; the short-lived `MfaStore` may be
 * flushed at any time, this store may not (losing it would silently remove a second factor).
 *
 * Rules every implementation keeps:
 * - Every method is scoped to a user id: a credential id of another user behaves as absent, so a
 *   guessed or leaked id never reaches another account (OWASP ASVS 5.0 V8.2.2, IDOR).
 * - "First one wins" methods (`consumeRecoveryCode`, `advanceTotpStep`) decide in one atomic
 *   step, because an OTP or look-up secret is accepted once (NIST SP 800-63B-4 §3.1.4.2 and
 *   §3.1.2.2, RFC 6238 §5.2, ASVS 5.0 V6.5.1).
 * - A backend failure rejects with `CredentialStoreUnavailableError` so that callers fail closed
 *   (503), never "not enrolled"; bad input rejects with `TypeError` before any query runs.
 *
 * Times are milliseconds since the epoch and always JS numbers, whatever the driver returns.
 */
import type { BearerTokenRecord } from './token-rows.js';
import { createHash, randomBytes } from 'node:crypto';
import { StoreUnavailableError } from '../types.js';
import type {
  Credential,
  CredentialType,
  EmailCredential,
  PasskeyCredential,
  PasskeyData,
  RecoveryCodesCredential,
  TotpCredential,
  TotpData,
} from './rows.js';

/** A new TOTP authenticator for `createTotp` (after the user confirmed a first code). */
export interface CreateTotpInput {
  /** The owner. */
  readonly userId: string;
  /** Display name; absent or null for none. */
  readonly label?: string | null;
  /** The secret, already encrypted by the caller. */
  readonly data: TotpData;
  /**
   * The time step of the code that confirmed the enrolment, so that the same code cannot pass
   * again as a second factor. @default -1 (none)
   */
  readonly lastStep?: number;
  /** @default newCredentialId() */
  readonly id?: string;
  /** Creation time in ms since the epoch (`createdAt`). */
  readonly now: number;
}

/** A verified email address for `createEmail`. */
export interface CreateEmailInput {
  /** The owner. */
  readonly userId: string;
  /** Display name; absent or null for none. */
  readonly label?: string | null;
  /** The address the confirmation code was sent to. */
  readonly address: string;
  /** @default newCredentialId() */
  readonly id?: string;
  /** Creation time in ms since the epoch (`createdAt`). */
  readonly now: number;
}

/** A passkey that passed registration, for `createPasskey`. */
export interface CreatePasskeyInput {
  /** The owner. */
  readonly userId: string;
  /** Display name; absent or null for none. */
  readonly label?: string | null;
  /** The verified credential (id, public key, flags). */
  readonly data: PasskeyData;
  /** The signature counter of the registration. */
  readonly counter: number;
  /** @default newCredentialId() */
  readonly id?: string;
  /** Creation time in ms since the epoch (`createdAt`). */
  readonly now: number;
}

/** A new recovery-code set for `replaceRecoveryCodes`. */
export interface ReplaceRecoveryCodesInput {
  /** The owner. */
  readonly userId: string;
  /** 1 to 100 distinct digests (the caller hashes the codes; this store never sees them). */
  readonly digests: readonly string[];
  /** Creation time of the set in ms since the epoch. */
  readonly now: number;
}

/**
 * Where enrolled factors live, durably, shared by every app instance: `sqlCredentialStore(…)`
 * in production, `MemoryCredentialStore` in tests. Implement it to keep them elsewhere; the
 * suite of `passport-stepup/testing` (`runCredentialStoreConformance`) checks the rules above:
 * user scoping, single use decided atomically, `CredentialStoreUnavailableError` on outages.
 */
export interface CredentialStore {
  /** Create the tables (versioned, idempotent migrations; safe from several processes at once). */
  migrate(): Promise<void>;
  /** All of one user's credentials, oldest first (ties by id), optionally of one type. */
  list(userId: string, type?: CredentialType): Promise<Credential[]>;
  /** One credential of this user; another user's id → null (isolation). */
  get(userId: string, id: string): Promise<Credential | null>;
  /** Insert; returns the stored row. A given `id` that exists → `CredentialConflictError`. */
  createTotp(input: CreateTotpInput): Promise<TotpCredential>;
  /** Insert a verified address; returns the stored row. A given `id` that exists → `CredentialConflictError`. */
  createEmail(input: CreateEmailInput): Promise<EmailCredential>;
  /**
   * Insert a passkey. A WebAuthn credential id is registered once across all users (WebAuthn L3
   * §7.1 step 26): one already stored, for anyone → `CredentialConflictError`.
   */
  createPasskey(input: CreatePasskeyInput): Promise<PasskeyCredential>;
  /**
   * The passkey with this WebAuthn credential id, whoever owns it, or null. The one lookup that
   * is not scoped to a user: a passwordless sign-in starts with no user, and the owner it
   * returns is then the only user the assertion may sign in.
   */
  findPasskey(credentialId: string): Promise<PasskeyCredential | null>;
  /**
   * Signature counter (WebAuthn L3 §6.1.1): moves `counter` (and `lastUsedAt`) in one
   * conditional statement, only forward, or from 0 to 0 (authenticators that do not count, such
   * as synced passkeys, always send 0). False when the counter did not move forward (a possible
   * clone) or there is no such passkey of this user.
   */
  advancePasskeyCounter(userId: string, id: string, counter: number, now: number): Promise<boolean>;
  /**
   * Replace the user's recovery-code set in one transaction: the old set and every one of its
   * digests are gone, the new set is in. A user has at most one set; its id is
   * `recoveryCodesCredentialId(userId)`, so concurrent replacements serialise on that row.
   */
  replaceRecoveryCodes(input: ReplaceRecoveryCodesInput): Promise<RecoveryCodesCredential>;
  /**
   * Single use: one conditional update (`used_at IS NULL`) whose affected-row count decides; true
   * for exactly one of many parallel callers. Also sets the set's `lastUsedAt`.
   */
  consumeRecoveryCode(userId: string, digest: string, now: number): Promise<boolean>;
  /**
   * Replay marker: moves `lastStep` to `step` (and `lastUsedAt` to `now`) in one statement, only
   * when `step` is greater. True only when it moved forward; a TOTP row of this user only.
   */
  advanceTotpStep(userId: string, id: string, step: number, now: number): Promise<boolean>;
  /** True when the credential exists (also when the label was already this one). */
  updateLabel(userId: string, id: string, label: string | null): Promise<boolean>;
  /** Replace a TOTP row's data (e.g. re-encryption under a new key); false when no such row. */
  updateTotpData(userId: string, id: string, data: TotpData): Promise<boolean>;
  /** Set `lastUsedAt`; nothing happens when the credential does not exist. */
  touch(userId: string, id: string, now: number): Promise<void>;
  /** Delete one credential (a recovery set with its codes); true when it existed. */
  delete(userId: string, id: string): Promise<boolean>;
  /** Delete all (or all of one type) of a user's credentials; the number removed. */
  deleteAll(userId: string, type?: CredentialType): Promise<number>;
  /**
   * The user's consecutive second-factor failures as last recorded durably (0 when none). The
   * `MfaStore` counts every failure; this copy, written at each lock, is what a flushed
   * `MfaStore` starts again from, so that losing short-lived state never reopens guessing
   * beyond NIST SP 800-63B-4 §3.2.2's limit (docs/architecture.md, invariant 19).
   */
  failureStreak(userId: string): Promise<number>;
  /** Raise the durable count to `failures` in one statement; a smaller value changes nothing. */
  raiseFailureStreak(userId: string, failures: number, now: number): Promise<void>;
  /** Forget the durable count (a second-factor success, an admin reset). */
  clearFailureStreak(userId: string): Promise<void>;
  /**
   * Store a bearer token's record (never the token: its digest). A second record with the same
   * id or digest is a `CredentialConflictError` (docs/architecture.md, invariant 22).
   */
  createToken(record: BearerTokenRecord): Promise<void>;
  /**
   * The token with this digest, whoever owns it, or null; expired rows are returned too (the
   * caller compares `expiresAt` with its clock). One read: what a bearer-guarded request costs.
   */
  findToken(digest: string): Promise<BearerTokenRecord | null>;
  /** The user's tokens, oldest first. */
  listTokens(userId: string): Promise<BearerTokenRecord[]>;
  /**
   * Delete the user's tokens with these ids (all of them when `ids` is left out); the number
   * removed. A token of another user is never touched.
   */
  deleteTokens(userId: string, ids?: readonly string[]): Promise<number>;
  /** Set a token's `lastUsedAt`; nothing happens when it no longer exists. */
  touchToken(digest: string, now: number): Promise<void>;
  /** Release connections. Later calls reject with `CredentialStoreUnavailableError`. */
  close(): Promise<void>;
}

/**
 * The credential store cannot answer (connection refused, server gone, timeout, closed). A
 * `StoreUnavailableError`, so the router answers 503: fail closed, never "not enrolled". The
 * message names the operation only, never a value; the driver's error is the `cause`.
 */
export class CredentialStoreUnavailableError extends StoreUnavailableError {
  /** @param options - `cause`: the driver's error, kept for logs. */
  constructor(message = 'The credential store is unreachable', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A create with an explicit `id` that another credential already has. */
export class CredentialConflictError extends Error {
  override readonly name = 'CredentialConflictError';
  constructor(message = 'A credential with this id already exists', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A fresh credential id: 128 random bits, base64url (22 characters). Unguessable, so an id seen
 * in one place cannot be used to find others (ids are also always scoped to their user).
 */
export function newCredentialId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * The indexed lookup value of a WebAuthn credential id in the SQL store: a digest, so that ids
 * of any length (up to 1023 bytes) fit one fixed-width unique index on every database.
 */
export function passkeyLookupKey(credentialId: string): string {
  return 'pk:' + createHash('sha256').update(credentialId, 'utf8').digest('base64url');
}

/** Ids with this prefix are reserved for recovery-code sets. */
export const RECOVERY_ID_PREFIX = 'rc:';

/**
 * The id of a user's recovery-code set, derived from the user id. One fixed row per user gives
 * every database a row to lock, so that two concurrent regenerations cannot leave two sets (or
 * the old digests) behind.
 */
export function recoveryCodesCredentialId(userId: string): string {
  return RECOVERY_ID_PREFIX + createHash('sha256').update(userId, 'utf8').digest('base64url');
}
