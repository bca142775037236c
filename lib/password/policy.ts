/**
 * Password policy for sign-up and password change (never for login: a login compares, it does not
 * judge). What NIST SP 800-63B-4 §3.1.1.2 and OWASP ASVS 5.0 V6.2 ask, and nothing more:
 *
 * - length 8..128, counted in Unicode code points after NFKC normalisation (NIST: "each Unicode
 *   code point SHALL be counted as a single character"); a maximum of at least 64 is required
 *   (NIST; ASVS V6.2.9) and we never truncate (ASVS V6.2.8). 8 is NIST's minimum for a password
 *   used as part of MFA; an app where the password may be the only factor should pass
 *   `minLength: 15` (NIST §3.1.1.2, ASVS V6.2.1);
 * - no composition rules (NIST SHALL NOT; ASVS V6.2.5), so a passphrase with spaces is fine;
 * - refuse common passwords (NIST blocklist SHALL; ASVS V6.2.4 asks for at least the top 3,000)
 *   and context-specific words such as the username or email (NIST; ASVS V6.2.11).
 */
import { dictionary } from '@zxcvbn-ts/language-common';
import { MAX_PASSWORD_BYTES } from './hash.js';
import { isWellFormedText } from '../core/unicode.js';
import { wholeNumber } from '../core/validate.js';

/** Why `checkPasswordPolicy` refused a password (every reason that applies is listed). */
export type PasswordPolicyReason =
  | 'not_a_string'
  | 'not_well_formed'
  | 'too_short'
  | 'too_long'
  | 'common'
  | 'contains_username'
  | 'contains_email';

/** The verdict of `checkPasswordPolicy`. */
export type PasswordPolicyResult =
  | {
      /** The password is acceptable. */
      readonly ok: true;
    }
  | {
      /** The password is refused. */
      readonly ok: false;
      /** Every reason that applies, so that a form can show them all at once. */
      readonly reasons: readonly PasswordPolicyReason[];
    };

/** What the policy knows about the account, and its limits. */
export interface PasswordPolicyContext {
  /** Refuse passwords that contain it (case-insensitive, NFKC). Ignored below 3 characters. */
  readonly username?: string;
  /** Refuse passwords that contain its local part (before the last `@`, also without `+tag`). */
  readonly email?: string;
  /** Minimum length in code points. @default 8 */
  readonly minLength?: number;
  /**
   * Maximum length in code points; at most 256, so an accepted password always fits
   * MAX_PASSWORD_BYTES. @default 128
   */
  readonly maxLength?: number;
  /** Extra refused passwords (exact match, case-insensitive), e.g. the service name. */
  readonly blocklist?: Iterable<string>;
}

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
/** A code point is at most 4 UTF-8 bytes: 256 code points always fit the hashing cap. */
const MAX_ALLOWED_MAX_LENGTH = MAX_PASSWORD_BYTES / 4;
/** Username or email parts shorter than this are too common inside words to refuse on. */
const MIN_CONTEXT_LENGTH = 3;

/**
 * The common-password list: `passwords-common` of @zxcvbn-ts/language-common 4.x, which the
 * zxcvbn-ts data scripts derive from the xato.net "ten million passwords" corpus (Mark Burnett,
 * 2015), keeping passwords seen more than 10 times, lower-cased: about 49,000 entries, far
 * above ASVS V6.2.4's top 3,000. Built into a Set on first use, once.
 */
let commonPasswords: ReadonlySet<string> | undefined;

export function commonPasswordSet(): ReadonlySet<string> {
  commonPasswords ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return commonPasswords;
}

function fold(s: string): string {
  return s.normalize('NFKC').toLowerCase();
}

/** Code points, not UTF-16 units: an emoji or a CJK extension character counts as one. */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    // A high surrogate followed by a low one is a single code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function checkLength(name: string, value: number, min: number, max: number): void {
  wholeNumber(`checkPasswordPolicy: ${name}`, value, min, max);
}

function emailLocalParts(email: string): string[] {
  const at = email.lastIndexOf('@');
  const local = fold(at >= 0 ? email.slice(0, at) : email).trim();
  const plus = local.indexOf('+');
  return plus > 0 ? [local, local.slice(0, plus)] : [local];
}

/**
 * Judges a new password. Returns every reason that applies, so a form can show them all at once.
 * Never throws on the password (any value is accepted and judged); throws a TypeError only for
 * invalid `minLength` / `maxLength` options, a programming error.
 */
export function checkPasswordPolicy(
  password: unknown,
  context: PasswordPolicyContext = {},
): PasswordPolicyResult {
  const minLength = context.minLength ?? PASSWORD_MIN_LENGTH;
  const maxLength = context.maxLength ?? PASSWORD_MAX_LENGTH;
  checkLength('maxLength', maxLength, 1, MAX_ALLOWED_MAX_LENGTH);
  checkLength('minLength', minLength, 1, maxLength);

  if (typeof password !== 'string') return { ok: false, reasons: ['not_a_string'] };
  // A lone surrogate hashes as U+FFFD, and the login refuses it (lib/core/unicode.ts): a password
  // that could never be typed back in is refused here.
  if (!isWellFormedText(password)) return { ok: false, reasons: ['not_well_formed'] };

  // NFKC can shrink a string (composition) only by a small factor; anything this long cannot come
  // back under maxLength, so we refuse it without normalising megabytes.
  if (password.length > 16 * maxLength) return { ok: false, reasons: ['too_long'] };

  const normalised = password.normalize('NFKC');
  const length = codePoints(normalised);
  const reasons: PasswordPolicyReason[] = [];
  if (length < minLength) reasons.push('too_short');
  if (length > maxLength || Buffer.byteLength(normalised, 'utf8') > MAX_PASSWORD_BYTES) {
    reasons.push('too_long');
  }

  const folded = normalised.toLowerCase();
  if (commonPasswordSet().has(folded) || inBlocklist(folded, context.blocklist)) {
    reasons.push('common');
  }

  if (typeof context.username === 'string') {
    const username = fold(context.username).trim();
    if (codePoints(username) >= MIN_CONTEXT_LENGTH && folded.includes(username)) {
      reasons.push('contains_username');
    }
  }
  if (typeof context.email === 'string') {
    const parts = emailLocalParts(context.email);
    if (parts.some((p) => codePoints(p) >= MIN_CONTEXT_LENGTH && folded.includes(p))) {
      reasons.push('contains_email');
    }
  }

  return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
}

function inBlocklist(folded: string, blocklist: Iterable<string> | undefined): boolean {
  if (blocklist === undefined) return false;
  for (const entry of blocklist) {
    if (typeof entry === 'string' && fold(entry) === folded) return true;
  }
  return false;
}
