/**
 * `createStepup({ passwordReset })`: what the app tells the library to run "forgot password"
 * (docs/architecture.md, invariant 21): how to find an account and its address, where the link
 * points, how to store the new hash. Validated once at start-up; unknown keys are a TypeError.
 */
import { randomBytes } from 'node:crypto';
import { resolveKey } from '../core/key-rule.js';
import { assertKnownKeys } from '../core/validate.js';
import { toKeyBytes } from '../crypto/keys.js';
import type { Mailer } from '../mail/mailer.js';
import type { EmailTemplateOverrides, ResetLinkMessageData } from '../mail/templates.js';
import type { MfaStore } from '../stores/types.js';
import { wholeNumber } from '../core/validate.js';

/** An account as the app's `findAccount` returns it. */
export interface ResetAccount {
  /** The user id, as everywhere else in the library. */
  readonly id: string;
  /** Where the reset link goes; absent or null: nothing is sent (the answer is the same). */
  readonly email?: string | null;
  /** A locked or disabled account gets no link (the answer is the same). */
  readonly locked?: boolean;
  /** Given to the password policy: refused inside the new password. @default the username asked for */
  readonly username?: string;
}

/** Options of `createStepup({ passwordReset })`. */
export interface PasswordResetOptions {
  /** Sends the reset links: `smtpMailer(…)`, `devOutbox()` or your own (may be the codes' mailer). */
  readonly mailer: Mailer;
  /** The account for a username (or an email address, if that is how users sign in), or null. */
  readonly findAccount: (username: string) => ResetAccount | null | Promise<ResetAccount | null>;
  /** Saves the new argon2id hash in the app's user table. */
  readonly setPasswordHash: (userId: string, hash: string) => void | Promise<void>;
  /** The link of the app's reset page for a token, e.g. `https://app/reset-password?token=…`. */
  readonly resetUrl: (token: string) => string;
  /**
   * Lifetime of a reset link in seconds; at most 24 h (NIST SP 800-63B-4 §4.2.1.2 keeps
   * recovery codes sent to an address short-lived). @default 1800 (30 min)
   */
  readonly tokenTtlSeconds?: number;
  /**
   * HMAC key of the stored token digests (32+ bytes, the same on every instance). Left out:
   * the library's key rule (lib/core/key-rule.ts).
   */
  readonly tokenKey?: string | Uint8Array;
  /** Product name in the email. @default 'passport-stepup' */
  readonly appName?: string;
  /** Replace any part of the reset-link email (`subject`, `text`, `html`). */
  readonly template?: EmailTemplateOverrides<ResetLinkMessageData>;
  /** Links per account per hour; further requests answer the same and send nothing. @default 3 */
  readonly perAccountPerHour?: number;
  /** Reset requests per IP per hour that may send; further ones send nothing. @default 20 */
  readonly perIpPerHour?: number;
}

export interface ResolvedPasswordReset {
  readonly mailer: Mailer;
  readonly findAccount: PasswordResetOptions['findAccount'];
  readonly setPasswordHash: PasswordResetOptions['setPasswordHash'];
  readonly resetUrl: PasswordResetOptions['resetUrl'];
  readonly ttlMs: number;
  readonly key: Buffer;
  readonly appName: string;
  readonly template: EmailTemplateOverrides<ResetLinkMessageData>;
  readonly perAccountPerHour: number;
  readonly perIpPerHour: number;
}

const KNOWN = new Set([
  'mailer',
  'findAccount',
  'setPasswordHash',
  'resetUrl',
  'tokenTtlSeconds',
  'tokenKey',
  'appName',
  'template',
  'perAccountPerHour',
  'perIpPerHour',
]);
const WHERE = 'passwordReset';
export const DEFAULT_RESET_TTL_SECONDS = 1800;
export const MAX_RESET_TTL_SECONDS = 24 * 3600;

function positiveInteger(name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  return wholeNumber(`${WHERE}: ${name}`, value, 1, max);
}

/** Check the options and apply the defaults; a TypeError names what is wrong. */
export function resolvePasswordReset(
  options: PasswordResetOptions,
  store: MfaStore,
): ResolvedPasswordReset {
  assertKnownKeys(WHERE, options, KNOWN);
  if (!options.mailer || typeof options.mailer.send !== 'function') {
    throw new TypeError(`${WHERE}: mailer is required (smtpMailer(url, { from }) or devOutbox())`);
  }
  for (const name of ['findAccount', 'setPasswordHash', 'resetUrl'] as const) {
    if (typeof options[name] !== 'function') {
      throw new TypeError(`${WHERE}: ${name} is required and must be a function`);
    }
  }
  const { appName } = options;
  if (appName !== undefined && (typeof appName !== 'string' || appName === '')) {
    throw new TypeError(`${WHERE}: appName must be a non-empty string`);
  }
  const ttl = positiveInteger(
    'tokenTtlSeconds',
    options.tokenTtlSeconds,
    DEFAULT_RESET_TTL_SECONDS,
    MAX_RESET_TTL_SECONDS,
  );
  return {
    mailer: options.mailer,
    findAccount: options.findAccount,
    setPasswordHash: options.setPasswordHash,
    resetUrl: options.resetUrl,
    ttlMs: ttl * 1000,
    // The one key rule: on a shared store a per-process key would void every link sent by
    // another instance or before a restart.
    key: resolveKey({
      where: WHERE,
      option: 'tokenKey',
      options,
      validate: (given) => toKeyBytes(WHERE, 'tokenKey', given),
      generate: () => randomBytes(32),
      holder: store, // the links' digests live in the MFA store
      consequence: 'reset links sent by one instance fail on the others and after a restart',
      example: 'tokenKey (32+ random bytes, the same on every instance: `openssl rand -base64 32`)',
      warningCode: 'PASSPORT_STEPUP_RESET_KEY',
    }),
    appName: appName ?? 'passport-stepup',
    template: options.template ?? {},
    perAccountPerHour: positiveInteger('perAccountPerHour', options.perAccountPerHour, 3, 1000),
    perIpPerHour: positiveInteger('perIpPerHour', options.perIpPerHour, 20, 100000),
  };
}
