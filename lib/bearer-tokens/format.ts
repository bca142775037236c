/**
 * What a bearer token looks like (docs/architecture.md, invariant 22):
 *
 *   psu_ + 43 base62 characters (256 random bits) + 6 base62 characters (CRC-32 of the rest)
 *
 * - 256 bits from the CSPRNG: far beyond NIST SP 800-63B-4 §3.2.11's 64-bit minimum for a
 *   session secret; a guess is hopeless, so a plain SHA-256 is a safe digest to store (no salt,
 *   no slow hash needed: there is no small space to search) and a database dump holds no token.
 * - The fixed prefix and the checksum let secret scanners (GitHub's, gitleaks) recognise a
 *   leaked token without a server round trip, the scheme GitHub's tokens made common; the
 *   checksum also lets a server refuse a mistyped or truncated token without a store read.
 */
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** The fixed prefix of every token. */
export const TOKEN_PREFIX = 'psu_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY = 43;
const CHECK = 6;
const SHAPE = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${BODY + CHECK}}$`);

function base62(value: bigint, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = ALPHABET[Number(rest % 62n)] + out;
    rest /= 62n;
  }
  return out;
}

function checksum(head: string): string {
  return base62(BigInt(crc32(head)), CHECK);
}

/** A new token: 256 random bits, prefixed and checksummed. */
export function newToken(): string {
  const body = base62(BigInt('0x' + randomBytes(32).toString('hex')), BODY);
  const head = TOKEN_PREFIX + body;
  return head + checksum(head);
}

/** True when `token` has our shape and its checksum matches (no store read for typos). */
export function isWellFormedToken(token: string): boolean {
  if (!SHAPE.test(token)) return false;
  const head = token.slice(0, -CHECK);
  return checksum(head) === token.slice(-CHECK);
}

/** The stored form: base64url SHA-256 (43 characters). */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
