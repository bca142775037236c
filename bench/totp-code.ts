/**
 * A synchronous RFC 6238 code generator for the load generator: autocannon's `setupRequest` is
 * synchronous, and it must compute the code of the current 30 s step at the moment it sends.
 * `run.ts` checks it against the library's own `generateTotp()` before any measurement.
 */
import { createHmac } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Base32 (RFC 4648, upper case, no padding) to bytes. */
export function base32Decode(text: string): Buffer {
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text.replace(/=+$/, '')) {
    const index = ALPHABET.indexOf(char);
    if (index < 0) throw new TypeError(`not Base32: ${JSON.stringify(char)}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The 6-digit SHA-1 TOTP code of `key` at `nowMs` (30 s steps, T0 = 0). */
export function totpCode(key: Buffer, nowMs: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(nowMs / 30_000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}
