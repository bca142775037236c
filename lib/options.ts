import type { PassportLike } from './core/passport-glue.js';
import type { Request } from 'express';
import type { LockoutOptions } from './core/attempts.js';
import type { EventListener } from './core/events.js';
import type { FactorFactory, Logger, Notifier, ResolvedOptions } from './core/context.js';
import type { CredentialStore } from './stores/credentials/types.js';
import { assertKnownKeys, wholeNumber } from './core/validate.js';
import { defaultGetUserId } from './core/stepup-context.js';
import type { MfaStore } from './stores/types.js';
import type { PasswordOptions } from './password/options.js';
import type { PasswordResetOptions } from './password-reset/options.js';
import type { BearerTokenOptions } from './bearer-tokens/options.js';
import {
  resolveRememberBrowserOptions,
  type RememberBrowserOptions,
} from './remember-browser/options.js';
import type { WhenRule } from './step-up/when-rules.js';
import {
  resolveAssurance,
  type AssuranceSettings,
  type ReauthenticationSettings,
} from './step-up/assurance-options.js';

/** Options of `createStepup()`. */
export interface StepupOptions {
  /** Where short-lived MFA state lives. @default a new MemoryStore (one process only) */
  readonly store?: MfaStore;
  /**
   * Where enrolled factors live, durably: `sqlCredentialStore({ url: process.env.DATABASE_URL })`
   * (PostgreSQL, MySQL/MariaDB, SQLite). Required in production.
   * @default a MemoryCredentialStore (tests and demos: enrolments die with the process)
   */
  readonly credentials?: CredentialStore;
  /** Receives unexpected conditions (never a secret or a code). @default console.error */
  readonly logger?: Logger;
  /** The Passport instance the app initialises. @default the `passport` singleton */
  readonly passport?: PassportLike;
  /** Clock in ms since epoch; tests inject a fake one. @default Date.now */
  readonly now?: () => number;
  /**
   * `optional`: ask users who enrolled a second factor. `required`: users without one must enrol
   * before the session is satisfied. @default 'optional'
   */
  readonly mode?: 'optional' | 'required';
  /** Second factors, e.g. `[totp(), recoveryCodes()]`. Each registers a Passport strategy. */
  readonly factors?: readonly FactorFactory[];
  /** Name of the Passport strategy that proves the first factor at `POST /login`. @default 'password' */
  readonly firstFactor?: string;
  /** Seconds a pending (password-only) session lives. @default 600 */
  readonly pendingTtlSeconds?: number;
  /** Where HTML requests go to present a second factor. @default '/mfa' */
  readonly challengeUrl?: string;
  /** Where HTML requests go when nobody is signed in. @default '/login' */
  readonly loginUrl?: string;
  /** Where `returnTo` falls back to. @default '/' */
  readonly defaultReturnTo?: string;
  /**
   * `false` for API-only apps (no login or challenge page): guards answer every refused request,
   * browsers included, with the `401` JSON body instead of a redirect to `loginUrl` or
   * `challengeUrl`. @default true
   */
  readonly htmlRedirects?: boolean;
  /** Second-factor lockout (one counter per account). */
  readonly lockout?: LockoutOptions;
  /** Receives every event. Also: `stepup.events.on('event', fn)`. */
  readonly onEvent?: EventListener;
  /** How to read a user id from a Passport user. @default `user.id` as a string */
  readonly getUserId?: (user: unknown) => string;
  /** Decides who may call admin endpoints. @default nobody */
  readonly isAdmin?: (req: Request) => boolean | Promise<boolean>;
  /**
   * Whether a user id names one of the app's users, for the admin reset: an id the app does
   * not know and the library holds no factor for answers 404 `not_found`. @default without it,
   * an id with no factor at all is `not_found` (there is nothing to reset)
   */
  readonly userExists?: (userId: string) => boolean | Promise<boolean>;
  /**
   * Sends security notices to users (factor enabled/disabled, recovery code used, new
   * remembered browser, admin reset, lockout). @default none (events are still emitted)
   */
  readonly notify?: Notifier;
  /** Seconds a second factor counts as fresh for changing factors. @default 300 */
  readonly freshSeconds?: number;
  /**
   * The built-in `password` first factor (argon2id, throttling, no enumeration). Leave it out
   * to register your own Passport strategy under `firstFactor`.
   */
  readonly password?: PasswordOptions;
  /**
   * "Forgot password" (docs/account-recovery.md, "Forgot password"): `POST /auth/password/forgot`
   * and `/reset`, `requestPasswordReset()` and `resetPassword()`. Off when absent.
   */
  readonly passwordReset?: PasswordResetOptions;
  /**
   * Bearer tokens for CLIs and API clients (docs/api-clients.md): `POST /auth/token`,
   * personal tokens, and guards that accept `Authorization: Bearer`. Off when absent; `{}` or
   * `true` turns them on with the defaults.
   */
  readonly bearerTokens?: BearerTokenOptions | true;
  /**
   * "Remember this browser" after a second factor: a signed 30-day cookie (AAL1 only) that
   * skips the second factor at later logins. On by default; give it a `secret`.
   */
  readonly rememberBrowser?: RememberBrowserOptions;
  /**
   * Adaptive rule consulted after the first factor: `require`, `skip` or `default`. Build it
   * with `ipRange`, `newDevice`, `riskScore`, `country`, `anyOf`, `allOf`.
   */
  readonly when?: WhenRule;
  /** `required` mode only: users without a factor may still sign in for a while. */
  readonly grace?: {
    /** Logins each user without a factor may still make (a positive integer). */
    readonly logins?: number;
    /** Until when, as a Date or ms since the epoch; with `logins`, whichever ends first. */
    readonly until?: Date | number;
  };
  /** How assurance levels are counted (`req.mfa.aal`). */
  readonly assurance?: AssuranceSettings;
  /**
   * Reauthentication limits (NIST SP 800-63B-4 §2.2.3); `NIST_AAL2_REAUTHENTICATION` holds the
   * recommended AAL2 values. @default none
   */
  readonly reauthentication?: ReauthenticationSettings;
}

const KNOWN = new Set([
  'store',
  'credentials',
  'logger',
  'passport',
  'now',
  'mode',
  'factors',
  'firstFactor',
  'pendingTtlSeconds',
  'challengeUrl',
  'loginUrl',
  'defaultReturnTo',
  'htmlRedirects',
  'lockout',
  'onEvent',
  'getUserId',
  'isAdmin',
  'userExists',
  'notify',
  'freshSeconds',
  'password',
  'passwordReset',
  'bearerTokens',
  'when',
  'grace',
  'rememberBrowser',
  'assurance',
  'reauthentication',
]);

/** Validate at creation time: a typo throws a TypeError that names the valid options. */
export function resolveOptions(options: StepupOptions): ResolvedOptions {
  assertKnownKeys('createStepup', options, KNOWN);
  const mode = options.mode ?? 'optional';
  if (mode !== 'optional' && mode !== 'required') {
    throw new TypeError(
      `createStepup: mode must be 'optional' or 'required', got ${JSON.stringify(mode)}`,
    );
  }
  const pendingTtlSeconds = wholeNumber(
    'createStepup: pendingTtlSeconds',
    options.pendingTtlSeconds ?? 600,
    30,
    3600,
  );
  for (const key of ['challengeUrl', 'loginUrl', 'defaultReturnTo'] as const) {
    const value = options[key];
    if (
      value !== undefined &&
      (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//'))
    ) {
      throw new TypeError(
        `createStepup: ${key} must be a same-origin path starting with '/', got ${JSON.stringify(value)}`,
      );
    }
  }
  const htmlRedirects = options.htmlRedirects ?? true;
  if (typeof htmlRedirects !== 'boolean') {
    throw new TypeError(
      `createStepup: htmlRedirects must be true (redirect browsers to loginUrl/challengeUrl) or ` +
        `false (answer them with the 401 JSON body), got ${JSON.stringify(htmlRedirects)}`,
    );
  }
  const freshSeconds = wholeNumber(
    'createStepup: freshSeconds',
    options.freshSeconds ?? 300,
    30,
    3600,
  );
  if (options.when !== undefined && typeof options.when !== 'function') {
    throw new TypeError(
      'createStepup: when must be a function (req, user) => "require" | "skip" | "default"',
    );
  }
  if (options.grace !== undefined) {
    if (mode !== 'required')
      throw new TypeError("createStepup: grace only applies to mode: 'required'");
    const { logins, until } = options.grace;
    if (logins !== undefined && (!Number.isInteger(logins) || logins < 1)) {
      throw new TypeError('createStepup: grace.logins must be a positive integer');
    }
    if (until !== undefined && !Number.isFinite(until instanceof Date ? until.getTime() : until)) {
      throw new TypeError('createStepup: grace.until must be a Date or ms since epoch');
    }
    if (logins === undefined && until === undefined) {
      throw new TypeError('createStepup: grace needs logins, until, or both');
    }
  }
  // Checked here with the other options; the service re-reads it when it is built.
  resolveRememberBrowserOptions(options.rememberBrowser);
  if (options.logger !== undefined && typeof options.logger !== 'function') {
    throw new TypeError('createStepup: logger must be a function (message, fields) => void');
  }
  const credentials = options.credentials as Partial<CredentialStore> | undefined;
  if (credentials !== undefined && typeof credentials?.list !== 'function') {
    throw new TypeError(
      'createStepup: credentials must be a CredentialStore, e.g. ' +
        'sqlCredentialStore({ url: process.env.DATABASE_URL })',
    );
  }
  if (options.userExists !== undefined && typeof options.userExists !== 'function') {
    throw new TypeError('createStepup: userExists must be a function (userId) => boolean');
  }
  if (options.notify !== undefined && typeof options.notify !== 'function') {
    throw new TypeError('createStepup: notify must be a function (notice) => void | Promise<void>');
  }
  return {
    mode,
    freshSeconds,
    firstFactor: options.firstFactor ?? 'password',
    pendingTtlMs: pendingTtlSeconds * 1000,
    challengeUrl: options.challengeUrl ?? '/mfa',
    loginUrl: options.loginUrl ?? '/login',
    defaultReturnTo: options.defaultReturnTo ?? '/',
    htmlRedirects,
    view: resolveAssurance(options.assurance, options.reauthentication),
    getUserId: options.getUserId ?? defaultGetUserId,
    isAdmin: options.isAdmin ?? (() => false),
    ...(options.userExists ? { userExists: options.userExists } : {}),
  };
}
