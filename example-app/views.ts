/**
 * Server-rendered pages with Eta. `autoEscape` is on (Eta's default, stated here so nobody
 * turns it off): `<%= value %>` is HTML-escaped; the templates use the raw `<%~ %>` only for
 * `include` / layout bodies, never for data.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Request, Response } from 'express';
import { Eta } from 'eta';
import { csrfToken, type MfaView, type Stepup } from '../lib/index.js';
import type { Features } from './factors.js';
import type { SessionUser } from './users.js';

const VIEWS = join(dirname(fileURLToPath(import.meta.url)), 'views');

/** Short fixed messages selected by `?notice=`; never echo free text from a URL into a page. */
const NOTICES: Readonly<Record<string, string>> = {
  'logged-out': 'You are signed out.',
  'totp-disabled': 'The authenticator app was removed from your account.',
  'mfa-reset': "The user's second factors were reset.",
  'browser-revoked': 'That browser will ask for a second factor at its next sign-in.',
  'session-ended': 'Signed out there: that browser must sign in again.',
  'browsers-revoked': 'Every remembered browser will ask for a second factor at its next sign-in.',
  'email-removed': 'Sign-in codes are no longer sent by email.',
  'session-expired': 'The sign-in attempt expired. Sign in again with your password.',
  'passkey-added': 'The passkey was added. You can sign in with it, with or without a password.',
  'passkey-removed': 'The passkey was removed from your account.',
  'passkey-renamed': 'The passkey was renamed.',
  'password-reset':
    'Your password was changed and every session was signed out. Sign in with the new password.',
  'token-confirm-done': 'Confirmed. Now create the API token again (within 5 minutes).',
  'token-revoked': 'The token was revoked: the next request that uses it is refused.',
  'token-gone': 'That token was already revoked or expired.',
};

export type Render = (
  req: Request,
  res: Response,
  view: string,
  data?: Record<string, unknown>,
  status?: number,
) => void;

export function createRenderer(
  stepup: Stepup,
  features: Features,
  options: { cache: boolean; devOutbox: boolean },
): Render {
  const eta = new Eta({
    views: VIEWS,
    cache: options.cache,
    autoEscape: true,
    defaultExtension: '.eta',
  });
  return (req, res, view, data = {}, status = 200) => {
    const mfa: MfaView = stepup.mfaOf(req);
    const user = req.user as SessionUser | undefined;
    const signedIn = mfa.status === 'authenticated' || mfa.status === 'satisfied';
    const notice = typeof req.query.notice === 'string' ? NOTICES[req.query.notice] : undefined;
    const html = eta.render(view, {
      title: '',
      notice,
      error: undefined,
      ...data,
      // Every form carries the session's token in `_csrf` (csrfProtection() checks it). A
      // function, so that a page without a form does not start a session for a visitor.
      csrf: () => (req.session ? csrfToken(req) : ''),
      mfa,
      user: signedIn ? user : undefined,
      features,
      devOutbox: options.devOutbox,
      path: req.path,
      fmt: formatTime,
      day: (ms: number | undefined) => formatTime(ms).slice(0, 10),
    });
    // Pages show per-user state: no shared cache may keep them (OWASP ASVS 5.0 V14.3.2).
    res.set('Cache-Control', 'no-store');
    res.status(status).type('html').send(html);
  };
}

/** `2026-05-01 12:34:56 UTC` for the templates. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined) return '—';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}
