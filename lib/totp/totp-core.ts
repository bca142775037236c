/**
 * Pure TOTP logic (RFC 6238): otplib 13 makes secrets and codes, the window check runs on
 * node:crypto (at the end of this file); no store, no clock of its own (`now` is injected, in
 * ms since the epoch). The strategy layer records the returned `timeStep` atomically per user;
 * the `afterTimeStep` check here is the fast path, the store's atomic consume is the guarantee.
 * Why once-only: NIST SP 800-63B-4 §3.1.4.2 (a time-based OTP is accepted only once within its
 * validity period) and OWASP ASVS 5.0 V6.5.1 (TOTPs are usable only once).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { base32nopad } from '@scure/base';
import { generate, generateSecret } from 'otplib';
import type { CodeCheck } from '../core/attempts.js';

/** The HMAC hash of RFC 6238 §1.2; every authenticator app supports `sha1`, few the others. */
export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';
/** Code lengths RFC 4226 §5.3 allows. */
export type TotpDigits = 6 | 7 | 8;

/** How codes are computed; must match what the authenticator app was set up with. */
export type TotpParams = {
  /** @default 'sha1' (what every authenticator app supports; RFC 6238 §1.2 allows SHA-256/512) */
  readonly algorithm?: TotpAlgorithm;
  /** @default 6 */
  readonly digits?: TotpDigits;
  /** Time step in seconds. @default 30 (RFC 6238 §5.2) */
  readonly period?: number;
};

/**
 * Defaults from docs/architecture.md "Factors". The window is ±1 step: RFC 6238 §5.2 recommends at most one step of
 * network delay; a wider window (passport-totp's ±3 min) gives a guesser more codes per try.
 */
export const TOTP_DEFAULTS = Object.freeze({
  /** HMAC-SHA-1, what the otpauth URI states and every app computes. */
  algorithm: 'sha1',
  /** Code length. */
  digits: 6,
  /** Time step in seconds. */
  period: 30,
  /** Steps of clock drift accepted on each side of now (the `window` option). */
  windowSteps: 1,
  /** Secret length in bytes: 160 bits (RFC 4226 §4), 32 Base32 characters. */
  secretBytes: 20,
} as const);

/** What `verifyTotp` checks: the secret, the typed code, the clock and the replay marker. */
export type VerifyTotpOptions = TotpParams & {
  /** Base32 secret (decrypted). */
  readonly secret: string;
  /** What the user typed; anything, it is validated here. */
  readonly code: unknown;
  /** Current time, ms since epoch. */
  readonly now: number;
  /** Last time step accepted for this user: steps <= it are refused as replays. */
  readonly afterTimeStep?: number | undefined;
  /**
   * Steps of clock drift accepted on each side: 0 (only the current 30 s step, OWASP ASVS 5.0
   * V6.5.5's "at most 30 seconds") or 1 (RFC 6238 §5.2's one step of network delay).
   * @default 1
   */
  readonly window?: TotpWindow;
};

/** Time steps of drift accepted on each side of now. */
export type TotpWindow = 0 | 1;

/** What `verifyTotp` found. */
export type VerifyTotpResult =
  | {
      /** The code is right for a step after `afterTimeStep`. */
      readonly valid: true;
      /**
       * The RFC 6238 time step it matched: store it atomically as the new `afterTimeStep`
       * (`CredentialStore.advanceTotpStep`), and accept the code only if that store wins.
       */
      readonly timeStep: number;
    }
  | {
      /** The code is refused. */
      readonly valid: false;
      /**
       * `malformed`: not exactly `digits` ASCII digits; `mismatch`: wrong for every step of the
       * window; `replayed`: right, but its step was already accepted.
       */
      readonly reason: 'malformed' | 'mismatch' | 'replayed';
    };

/**
 * New 160-bit secret as 32 Base32 characters (no padding). 160 bits is RFC 4226 §4's recommended
 * length and above NIST SP 800-63B-4's 112-bit minimum for OTP authenticators. otplib draws the
 * bytes from the platform CSPRNG (crypto.getRandomValues).
 */
export function generateTotpSecret(): string {
  const secret = generateSecret({ length: TOTP_DEFAULTS.secretBytes });
  if (!/^[A-Z2-7]{32}$/.test(secret)) {
    // Guard against a future otplib changing its encoding (padding, lower case, length).
    throw new Error('otplib generateSecret() did not return 32 Base32 characters');
  }
  return secret;
}

/**
 * True only for exactly `digits` ASCII digits. Runs before otplib, which throws on a wrong
 * length or format; rejects Unicode digits ('١٢٣٤٥٦', '１２３４５６'), spaces, numbers (a leading
 * zero would be lost), arrays from `code[]=` query tricks and oversized strings (docs/architecture.md, invariant 8).
 */
export function isWellFormedCode(
  input: unknown,
  digits: number = TOTP_DEFAULTS.digits,
): input is string {
  return typeof input === 'string' && input.length === digits && /^[0-9]+$/.test(input);
}

function toEpochSeconds(now: number): number {
  if (typeof now !== 'number' || !Number.isFinite(now) || now < 0) {
    throw new TypeError(
      `"now" must be a non-negative number of ms since the epoch, got ${String(now)}`,
    );
  }
  return Math.floor(now / 1000);
}

function resolveParams(p: TotpParams): Required<TotpParams> {
  const algorithm = p.algorithm ?? TOTP_DEFAULTS.algorithm;
  const digits = p.digits ?? TOTP_DEFAULTS.digits;
  const period = p.period ?? TOTP_DEFAULTS.period;
  if (!['sha1', 'sha256', 'sha512'].includes(algorithm)) {
    throw new TypeError(
      `TOTP algorithm must be 'sha1', 'sha256' or 'sha512', got ${String(algorithm)}`,
    );
  }
  if (digits !== 6 && digits !== 7 && digits !== 8) {
    throw new TypeError(`TOTP digits must be 6, 7 or 8 (RFC 4226 §5.3), got ${String(digits)}`);
  }
  if (!Number.isSafeInteger(period) || period < 1 || period > 3600) {
    throw new TypeError(
      `TOTP period must be an integer number of seconds (1-3600), got ${String(period)}`,
    );
  }
  return { algorithm, digits, period };
}

/** RFC 6238 §4.2: T = floor((unixTime - T0) / X), with T0 = 0. */
export function currentTimeStep(now: number, period: number = TOTP_DEFAULTS.period): number {
  return Math.floor(toEpochSeconds(now) / resolveParams({ period }).period);
}

/**
 * The refusal of a right code whose time step was already accepted (RFC 6238 §5.2: accept an
 * OTP once). It says to wait for the next code, and when it comes: the first step after the
 * last accepted one (`lastStep`), which is usually the next one the app shows. Telling the user
 * the code was used gives an attacker nothing: only a holder of a right code sees it, and that
 * code is spent. It still counts as a failed attempt.
 */
export function codeAlreadyUsed(
  lastStep: number,
  now: number,
  period: number = TOTP_DEFAULTS.period,
): CodeCheck {
  const next = (Math.max(lastStep, currentTimeStep(now, period)) + 1) * period;
  const nextCodeIn = Math.max(1, Math.ceil(next - toEpochSeconds(now)));
  return {
    ok: false,
    error: 'INVALID_CODE',
    details: { reason: 'code_already_used', nextCodeIn },
    message: `This code was already used. Wait for the next code from your app (in ${nextCodeIn} s) and enter that one.`,
  };
}

/** The code for `now` (tests, the example app's demo authenticator). */
export async function generateTotp(
  options: TotpParams & { readonly secret: string; readonly now: number },
): Promise<string> {
  const { algorithm, digits, period } = resolveParams(options);
  const epoch = toEpochSeconds(options.now);
  return generate({ secret: options.secret, epoch, algorithm, digits, period });
}

/**
 * Checks a code against the steps now-1, now, now+1. Never throws on the code (malformed input is
 * a result), but does throw TypeError on a bad `now`/params/afterTimeStep and on a corrupt
 * secret: those are server faults and must surface as 5xx, not as "wrong code".
 *
 * Comparison is constant-time (`crypto.timingSafeEqual` on every step of the window), never
 * `===` that stops at the first differing character.
 */
export async function verifyTotp(options: VerifyTotpOptions): Promise<VerifyTotpResult> {
  const { secret, code, now, afterTimeStep } = options;
  const { algorithm, digits, period } = resolveParams(options);
  const epoch = toEpochSeconds(now);
  if (afterTimeStep !== undefined && !(Number.isSafeInteger(afterTimeStep) && afterTimeStep >= 0)) {
    throw new TypeError(
      `afterTimeStep must be a non-negative integer time step, got ${String(afterTimeStep)}`,
    );
  }
  if (!isWellFormedCode(code, digits)) return { valid: false, reason: 'malformed' };

  const window = options.window ?? TOTP_DEFAULTS.windowSteps;
  if (window !== 0 && window !== 1) {
    throw new TypeError(`TOTP window must be 0 or 1 time steps, got ${String(window)}`);
  }
  let key: Buffer;
  try {
    key = secretKey(secret);
  } catch (cause) {
    throw new TypeError('TOTP secret is not valid Base32', { cause });
  }
  // RFC 4226 §4 (R6): at least 128 bits; shorter is a corrupt or foreign secret, a server fault.
  if (key.length < 16) throw new TypeError('TOTP secret is shorter than 128 bits');
  const step = Math.floor(epoch / period);
  const matches = matchingSteps(key, code, step, window, algorithm, digits);
  if (matches.length === 0) return { valid: false, reason: 'mismatch' };
  // The earliest unused match: two steps of the window can share the code (~1e-6), and one of
  // them may be used already.
  const fresh = matches.find((s) => afterTimeStep === undefined || s > afterTimeStep);
  return fresh === undefined
    ? { valid: false, reason: 'replayed' }
    : { valid: true, timeStep: fresh };
}

/*
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
