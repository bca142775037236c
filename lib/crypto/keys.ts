import { timingSafeEqual } from 'node:crypto';

/** Smallest HMAC key accepted anywhere in the library: 256 bits (NIST SP 800-107 / SP 800-224). */
export const MIN_KEY_BYTES = 32;

/**
 * Validate and copy a secret key given as bytes or as a string (its UTF-8 bytes). Used for the
 * recovery-code HMAC key, the one-time-code HMAC key and similar: keys kept outside the store
 * (NIST SP 800-63B-4 §3.1.2.2 "a secret key stored separately").
 */
export function toKeyBytes(
  where: string,
  option: string,
  key: unknown,
  hint = 'a secret store',
): Buffer {
  let bytes: Buffer;
  if (typeof key === 'string') bytes = Buffer.from(key, 'utf8');
  else if (key instanceof Uint8Array) bytes = Buffer.from(key);
  else throw new TypeError(`${where}: ${option} must be a string or a Uint8Array/Buffer`);
  if (bytes.length < MIN_KEY_BYTES) {
    throw new TypeError(
      `${where}: ${option} must be at least ${MIN_KEY_BYTES} bytes (got ${bytes.length}). ` +
        `Generate one with \`openssl rand -base64 32\`, keep it in ${hint} (not the MFA store) ` +
        "and pass Buffer.from(value, 'base64').",
    );
  }
  return bytes;
}

/**
 * Constant-time equality of two strings (OWASP ASVS 5.0 V11: no timing oracle on secrets).
 * Unequal lengths return early: lengths here are fixed by format, so they reveal nothing.
 */
export function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
