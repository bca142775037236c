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
import { createHash, randomBytes } from 'node:crypto';
import { StoreUnavailableError } from '../types.js';

export type CredentialType = 'totp' | 'recovery-codes' | 'email' | 'passkey';

export const CREDENTIAL_TYPES: readonly CredentialType[] = [
  'totp',
  'recovery-codes',
  'email',
  'passkey',
];

interface CredentialBase {
  readonly id: string;
  readonly userId: string;
  readonly label: string | null;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

/** The TOTP secret as the caller encrypted it: this store never sees the plaintext. */
export interface TotpData {
  readonly ciphertext: string;
  /** Which key encrypted `ciphertext`, so that keys can be rotated. */
  readonly keyId: string;
  readonly algorithm: 'sha1' | 'sha256' | 'sha512';
  readonly digits: number;
  readonly period: number;
}

export interface TotpCredential extends CredentialBase {
  readonly type: 'totp';
  readonly data: TotpData;
  /** Last accepted RFC 6238 time step, -1 when none. */
  readonly lastStep: number;
}

export interface RecoveryCode {
  readonly digest: string;
  readonly usedAt: number | null;
}

export interface RecoveryCodesCredential extends CredentialBase {
  readonly type: 'recovery-codes';
  /** In the order they were given to `replaceRecoveryCodes`. */
  readonly codes: readonly RecoveryCode[];
}

export interface EmailCredential extends CredentialBase {
  readonly type: 'email';
  readonly data: { readonly address: string };
}

/**
 * A WebAuthn credential as the relying party keeps it (W3C WebAuthn L3 §7.1 step 27: credential
 * id, public key, sign count, transports, backup flags). Binary values are base64url.
 */
export interface PasskeyData {
  /** The credential id the authenticator chose (≤ 1023 bytes, WebAuthn L3 §5.1). */
  readonly credentialId: string;
  /** The COSE public key from the attested credential data. */
  readonly publicKey: string;
  /** Hints for the browser (`internal`, `usb`, `hybrid`…), as the authenticator reported them. */
  readonly transports: readonly string[];
  /** `multiDevice` when the credential may be synced (backup eligible, BE flag). */
  readonly deviceType: 'singleDevice' | 'multiDevice';
  /** The BS flag at registration: the credential is backed up (synced). */
  readonly backedUp: boolean;
  /** The authenticator model, a UUID (all zeros with attestation `none` from most). */
  readonly aaguid: string;
  /** The WebAuthn user handle (`user.id`) the credential was made for: random, never the user id. */
  readonly userHandle: string;
}

export interface PasskeyCredential extends CredentialBase {
  readonly type: 'passkey';
  readonly data: PasskeyData;
  /** The last signature counter accepted (0 for authenticators that do not count). */
  readonly counter: number;
}

export type Credential =
  TotpCredential | RecoveryCodesCredential | EmailCredential | PasskeyCredential;

export interface CreateTotpInput {
  readonly userId: string;
  readonly label?: string | null;
  readonly data: TotpData;
  /** @default -1 */
  readonly lastStep?: number;
  /** @default newCredentialId() */
  readonly id?: string;
  readonly now: number;
}

export interface CreateEmailInput {
  readonly userId: string;
  readonly label?: string | null;
  readonly address: string;
  /** @default newCredentialId() */
  readonly id?: string;
  readonly now: number;
}

export interface CreatePasskeyInput {
  readonly userId: string;
  readonly label?: string | null;
  readonly data: PasskeyData;
  /** The signature counter of the registration. */
  readonly counter: number;
  /** @default newCredentialId() */
  readonly id?: string;
  readonly now: number;
}

export interface ReplaceRecoveryCodesInput {
  readonly userId: string;
  /** 1 to 100 distinct digests (the caller hashes the codes; this store never sees them). */
  readonly digests: readonly string[];
  readonly now: number;
}

export interface CredentialStore {
  /** Create the tables (versioned, idempotent migrations; safe from several processes at once). */
  migrate(): Promise<void>;
  /** All of one user's credentials, oldest first (ties by id), optionally of one type. */
  list(userId: string, type?: CredentialType): Promise<Credential[]>;
  /** One credential of this user; another user's id → null (isolation). */
  get(userId: string, id: string): Promise<Credential | null>;
  /** Insert; returns the stored row. A given `id` that exists → `CredentialConflictError`. */
  createTotp(input: CreateTotpInput): Promise<TotpCredential>;
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
  /** Release connections. Later calls reject with `CredentialStoreUnavailableError`. */
  close(): Promise<void>;
}

/**
 * The credential store cannot answer (connection refused, server gone, timeout, closed). A
 * `StoreUnavailableError`, so the router answers 503: fail closed, never "not enrolled". The
 * message names the operation only, never a value; the driver's error is the `cause`.
 */
export class CredentialStoreUnavailableError extends StoreUnavailableError {
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
