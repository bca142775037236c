/**
 * Options of the "remember this browser" cookie, checked when `createStepup()` runs, with
 * TypeErrors that say how to fix them (never per request).
 */
import { assertKnownKeys } from '../core/validate.js';
import { wholeNumber } from '../core/validate.js';

/** A key for the cookie's HMAC: at least 32 bytes (256 bits) from a secret store. */
export type RememberBrowserSecret = string | Buffer;

/** `createStepup({ rememberBrowser })`. */
export interface RememberBrowserOptions {
  /**
   * HMAC-SHA-256 key(s) for the cookie, each ≥ 32 bytes. An array rotates keys: the first signs,
   * every one verifies. Without it, a random key is made per process (cookies die on restart):
   * silent on the in-memory store, a warning on a shared store, a TypeError on a shared store
   * under NODE_ENV=production (other instances could not read this one's cookies).
   */
  readonly secret?: RememberBrowserSecret | readonly RememberBrowserSecret[];
  /** Days a remembered browser stays valid, counted from the second factor. @default 30 (1–90) */
  readonly lifetimeDays?: number;
  /** Cookie name; `__Host-` is prepended when `secure`. @default 'stepup_rb' */
  readonly cookieName?: string;
  /** `Secure` flag and `__Host-` prefix. @default process.env.NODE_ENV === 'production' */
  readonly secure?: boolean;
  /** Turn the feature (cookie, login hook, routes) off entirely. @default true */
  readonly enabled?: boolean;
  /**
   * Global switch: when false, no remembered browser ever skips the second factor at login and
   * no new one is issued; existing ones stay listed and revocable. Per login route:
   * `stepup.stepUp({ allowRememberBrowser: false })`. @default true
   */
  readonly allowAtLogin?: boolean;
}

/** `RememberBrowserOptions` after validation and defaults. */
export interface ResolvedRememberBrowser {
  /** False: no cookie, no login hook, no routes. */
  readonly enabled: boolean;
  /** Undefined: no key configured (a random one is made per process). */
  readonly keys: readonly Buffer[] | undefined;
  /** Absolute lifetime in milliseconds (`lifetimeDays` × 1 day). */
  readonly lifetimeMs: number;
  /** The name actually sent, prefix included. */
  readonly cookieName: string;
  /** The cookie is `Secure` (and `__Host-`-prefixed). */
  readonly secure: boolean;
  /** False: remembered browsers never skip the second factor and none are issued. */
  readonly allowAtLogin: boolean;
}

const WHERE = 'createStepup: rememberBrowser';
const KNOWN = ['secret', 'lifetimeDays', 'cookieName', 'secure', 'enabled', 'allowAtLogin'];
const DAY_MS = 24 * 3600 * 1000;
/** RFC 6265 cookie-name token characters. */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;

export function resolveRememberBrowserOptions(
  options: RememberBrowserOptions | undefined,
): ResolvedRememberBrowser {
  const o = options === undefined ? {} : options;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) {
    throw new TypeError(`${WHERE} must be an object, e.g. { secret: process.env.REMEMBER_SECRET }`);
  }
  assertKnownKeys(WHERE, o, KNOWN);
  for (const key of ['secure', 'enabled', 'allowAtLogin'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') {
      throw new TypeError(`${WHERE}.${key} must be true or false`);
    }
  }
  const lifetimeDays = o.lifetimeDays ?? 30;
  // NIST SP 800-63B-4 §5.1.1 / §2.1.3 bound reauthentication at AAL1 far above this; 90 days is
  // this library's ceiling so that a forgotten browser does not vouch for a quarter year more.
  wholeNumber(`${WHERE}.lifetimeDays`, lifetimeDays, 1, 90);
  const baseName = o.cookieName ?? 'stepup_rb';
  const prefixed = typeof baseName === 'string' && /^__(host|secure)-/i.test(baseName);
  if (typeof baseName !== 'string' || !COOKIE_NAME.test(baseName) || prefixed) {
    throw new TypeError(
      `${WHERE}.cookieName must be 1–64 cookie-name characters without a __Host-/__Secure- ` +
        `prefix (it is added when secure), got ${JSON.stringify(baseName)}`,
    );
  }
  const secure = o.secure ?? process.env.NODE_ENV === 'production';
  return {
    enabled: o.enabled ?? true,
    // `undefined` or '' given explicitly is the key rule's error (lib/core/key-rule.ts).
    keys: o.secret === undefined || o.secret === '' ? undefined : toKeys(o.secret),
    lifetimeMs: lifetimeDays * DAY_MS,
    // `__Host-`: the browser only accepts it with Secure, Path=/ and no Domain, so a sibling
    // subdomain or a plain-http page cannot plant or overwrite it (ASVS 5.0 V3.3.1).
    cookieName: secure ? `__Host-${baseName}` : baseName,
    secure,
    allowAtLogin: o.allowAtLogin ?? true,
  };
}

function toKeys(secret: RememberBrowserSecret | readonly RememberBrowserSecret[]): Buffer[] {
  const list = Array.isArray(secret) ? (secret as readonly unknown[]) : [secret];
  if (list.length === 0) throw new TypeError(`${WHERE}.secret must not be an empty array`);
  return list.map((s) => {
    let bytes: Buffer | undefined;
    if (typeof s === 'string') bytes = Buffer.from(s, 'utf8');
    else if (Buffer.isBuffer(s)) bytes = Buffer.from(s);
    // A 256-bit key for HMAC-SHA-256 (NIST SP 800-107r1 §5.3.4: key ≥ the security strength).
    if (!bytes || bytes.length < 32) {
      throw new TypeError(
        `${WHERE}.secret must be a string or Buffer of at least 32 bytes. ` +
          'Generate one with `openssl rand -base64 32`.',
      );
    }
    return bytes;
  });
}

/** Options of `stepup.stepUp()` and `stepup.authenticate()` on a login route. */
export interface StepUpOptions {
  /**
   * When false, a remembered-browser cookie never skips the second factor on this login route
   * (and is left untouched). For logins that must always show a real factor. @default true
   */
  readonly allowRememberBrowser?: boolean;
}

/** Checked when the middleware is built; returns `allowRememberBrowser`. */
export function resolveStepUpOptions(where: string, options: StepUpOptions = {}): boolean {
  assertKnownKeys(where, options, ['allowRememberBrowser']);
  const allow = options.allowRememberBrowser ?? true;
  if (typeof allow !== 'boolean') {
    throw new TypeError(`${where}: allowRememberBrowser must be true or false`);
  }
  return allow;
}
