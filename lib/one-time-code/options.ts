/**
 * Options of the `emailOtp()` and `smsOtp()` factors (strategies/one-time-code.ts), and how the
 * options they share resolve: the app name, the "only next to a stronger factor" rule, and the
 * HMAC key of the codes in flight, by the one key rule (lib/core/key-rule.ts).
 */
import { randomBytes } from 'node:crypto';
import { resolveKey } from '../core/key-rule.js';
import type { Mailer } from '../mail/mailer.js';
import type { CodeMessageData, EmailTemplateOverrides, SmsTemplate } from '../mail/templates.js';
import type { SmsSender } from '../sms/sender.js';
import type { MfaStore } from '../stores/types.js';
import { toCodeKey } from './engine.js';

/**
 * Where a user's codes go: a verified address or an E.164 phone number; `undefined`, `null` or
 * `''` means none (the factor is then not enrolled for that user).
 */
export type DestinationLookup = (
  userId: string,
) => string | undefined | null | Promise<string | undefined | null>;

interface CommonOptions {
  /**
   * HMAC key for stored codes, ≥ 32 bytes, the same on every instance, kept outside the store.
   * @default a random key per process (refused in production with a shared store)
   */
  readonly codeKey?: string | Uint8Array;
  /** Product name in messages. @default 'passport-stepup' */
  readonly appName?: string;
  /** Offer the factor only to users who also have a stronger one (e.g. TOTP). @default false */
  readonly requireStrongerFactor?: boolean;
}

/** Options of `emailOtp()`; unknown keys are a TypeError. */
export interface EmailOtpOptions extends CommonOptions {
  /** Sends the code emails: `smtpMailer(…)`, `devOutbox()` or your own. */
  readonly mailer: Mailer;
  /** An address the app has already verified; such users need no enrolment. */
  readonly getAddress?: DestinationLookup;
  /** Replace the subject, text or HTML of the code email. */
  readonly templates?: EmailTemplateOverrides<CodeMessageData>;
  /** Mount `POST /mfa/email/enroll`, `/confirm` and `/disable`. @default true */
  readonly enrollment?: boolean;
}

/** Options of `smsOtp()`; unknown keys are a TypeError. */
export interface SmsOtpOptions extends CommonOptions {
  /** Sends the SMS: `webhookSmsSender(…)`, `consoleSmsSender()` or your own. */
  readonly sender: SmsSender;
  /** The user's verified phone number (E.164); `undefined` means not enrolled. */
  readonly getPhone: DestinationLookup;
  /** Replace the text of the SMS. */
  readonly template?: SmsTemplate;
}

/** The options both factories share, checked now; the key is resolved once the store is known. */
export function resolveCommon(where: string, options: CommonOptions) {
  // A key given is checked now (a short key fails at start-up); a missing one in codeKeyFor.
  const raw = options.codeKey;
  if (raw !== undefined && raw !== '') toCodeKey(where, raw);
  const { appName } = options;
  if (appName !== undefined && (typeof appName !== 'string' || appName === '')) {
    throw new TypeError(`${where}: appName must be a non-empty string`);
  }
  const strong = options.requireStrongerFactor ?? false;
  if (typeof strong !== 'boolean') {
    throw new TypeError(`${where}: requireStrongerFactor must be true or false`);
  }
  return {
    appName: options.appName ?? 'passport-stepup',
    requireStrongerFactor: strong,
    key: (store: MfaStore) => codeKeyFor(where, options, store),
  };
}

/**
 * The HMAC key of the codes in flight, by the one key rule (lib/core/key-rule.ts): on the
 * memory store a per-process key loses nothing (codes die with the process anyway); on a shared
 * store a code sent by one instance would fail on the others and after a restart.
 */
function codeKeyFor(where: string, options: CommonOptions, store: MfaStore): Buffer {
  return resolveKey({
    where,
    option: 'codeKey',
    options,
    validate: (given) => toCodeKey(where, given as string | Uint8Array),
    generate: () => randomBytes(32),
    holder: store, // the codes in flight live in the MFA store
    consequence: 'codes sent by one instance fail on the others and after a restart',
    example: 'codeKey (32+ random bytes, the same on every instance: `openssl rand -base64 32`)',
    warningCode: 'PASSPORT_STEPUP_OTP_KEY',
  });
}
