/**
 * Authenticated encryption for secrets at rest (TOTP seeds), with key ids for rotation.
 *
 * Why: a TOTP seed is a shared secret the server must read back, so it cannot be hashed.
 * NIST SP 800-63B-4 §3.1.4.1 asks verifiers to keep such secrets protected (encrypted, with
 * the keys held apart from the data), and OWASP ASVS 5.0 V11 (cryptography) asks for an
 * approved AEAD and for key management that allows rotation. A dump of the MFA store without
 * the keys (which live in the app's config / secret manager) yields only ciphertext.
 *
 * Format: `v1.<keyId>.<iv>.<tag>.<ct>` (base64url, no padding). AES-256-GCM, 96-bit random IV
 * (NIST SP 800-38D §8.2.2: random IVs stay safe below 2^32 messages per key; rotate long before).
 * The caller's AAD (e.g. `totp:<userId>`) is authenticated, so a ciphertext copied into another
 * user's record, or reused for another purpose, fails to decrypt. The version and key id are in
 * the authenticated data too, so the header cannot be swapped either.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The keys of `createCipher` (and of `totp({ encryptionKeys })`): to rotate, add a key, make it
 * `current`, and keep the old one until every ciphertext under it was re-encrypted.
 */
export type EncryptionKeys = {
  /** Key id used for new ciphertexts. Must be one of `keys`. */
  readonly current: string;
  /** Every key that may still decrypt: 32 bytes as a Buffer, or base64 / base64url / hex text. */
  readonly keys: Readonly<Record<string, Buffer | string>>;
};

/**
 * AES-256-GCM encryption of secrets at rest, made by `createCipher`. `aad` names purpose and
 * owner (`totp:<userId>`): a ciphertext only decrypts with the same `aad`.
 */
export interface SecretCipher {
  /**
   * Encrypts under the current key with a fresh random IV: `v1.<keyId>.<iv>.<tag>.<ct>`.
   * @throws TypeError when `aad` is empty.
   */
  encrypt(plaintext: string, aad: string): string;
  /** @throws {DecryptionError} on any malformed, tampered, wrongly bound or unknown-key input. */
  decrypt(ciphertext: string, aad: string): string;
  /** True when the ciphertext was made under a key other than `current` (rotate it on next use). */
  needsReencrypt(ciphertext: string): boolean;
  /** Decrypts (verifying integrity and AAD) and encrypts again under the current key. */
  reencrypt(ciphertext: string, aad: string): string;
}

/**
 * Why a ciphertext did not decrypt: `malformed` (not the v1 format), `unknown_key` (its key id
 * is not among `keys`, e.g. removed before everything was re-encrypted), `auth_failed`
 * (tampered, another `aad`, or a different key under the same id).
 */
export type DecryptionFailureReason = 'malformed' | 'unknown_key' | 'auth_failed';

/** Thrown by `decrypt`; `reason` is for logs and tests, never echo it to a client. */
export class DecryptionError extends Error {
  /** Always `DECRYPTION_FAILED`, to match on without `instanceof`. */
  readonly code = 'DECRYPTION_FAILED' as const;
  /** What was wrong; see {@link DecryptionFailureReason}. */
  readonly reason: DecryptionFailureReason;
  constructor(reason: DecryptionFailureReason, message: string) {
    super(message);
    this.name = 'DecryptionError';
    this.reason = reason;
  }
}

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const HOW_TO_FIX =
  'Generate a key with `openssl rand -base64 32` (or generateEncryptionKey()) ' +
  'and keep it out of the database.';

/** A fresh random key, base64 of 32 CSPRNG bytes, for config files and secret managers. */
export function generateEncryptionKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

function decodeKeyText(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  // Node's base64 decoder silently skips bad characters, so check the alphabet first and insist on
  // the canonical encoding: a typo must fail loudly instead of yielding a different key.
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return undefined;
  const bytes = Buffer.from(trimmed, 'base64');
  const canonical = bytes.toString('base64').replace(/=+$/, '');
  const given = trimmed.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  return canonical === given ? bytes : undefined;
}

function parseKey(id: string, value: unknown): Buffer {
  if (!KEY_ID_PATTERN.test(id)) {
    throw new TypeError(
      `Encryption key id ${JSON.stringify(id)} is invalid: ` +
        'use 1-32 characters from A-Z a-z 0-9 _ -.',
    );
  }
  let bytes: Buffer | undefined;
  if (typeof value === 'string') {
    bytes = decodeKeyText(value);
  } else if (value instanceof Uint8Array) {
    bytes = Buffer.from(value); // a copy: the caller zeroing or reusing theirs must not bite us
  }
  if (bytes?.length !== KEY_BYTES) {
    const got = bytes ? `${bytes.length} bytes` : 'not valid base64, base64url or hex text';
    throw new TypeError(
      `Encryption key "${id}" must be exactly ${KEY_BYTES} bytes (AES-256), got ${got}. ` +
        HOW_TO_FIX,
    );
  }
  return bytes;
}

function loadKeys(config: EncryptionKeys): { current: string; keys: Map<string, Buffer> } {
  if (typeof config !== 'object' || config === null) {
    throw new TypeError(`createCipher() needs { current, keys }. ${HOW_TO_FIX}`);
  }
  const { current, keys: raw } = config;
  if (typeof raw !== 'object' || raw === null || Object.keys(raw).length === 0) {
    throw new TypeError(`Encryption "keys" must map at least one key id to a key. ${HOW_TO_FIX}`);
  }
  const keys = new Map<string, Buffer>();
  for (const [id, value] of Object.entries(raw)) keys.set(id, parseKey(id, value));
  if (typeof current !== 'string' || !KEY_ID_PATTERN.test(current) || !keys.has(current)) {
    throw new TypeError(
      `Encryption "current" (${JSON.stringify(current)}) must name one of the configured keys: ` +
        `${[...keys.keys()].join(', ')}. Add the new key to "keys" before making it current.`,
    );
  }
  return { current, keys };
}

function authData(keyId: string, aad: string): Buffer {
  // Key ids contain no '.', so this concatenation is unambiguous.
  return Buffer.from(`${VERSION}.${keyId}.${aad}`, 'utf8');
}

function requireAad(aad: unknown): asserts aad is string {
  if (typeof aad !== 'string' || aad.length === 0) {
    throw new TypeError(
      'AAD must be a non-empty string naming purpose and owner, e.g. `totp:<userId>`.',
    );
  }
}

/** Strict base64url: rejects non-canonical text so that every character change is a change. */
function decodePart(part: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) return undefined;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : undefined;
}

type Parsed = { keyId: string; iv: Buffer; tag: Buffer; body: Buffer };

// Built only when thrown: an Error captures a stack trace, which costs more than the parse.
const malformed = (): DecryptionError =>
  new DecryptionError('malformed', 'Ciphertext is not in the v1 format.');

function parse(ciphertext: unknown): Parsed {
  if (typeof ciphertext !== 'string') throw malformed();
  const parts = ciphertext.split('.');
  if (parts.length !== 5) throw malformed();
  const [version, keyId = '', ivText = '', tagText = '', bodyText = ''] = parts;
  if (version !== VERSION || !KEY_ID_PATTERN.test(keyId)) throw malformed();
  const iv = decodePart(ivText);
  const tag = decodePart(tagText);
  const body = decodePart(bodyText);
  if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || body === undefined) throw malformed();
  return { keyId, iv, tag, body };
}

/**
 * Builds the cipher; validates the key configuration now so a bad key fails at startup,
 * never in the middle of a login.
 * @throws TypeError when a key is not exactly 32 bytes, a key id is invalid, or `current` names
 *   no configured key.
 */
export function createCipher(config: EncryptionKeys): SecretCipher {
  const { current, keys } = loadKeys(config);

  function encrypt(plaintext: string, aad: string): string {
    if (typeof plaintext !== 'string') throw new TypeError('Plaintext must be a string.');
    requireAad(aad);
    const key = keys.get(current) as Buffer; // loadKeys guarantees presence
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(authData(current, aad));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, current, iv, tag, body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  function decrypt(ciphertext: string, aad: string): string {
    requireAad(aad);
    const { keyId, iv, tag, body } = parse(ciphertext);
    const key = keys.get(keyId);
    if (!key) {
      throw new DecryptionError(
        'unknown_key',
        `Ciphertext was made with key "${keyId}", which is not configured. Keep retired keys in ` +
          '"keys" until every record has been re-encrypted.',
      );
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(authData(keyId, aad));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      // GCM tag mismatch: tampered data, wrong key, or AAD of another user/purpose.
      throw new DecryptionError('auth_failed', 'Ciphertext failed authentication.');
    }
  }

  return {
    encrypt,
    decrypt,
    needsReencrypt: (ciphertext) => parse(ciphertext).keyId !== current,
    reencrypt: (ciphertext, aad) => encrypt(decrypt(ciphertext, aad), aad),
  };
}
