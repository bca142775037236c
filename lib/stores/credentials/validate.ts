/**
 * Input checks shared by every credential store, run before any query. One rule set for all
 * backends, so that a value one database would truncate, reject or silently re-encode never
 * reaches any of them:
 * - lengths count Unicode code points, as `varchar(n)` does in PostgreSQL and MySQL (utf8mb4);
 * - NUL is refused (PostgreSQL `text` cannot hold it) and so are lone UTF-16 surrogates (they
 *   would be stored as U+FFFD, so two different user ids could become one: an isolation bug);
 * - messages name the field and the rule, never the value (a digest is secret-derived).
 */
import {
  newCredentialId,
  type CreateEmailInput,
  type CreatePasskeyInput,
  type CreateTotpInput,
  RECOVERY_ID_PREFIX,
} from './types.js';
import {
  CREDENTIAL_TYPES,
  type CredentialType,
  type EmailCredential,
  type PasskeyCredential,
  type PasskeyData,
  type TotpCredential,
  type TotpData,
} from './rows.js';

/** Longest user id and label, in code points. */
export const MAX_TEXT = 255;
/** Longest credential id (the `id` column is `varchar(64)`). */
export const MAX_ID = 64;
/** Longest recovery-code digest (`varchar(128)`). */
export const MAX_DIGEST = 128;
export const MAX_CODES = 100;
const MAX_ADDRESS = 320; // RFC 5321 §4.5.3.1: 64 (local part) + 1 + 255 (domain)
const MAX_CIPHERTEXT = 4096;
const ALGORITHMS: ReadonlySet<string> = new Set(['sha1', 'sha256', 'sha512']);

// With the `u` flag a surrogate pair is one code point, so this matches lone halves only.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Why a string is not acceptable, or null when it is. */
function problem(value: unknown, min: number, max: number): string | null {
  if (typeof value !== 'string') return 'must be a string';
  // A string never has more code points than UTF-16 units: count only when it might be too long.
  const n = value.length <= max ? value.length : codePointLength(value);
  if (value.length < min) return 'must not be empty';
  if (n > max) return `must be at most ${max} characters`;
  if (value.includes('\u0000') || LONE_SURROGATE.test(value))
    return 'must be well-formed Unicode without NUL';
  return null;
}

function text(value: unknown, field: string, min: number, max: number): string {
  const why = problem(value, min, max);
  if (why !== null) throw new TypeError(`CredentialStore: ${field} ${why}`);
  return value as string;
}

export function checkUserId(userId: unknown): string {
  return text(userId, 'userId', 1, MAX_TEXT);
}

export function checkLabel(label: unknown): string | null {
  if (label === undefined || label === null) return null;
  return text(label, 'label', 0, MAX_TEXT);
}

/** The id of a new credential: the given one (checked) or a fresh random one. */
export function checkNewId(id: unknown): string {
  if (id === undefined) return newCredentialId();
  const value = text(id, 'id', 1, MAX_ID);
  if (value.startsWith(RECOVERY_ID_PREFIX)) {
    throw new TypeError(`CredentialStore: ids starting with "${RECOVERY_ID_PREFIX}" are reserved`);
  }
  return value;
}

/**
 * For lookups: an id or digest that no row can have (too long, NUL, lone surrogate) simply
 * matches nothing. It often comes from a URL, and "not found" is the honest answer.
 */
export function isLookupValue(value: unknown, field: string, max: number): value is string {
  if (typeof value !== 'string') throw new TypeError(`CredentialStore: ${field} must be a string`);
  return problem(value, 1, max) === null;
}

function integer(value: unknown, field: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new TypeError(`CredentialStore: ${field} must be an integer >= ${min}`);
  }
  return value;
}

export function checkNow(now: unknown): number {
  return integer(now, 'now (ms since epoch)', 0);
}

/** A count of consecutive failures (an `integer` column: at most 2^31 - 1). */
export function checkFailures(failures: unknown): number {
  const n = integer(failures, 'failures', 0);
  if (n > 2_147_483_647) throw new TypeError('CredentialStore: failures must be < 2^31');
  return n;
}

/** An RFC 6238 time step T (§4.2: T = floor((now - T0) / X), never negative). */
export function checkStep(step: unknown): number {
  return integer(step, 'step', 0);
}

export function checkLastStep(lastStep: unknown): number {
  return lastStep === undefined ? -1 : integer(lastStep, 'lastStep', -1);
}

export function checkType(type: unknown): CredentialType | undefined {
  if (type === undefined) return undefined;
  if (!CREDENTIAL_TYPES.includes(type as CredentialType)) {
    throw new TypeError(`CredentialStore: type must be one of ${CREDENTIAL_TYPES.join(', ')}`);
  }
  return type as CredentialType;
}

/** A clean copy with exactly the known fields, so nothing unexpected is persisted. */
export function checkTotpData(data: unknown): TotpData {
  if (typeof data !== 'object' || data === null) {
    throw new TypeError('CredentialStore: TOTP data must be an object');
  }
  const d = data as Partial<Record<keyof TotpData, unknown>>;
  const algorithm = d.algorithm;
  if (typeof algorithm !== 'string' || !ALGORITHMS.has(algorithm)) {
    throw new TypeError('CredentialStore: TOTP algorithm must be sha1, sha256 or sha512');
  }
  const digits = integer(d.digits, 'TOTP digits', 6); // RFC 4226 §5.3: at least 6
  if (digits > 10) throw new TypeError('CredentialStore: TOTP digits must be at most 10');
  const period = integer(d.period, 'TOTP period', 1);
  if (period > 3600) throw new TypeError('CredentialStore: TOTP period must be at most 3600');
  return {
    ciphertext: text(d.ciphertext, 'TOTP ciphertext', 1, MAX_CIPHERTEXT),
    keyId: text(d.keyId, 'TOTP keyId', 1, MAX_TEXT),
    algorithm: algorithm as TotpData['algorithm'],
    digits,
    period,
  };
}

export function checkAddress(address: unknown): string {
  return text(address, 'email address', 1, MAX_ADDRESS);
}

export function checkDigests(digests: unknown): string[] {
  if (!Array.isArray(digests) || digests.length < 1 || digests.length > MAX_CODES) {
    throw new TypeError(`CredentialStore: digests must be an array of 1 to ${MAX_CODES} strings`);
  }
  const out = digests.map((d: unknown) => text(d, 'digest', 1, MAX_DIGEST));
  if (new Set(out).size !== out.length) {
    throw new TypeError('CredentialStore: digests must be distinct');
  }
  return out;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const AAGUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TRANSPORT = /^[a-z-]{1,32}$/;

function base64url(value: unknown, field: string, max: number): string {
  const s = text(value, field, 1, max);
  if (!BASE64URL.test(s)) throw new TypeError(`CredentialStore: ${field} must be base64url`);
  return s;
}

/** A WebAuthn credential id (≤ 1023 bytes: 1364 base64url characters, WebAuthn L3 §5.1). */
export function checkCredentialId(value: unknown): string {
  return base64url(value, 'passkey credentialId', 1364);
}

/** A clean copy with exactly the known fields, so nothing unexpected is persisted. */
export function checkPasskeyData(data: unknown): PasskeyData {
  if (typeof data !== 'object' || data === null) {
    throw new TypeError('CredentialStore: passkey data must be an object');
  }
  const d = data as Partial<Record<keyof PasskeyData, unknown>>;
  const transports = d.transports;
  if (
    !Array.isArray(transports) ||
    transports.length > 10 ||
    !transports.every((t: unknown) => typeof t === 'string' && TRANSPORT.test(t))
  ) {
    throw new TypeError('CredentialStore: passkey transports must be up to 10 short names');
  }
  if (d.deviceType !== 'singleDevice' && d.deviceType !== 'multiDevice') {
    throw new TypeError('CredentialStore: passkey deviceType must be singleDevice or multiDevice');
  }
  if (typeof d.backedUp !== 'boolean') {
    throw new TypeError('CredentialStore: passkey backedUp must be a boolean');
  }
  if (typeof d.aaguid !== 'string' || !AAGUID.test(d.aaguid)) {
    throw new TypeError('CredentialStore: passkey aaguid must be a lower-case UUID');
  }
  return {
    credentialId: checkCredentialId(d.credentialId),
    publicKey: base64url(d.publicKey, 'passkey publicKey', 2048),
    transports: [...(transports as string[])],
    deviceType: d.deviceType,
    backedUp: d.backedUp,
    aaguid: d.aaguid,
    userHandle: base64url(d.userHandle, 'passkey userHandle', 86), // 64 bytes, WebAuthn L3 §5.4.3
  };
}

/** A WebAuthn signature counter: an unsigned 32-bit integer (WebAuthn L3 §6.1). */
export function checkCounter(counter: unknown): number {
  const n = integer(counter, 'passkey counter', 0);
  if (n > 0xffffffff) throw new TypeError('CredentialStore: passkey counter must fit 32 bits');
  return n;
}

/** The row a `createPasskey` call stores, every field checked (shared by all stores). */
export function checkPasskeyInput(input: CreatePasskeyInput): PasskeyCredential {
  return {
    id: checkNewId(input.id),
    userId: checkUserId(input.userId),
    type: 'passkey',
    label: checkLabel(input.label),
    createdAt: checkNow(input.now),
    lastUsedAt: null,
    data: checkPasskeyData(input.data),
    counter: checkCounter(input.counter),
  };
}

/** The row a `createTotp` call stores, every field checked (shared by all stores). */
export function checkTotpInput(input: CreateTotpInput): TotpCredential {
  return {
    id: checkNewId(input.id),
    userId: checkUserId(input.userId),
    type: 'totp',
    label: checkLabel(input.label),
    createdAt: checkNow(input.now),
    lastUsedAt: null,
    data: checkTotpData(input.data),
    lastStep: checkLastStep(input.lastStep),
  };
}

/** The row a `createEmail` call stores, every field checked (shared by all stores). */
export function checkEmailInput(input: CreateEmailInput): EmailCredential {
  return {
    id: checkNewId(input.id),
    userId: checkUserId(input.userId),
    type: 'email',
    label: checkLabel(input.label),
    createdAt: checkNow(input.now),
    lastUsedAt: null,
    data: { address: checkAddress(input.address) },
  };
}
