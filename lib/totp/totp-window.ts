/**
 * The verify-side TOTP computation on node:crypto: the HOTP value (RFC 4226 §5.3) of each time
 * step in the window, compared with what the user typed in constant time.
 *
 * Why not otplib here (it stays for secrets, URIs and generation): its verify costs ~60-80 µs
 * per call on this path, mostly its own option layers and a pure-JS HMAC, against ~20 µs for the
 * same three HMACs on node:crypto, and a verify runs on every sign-in. The results are the same:
 * test/totp/totp.window.test.ts checks the RFC 6238 Appendix B vectors and otplib's own answers for
 * random secrets, times and algorithms.
 *
 * Every step of the window is computed and compared, match or not, so the time taken does not
 * tell which step (if any) matched (OWASP ASVS 5.0 V11.2.4, constant-time comparison of secrets).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { base32nopad } from '@scure/base';

/** A Base32 secret (RFC 4648, upper case, optional `=` padding) as key bytes. */
export function secretKey(secret: string): Buffer {
  return Buffer.from(base32nopad.decode(secret.replace(/=+$/, '')));
}

const POWERS = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];

/** RFC 4226 §5.3: dynamic truncation of HMAC(key, counter) to `digits` decimal digits. */
export function hotp(key: Buffer, counter: number, algorithm: string, digits: number): string {
  const message = Buffer.alloc(8);
  message.writeUInt32BE(Math.floor(counter / 2 ** 32), 0);
  message.writeUInt32BE(counter >>> 0, 4);
  const mac = createHmac(algorithm, key).update(message).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary =
    (((mac[offset] as number) & 0x7f) << 24) |
    ((mac[offset + 1] as number) << 16) |
    ((mac[offset + 2] as number) << 8) |
    (mac[offset + 3] as number);
  return String(binary % (POWERS[digits] as number)).padStart(digits, '0');
}

/**
 * The time steps in `[step - window, step + window]` whose code equals `code`, in ascending
 * order (two steps can share a code by chance, ~1e-6 for six digits). `code` must already be
 * `digits` ASCII digits.
 */
export function matchingSteps(
  key: Buffer,
  code: string,
  step: number,
  window: number,
  algorithm: string,
  digits: number,
): number[] {
  const typed = Buffer.from(code, 'latin1');
  const matches: number[] = [];
  for (let s = step - window; s <= step + window; s++) {
    if (s < 0) continue;
    const expected = Buffer.from(hotp(key, s, algorithm, digits), 'latin1');
    if (timingSafeEqual(expected, typed)) matches.push(s);
  }
  return matches;
}
