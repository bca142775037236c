// Story: an attacker with write access to the MFA store (SQL injection, a leaked Redis) edits a
// stored TOTP ciphertext, or copies their own into a victim's record to log in with their own
// authenticator. Every such edit must fail to decrypt; keys must rotate without a flag day.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DecryptionError,
  createCipher,
  generateEncryptionKey,
} from '../../lib/crypto/encryption.js';

const K1 = randomBytes(32);
const K2 = randomBytes(32);
const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const AAD = 'totp:user-1';

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function expectDecryptionError(fn: () => unknown, reason?: string): void {
  const error = catchError(fn);
  expect(error).toBeInstanceOf(DecryptionError);
  if (reason) expect(error).toMatchObject({ reason, code: 'DECRYPTION_FAILED' });
}

/** Replace one character with a different one from the same (base64url) alphabet. */
function flipChar(text: string, index: number): string {
  const c = text[index];
  const replacement = c === 'A' ? 'B' : 'A';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe('encrypt / decrypt', () => {
  const cipher = createCipher({ current: 'k1', keys: { k1: K1 } });

  it('round-trips, in the v1.<keyId>.<iv>.<tag>.<ct> format', () => {
    const ct = cipher.encrypt(SECRET, AAD);
    expect(ct).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(cipher.decrypt(ct, AAD)).toBe(SECRET);
    expect(cipher.decrypt(cipher.encrypt('', AAD), AAD)).toBe('');
    expect(cipher.decrypt(cipher.encrypt('ünïcødé ✓', AAD), AAD)).toBe('ünïcødé ✓');
  });

  it('uses a fresh IV each time and never contains the plaintext', () => {
    const a = cipher.encrypt(SECRET, AAD);
    const b = cipher.encrypt(SECRET, AAD);
    expect(a).not.toBe(b);
    for (const ct of [a, b]) {
      expect(ct).not.toContain(SECRET);
      expect(ct).not.toContain(Buffer.from(SECRET).toString('base64url'));
      expect(ct).not.toContain(Buffer.from(SECRET).toString('hex'));
    }
  });

  it.each([
    ['iv', 2],
    ['tag', 3],
    ['ciphertext', 4],
  ])('detects a change to any character of the %s', (_name, part) => {
    const ct = cipher.encrypt(SECRET, AAD);
    const parts = ct.split('.');
    const target = parts[part] ?? '';
    for (let i = 0; i < target.length; i++) {
      const tampered = [...parts];
      tampered[part] = flipChar(target, i);
      expectDecryptionError(() => cipher.decrypt(tampered.join('.'), AAD));
    }
  });

  it('detects a tampered version, key id or structure', () => {
    const ct = cipher.encrypt(SECRET, AAD);
    const [, , iv, tag, body] = ct.split('.');
    expectDecryptionError(() => cipher.decrypt(`v2.k1.${iv}.${tag}.${body}`, AAD), 'malformed');
    expectDecryptionError(() => cipher.decrypt(`v1.k2.${iv}.${tag}.${body}`, AAD), 'unknown_key');
    expectDecryptionError(() => cipher.decrypt(`${ct}.x`, AAD), 'malformed');
    expectDecryptionError(() => cipher.decrypt(ct.slice(0, -1), AAD));
    expectDecryptionError(() => cipher.decrypt(`${ct}=`, AAD), 'malformed');
    expectDecryptionError(() => cipher.decrypt('', AAD), 'malformed');
    expectDecryptionError(() => cipher.decrypt(123 as unknown as string, AAD), 'malformed');
  });

  it('binds the ciphertext to its AAD: another user or purpose fails', () => {
    const ct = cipher.encrypt(SECRET, AAD);
    expectDecryptionError(() => cipher.decrypt(ct, 'totp:user-2'), 'auth_failed');
    expectDecryptionError(() => cipher.decrypt(ct, 'email:user-1'), 'auth_failed');
    expectDecryptionError(() => cipher.decrypt(ct, 'totp:user-10'), 'auth_failed');
  });

  it('fails under a different key with the same id (key replaced instead of rotated)', () => {
    const ct = cipher.encrypt(SECRET, AAD);
    const other = createCipher({ current: 'k1', keys: { k1: K2 } });
    expectDecryptionError(() => other.decrypt(ct, AAD), 'auth_failed');
  });

  it('requires a non-empty AAD', () => {
    expect(() => cipher.encrypt(SECRET, '')).toThrow(TypeError);
    expect(() => cipher.decrypt(cipher.encrypt(SECRET, AAD), '')).toThrow(TypeError);
  });
});

describe('key rotation', () => {
  const old = createCipher({ current: 'k1', keys: { k1: K1 } });
  const rotated = createCipher({ current: 'k2', keys: { k1: K1, k2: K2 } });

  it('decrypts old ciphertexts, flags them, and re-encrypts under the new key', () => {
    const ct1 = old.encrypt(SECRET, AAD);
    expect(rotated.decrypt(ct1, AAD)).toBe(SECRET);
    expect(rotated.needsReencrypt(ct1)).toBe(true);
    const ct2 = rotated.reencrypt(ct1, AAD);
    expect(ct2.startsWith('v1.k2.')).toBe(true);
    expect(rotated.needsReencrypt(ct2)).toBe(false);
    expect(rotated.decrypt(ct2, AAD)).toBe(SECRET);
    expectDecryptionError(() => old.decrypt(ct2, AAD), 'unknown_key');
  });

  it('refuses to re-encrypt a ciphertext bound to another AAD', () => {
    const ct1 = old.encrypt(SECRET, AAD);
    expectDecryptionError(() => rotated.reencrypt(ct1, 'totp:user-2'), 'auth_failed');
  });

  it('once the old key is removed, its ciphertexts fail with unknown_key', () => {
    const ct1 = old.encrypt(SECRET, AAD);
    const only2 = createCipher({ current: 'k2', keys: { k2: K2 } });
    expectDecryptionError(() => only2.decrypt(ct1, AAD), 'unknown_key');
    expect(only2.needsReencrypt(ct1)).toBe(true);
    expect(() => only2.needsReencrypt('garbage')).toThrow(DecryptionError);
  });
});

describe('key configuration', () => {
  it('accepts base64, base64url, hex and Buffer keys', () => {
    const raw = randomBytes(32);
    const forms = [raw, raw.toString('base64'), raw.toString('base64url'), raw.toString('hex')];
    for (const key of forms) {
      const a = createCipher({ current: 'k', keys: { k: key } });
      const b = createCipher({ current: 'k', keys: { k: raw } });
      expect(b.decrypt(a.encrypt(SECRET, AAD), AAD)).toBe(SECRET);
    }
  });

  it('generateEncryptionKey gives base64 of 32 random bytes', () => {
    const key = generateEncryptionKey();
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(key).not.toBe(generateEncryptionKey());
    expect(() => createCipher({ current: 'k', keys: { k: key } })).not.toThrow();
  });

  const one = (key: Buffer | string) => ({ current: 'k', keys: { k: key } });
  it.each([
    ['a 31-byte key', one(randomBytes(31)), /exactly 32 bytes.*openssl rand -base64 32/],
    ['a 33-byte key', one(randomBytes(33).toString('base64')), /got 33 bytes/],
    ['text that is not a key', one('hunter2!'), /not valid base64/],
    ['a 63-char hex string', one('a'.repeat(63)), /32 bytes/],
    ['a missing current key', { current: 'k2', keys: { k1: K1 } }, /"current".*k1.*Add the new/],
    ['no keys at all', { current: 'k', keys: {} }, /at least one key/],
    ['a key id with a dot', { current: 'k.1', keys: { 'k.1': K1 } }, /key id "k\.1" is invalid/],
    ['a key id too long', { current: 'k', keys: { k: K1, ['x'.repeat(33)]: K2 } }, /1-32 char/],
  ])('rejects %s with a TypeError that says how to fix it', (_name, config, message) => {
    expect(() => createCipher(config)).toThrow(TypeError);
    expect(() => createCipher(config)).toThrow(message);
  });

  it("copies Buffer keys, so mutating the caller's buffer later changes nothing", () => {
    const key = Buffer.from(K1);
    const cipher = createCipher({ current: 'k', keys: { k: key } });
    const ct = cipher.encrypt(SECRET, AAD);
    key.fill(0);
    expect(cipher.decrypt(ct, AAD)).toBe(SECRET);
  });
});
