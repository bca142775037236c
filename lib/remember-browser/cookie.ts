/**
 * The remember-this-browser cookie itself (docs/architecture.md, invariant 4): its value
 * `<id>.<token>.<mac>`, the HMAC-SHA-256 over id and token that rejects a forged cookie before
 * any store round trip, and its attributes. The record the id names is the service's
 * (lib/remember-browser/service.ts).
 */
import { createHmac } from 'node:crypto';
import type { Request, Response } from 'express';
import { sameString } from '../crypto/keys.js';

const COOKIE_VALUE = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

/** The cookie a request carries: id and token when its MAC verifies, `bad` when not, or none. */
export type ParsedCookie = { readonly id: string; readonly token: string } | 'bad' | undefined;

/** The first cookie named `name` in a Cookie header (no cookie-parser needed). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.slice(0, 8192).split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Reads, signs, sets and clears the cookie under the configured keys. */
export class RememberCookie {
  // The keys live only in these closures: util.inspect or JSON of the service shows functions.
  private readonly sign: (id: string, token: string) => string;
  private readonly macMatches: (id: string, token: string, mac: string) => boolean;

  /**
   * @param name - the cookie's name as sent, `__Host-` prefix included when `secure`.
   * @param keys - the HMAC keys; the first signs, every one verifies.
   * @throws TypeError without a key.
   */
  constructor(
    private readonly name: string,
    private readonly secure: boolean,
    keys: readonly Buffer[],
  ) {
    const mac = (key: Buffer, id: string, token: string) =>
      createHmac('sha256', key)
        .update(`passport-stepup/rb/v1\0${id}\0${token}`)
        .digest('base64url');
    const [signer] = keys;
    if (!signer) throw new TypeError('createStepup: rememberBrowser needs at least one key');
    this.sign = (id, token) => mac(signer, id, token);
    // Compare the base64url text, not decoded bytes: the decoder ignores the last character's
    // spare bits, and a flipped character must never verify.
    this.macMatches = (id, token, sent) =>
      keys.map((key) => sameString(mac(key, id, token), sent)).includes(true);
  }

  /** The cookie this request carries, checked against every key. */
  read(req: Request): ParsedCookie {
    const value = cookieValue(req.headers.cookie, this.name);
    if (value === undefined) return undefined;
    const m = COOKIE_VALUE.exec(value);
    const [, id, token, mac] = m ?? [];
    if (!id || !token || !mac) return 'bad';
    return this.macMatches(id, token, mac) ? { id, token } : 'bad';
  }

  /** Set the cookie of record `id` with its token, signed, for `maxAge` milliseconds. */
  set(res: Response, id: string, token: string, maxAge: number): void {
    const value = `${id}.${token}.${this.sign(id, token)}`;
    res.cookie(this.name, value, { ...this.options(), maxAge });
  }

  /** Tell the browser to drop the cookie (same attributes, or it would not match). */
  clear(res: Response): void {
    res.clearCookie(this.name, this.options());
  }

  private options() {
    // HttpOnly: no script reads it; SameSite=Lax: not sent on cross-site subrequests;
    // Secure + __Host- in production (ASVS 5.0 V3.3.1–V3.3.4).
    return { httpOnly: true, sameSite: 'lax' as const, secure: this.secure, path: '/' };
  }
}
