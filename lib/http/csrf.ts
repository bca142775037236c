import { randomBytes } from 'node:crypto';
import { sameString } from '../crypto/keys.js';
import type { Request, RequestHandler } from 'express';
import { StepupError } from '../core/errors.js';
import { sessionBag } from '../core/session-state.js';

/**
 * CSRF protection, synchroniser-token pattern (OWASP CSRF Prevention Cheat Sheet; ASVS 5.0 V3.5.1):
 * a 256-bit token kept in the server-side session, sent back in `x-csrf-token` (or a `_csrf` form
 * field) on every state-changing request, including login (login CSRF).
 *
 * Written here rather than taken from csrf-sync because that package compares tokens with `===`,
 * and this library compares every secret in constant time. The token is rotated whenever the
 * session id is (a fresh session has no token), so a token seen before login is worthless after.
 */
const SESSION_FIELD = 'stepupCsrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The session's token, created on first use. */
export function csrfToken(req: Request): string {
  const session = sessionBag(req);
  if (!session)
    throw new Error('passport-stepup: req.session is missing; mount express-session first');
  const existing = session[SESSION_FIELD];
  if (typeof existing === 'string') return existing;
  const token = randomBytes(32).toString('base64url');
  session[SESSION_FIELD] = token;
  return token;
}

/** True when the request carries the session's token. */
export function hasValidCsrfToken(req: Request): boolean {
  const stored = sessionBag(req)?.[SESSION_FIELD];
  const header = req.get('x-csrf-token');
  const field = (req.body as Record<string, unknown> | undefined)?._csrf;
  const sent = header ?? (typeof field === 'string' ? field : undefined);
  if (typeof stored !== 'string' || typeof sent !== 'string') return false;
  return sameString(stored, sent);
}

/** Middleware: refuse a state-changing request without the token (403 `csrf_invalid`). */
export function csrfProtection(options: { skip?: (req: Request) => boolean } = {}): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || options.skip?.(req) === true || hasValidCsrfToken(req)) {
      next();
      return;
    }
    next(new StepupError('CSRF_INVALID'));
  };
}

/**
 * HTTP Basic credentials on a request. A cross-site page cannot attach an Authorization header
 * without a CORS preflight (which the router never grants), and the router never sends a
 * `WWW-Authenticate` challenge that would make a browser replay cached credentials, so a login
 * carrying Basic credentials cannot be forged: it needs no CSRF token (CLI clients have none).
 */
export function basicCredentials(req: Request): { username: string; password: string } | undefined {
  const header = req.get('authorization');
  if (!header || !/^Basic [A-Za-z0-9+/=]{1,4096}$/.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
