/**
 * Options of the `passkeys()` factor, checked once when the factor is made (docs/architecture.md,
 * "Each rule once": unknown options are a TypeError naming the valid ones). A mistake here would
 * otherwise surface as every ceremony failing at request time, or worse, as a relying party
 * that accepts assertions made for a page it does not serve.
 */
import { assertKnownKeys } from '../core/validate.js';
import { wholeNumber } from '../core/validate.js';

/** Options of `passkeys()`; unknown keys and bad values are a TypeError at start-up. */
export interface PasskeysOptions {
  /**
   * The relying party id: the registrable domain the passkeys belong to (`example.com` serves
   * `example.com` and its subdomains; W3C WebAuthn L3 §5.1.2). No scheme, port or path.
   */
  readonly rpId: string;
  /** Shown by the browser and the authenticator when a passkey is made ("Acme"). */
  readonly rpName: string;
  /**
   * Every origin the ceremonies may come from (`https://app.example.com`). An assertion made on
   * any other origin is refused: that check is what makes a passkey phishing resistant.
   */
  readonly origins: readonly string[];
  /**
   * Offer passwordless sign-in (`POST /auth/passkey/options`, `POST /auth/passkey/login`).
   * @default true
   */
  readonly passwordless?: boolean;
  /** The account name the authenticator shows. @default the user id */
  readonly userName?: (userId: string) => string | Promise<string>;
  /**
   * Passwordless sign-in: the app's user object for a user id (what `req.user` becomes), or
   * null when the account no longer exists. A user with `locked: true` is refused.
   * @default (id) => ({ id })
   */
  readonly findUser?: (userId: string) => unknown;
  /** Seconds a challenge stays usable. @default 300 (5 minutes) */
  readonly challengeTtlSeconds?: number;
}

/** `PasskeysOptions` after validation and defaults (`PasskeyStrategy.passkeyOptions`). */
export interface ResolvedPasskeysOptions {
  /** The relying party id, a lower-case host name (no IP address). */
  readonly rpId: string;
  /** Shown by the browser and the authenticator. */
  readonly rpName: string;
  /** Bare origins (scheme, host, port), each https (or http on localhost) and on `rpId`. */
  readonly origins: readonly string[];
  /** Whether passwordless sign-in (`passkey-login`) is offered. */
  readonly passwordless: boolean;
  /** The account name the authenticator shows for a user. */
  readonly userName: (userId: string) => string | Promise<string>;
  /** The app's user for a passwordless sign-in, or null when the account is gone. */
  readonly findUser: (userId: string) => unknown;
  /** How long a challenge stays usable, in milliseconds (`challengeTtlSeconds` × 1000). */
  readonly challengeTtlMs: number;
}

const KNOWN = new Set([
  'rpId',
  'rpName',
  'origins',
  'passwordless',
  'userName',
  'findUser',
  'challengeTtlSeconds',
]);

/** Lower-case host names of DNS labels; `localhost` included. */
const HOST =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function isLocalhost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost');
}

function checkOrigin(origin: unknown, rpId: string): string {
  let url: URL;
  try {
    url = new URL(String(origin));
  } catch {
    throw new TypeError(`passkeys: origin ${JSON.stringify(origin)} is not a URL`);
  }
  if (url.origin !== origin) {
    throw new TypeError(
      `passkeys: origin ${JSON.stringify(origin)} must be a bare origin such as ${JSON.stringify(url.origin)} (scheme, host and port; no path or trailing slash)`,
    );
  }
  // Browsers only run WebAuthn in secure contexts (W3C WebAuthn L3 §5.1.3): https, or
  // http on localhost for development. An http origin elsewhere could never work, and would
  // mean a network attacker can read and change the page that talks to the authenticator.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLocalhost(url.hostname))) {
    throw new TypeError(
      `passkeys: origin ${JSON.stringify(origin)} must use https (browsers allow WebAuthn on http only for localhost)`,
    );
  }
  const host = url.hostname;
  if (host !== rpId && !host.endsWith(`.${rpId}`)) {
    throw new TypeError(
      `passkeys: origin ${JSON.stringify(origin)} is not on rpId ${JSON.stringify(rpId)} or a subdomain of it (W3C WebAuthn L3 §5.1.2)`,
    );
  }
  return url.origin;
}

export function resolvePasskeysOptions(options: PasskeysOptions): ResolvedPasskeysOptions {
  assertKnownKeys('passkeys', options, KNOWN);
  const { rpId, rpName, origins } = options;
  if (typeof rpId !== 'string' || !HOST.test(rpId) || /^\d+(\.\d+){3}$/.test(rpId)) {
    throw new TypeError(
      `passkeys: rpId must be a lower-case domain name such as "example.com" (no scheme, port or path), got ${JSON.stringify(rpId)}`,
    );
  }
  if (typeof rpName !== 'string' || rpName.trim() === '' || rpName.length > 64) {
    throw new TypeError('passkeys: rpName must be a non-empty name of at most 64 characters');
  }
  if (!Array.isArray(origins) || origins.length === 0) {
    throw new TypeError(
      'passkeys: origins must be a non-empty array, e.g. ["https://example.com"]',
    );
  }
  const checked = origins.map((o: unknown) => checkOrigin(o, rpId));
  const passwordless = options.passwordless ?? true;
  if (typeof passwordless !== 'boolean') {
    throw new TypeError('passkeys: passwordless must be true or false');
  }
  for (const key of ['userName', 'findUser'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') {
      throw new TypeError(`passkeys: ${key} must be a function`);
    }
  }
  const ttl = wholeNumber(
    'passkeys: challengeTtlSeconds',
    options.challengeTtlSeconds ?? 300,
    30,
    600,
  );
  return {
    rpId,
    rpName,
    origins: checked,
    passwordless,
    userName: options.userName ?? ((userId) => userId),
    findUser: options.findUser ?? ((id) => ({ id })),
    challengeTtlMs: ttl * 1000,
  };
}
