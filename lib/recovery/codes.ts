/**
 * Recovery codes (NIST "look-up secrets"): generation, input normalisation and the keyed digest
 * that is the only thing stored. Pure functions; the strategy does the store work.
 *
 * Format: 25 symbols of Crockford's Base32 alphabet (https://www.crockford.com/base32.html),
 * shown as five groups of five: `7K2QM-XW9DA-R4TNB-0HVZ8-EC3PF`.
 *   - 25 × log2(32) = 125 bits from the CSPRNG, above the 112 bits at which NIST SP 800-63B-4
 *     §3.1.2 allows an approved keyed one-way function instead of a salted password hash, and
 *     far above the 64-bit floor of the issue (OWASP ASVS 5.0 V6.5.2, V6.5.3).
 *   - The alphabet has no look-alike pairs: I, L and O are absent (only 1 and 0 exist) and U is
 *     absent (no accidental words). On input, Crockford's own rule maps O→0 and I/L→1, so a user
 *     who reads a 0 as an O still gets in; the space of accepted codes does not grow.
 *   - 32 symbols = 5 bits: one random byte masked with 31 picks a symbol without modulo bias
 *     (256 is a multiple of 32).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { toKeyBytes } from '../crypto/keys.js';

export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_LENGTH = 25;
export const GROUP_SIZE = 5;
/** Entropy of one code in bits: length × log2(alphabet size). */
export const CODE_BITS = CODE_LENGTH * Math.log2(CODE_ALPHABET.length);
/** Smallest accepted HMAC key, in bytes (HMAC-SHA-256: a key as long as the output). */
export { MIN_KEY_BYTES } from '../crypto/keys.js';

const NORMALISED = new RegExp(`^[${CODE_ALPHABET}]{${CODE_LENGTH}}$`);
/**
 * What a user may type: ASCII letters, digits, spaces and dashes, nothing else. Deliberately no
 * Unicode normalisation (NFKC would turn a fullwidth "２" or a mathematical "𝟐" into "2"): a code
 * is printed in ASCII, so anything else is a paste from somewhere unexpected or a probe, and it
 * is refused rather than silently mapped (docs/architecture.md, invariant 8).
 */
const TYPED = /^[A-Za-z0-9 -]+$/;

/** One code, grouped for reading. */
export function generateCode(): string {
  const bytes = randomBytes(CODE_LENGTH);
  let compact = '';
  for (const byte of bytes) compact += CODE_ALPHABET.charAt(byte & 31);
  return formatCode(compact);
}

/** `count` distinct codes (a repeat among 2^125 is not going to happen; the Set makes sure). */
export function generateCodes(count: number): string[] {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(generateCode());
  return [...codes];
}

/** `ABCDE…` (25 symbols) → `ABCDE-FGHJK-…`. */
export function formatCode(compact: string): string {
  const groups: string[] = [];
  for (let i = 0; i < compact.length; i += GROUP_SIZE) {
    groups.push(compact.slice(i, i + GROUP_SIZE));
  }
  return groups.join('-');
}

/**
 * What the user typed → the 25-symbol canonical form, or undefined when it cannot be a code.
 * Case, spaces and dashes are ignored wherever they are; O/I/L are read as 0/1 (Crockford).
 */
export function normalizeCode(input: string): string | undefined {
  const trimmed = input.trim();
  if (!TYPED.test(trimmed)) return undefined; // also refuses the empty string
  const compact = trimmed
    .replace(/[ -]/g, '')
    .toUpperCase()
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  return NORMALISED.test(compact) ? compact : undefined;
}

/**
 * The stored form of a code: HMAC-SHA-256 under a key kept outside the store, over the user id
 * and the canonical code, in hex. Binding the user id means a digest copied into another
 * user's record matches nothing. The domain tag separates this use of the key from any other.
 * The part after the last NUL is fixed-length Base32, so the input decodes one way only,
 * whatever the user id contains.
 */
export function codeDigest(key: Uint8Array, userId: string, canonical: string): string {
  return createHmac('sha256', key)
    .update(`passport-stepup/recovery-code/v1\0${userId}\0${canonical}`, 'utf8')
    .digest('hex');
}

/** Validate and copy the HMAC key given as bytes or as a string (its UTF-8 bytes). */
export function toHmacKey(where: string, key: unknown): Buffer {
  return toKeyBytes(where, 'hmacKey', key);
}
