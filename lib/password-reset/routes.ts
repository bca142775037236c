/**
 * `POST /password/forgot {username}` → always `202 {status:"reset_requested"}`;
 * `POST /password/reset {token, newPassword, factor?, code? | response?}` →
 * `200 {status:"password_reset", csrfToken}`, nobody signed in;
 * `POST /password/reset/passkey-options {token}` → WebAuthn request options for the reset;
 * `POST /password/reset/sms/send {token}` → `202 {status:"sent", expiresIn, resendIn, destination}`.
 * Like every POST of the router, they need the CSRF token (a forged reset request would mail
 * links on the victim's behalf; a forged completion would set a password the attacker chose).
 * The logic is in the service functions (request.ts, complete.ts), which apps with their own
 * pages call directly (docs/architecture.md, invariant 21).
 */
import type { Router } from 'express';
import { csrfToken } from '../http/csrf.js';
import { route } from '../http/edge.js';
import { passkeyOptionsWith, resetWith, sendSmsWith } from './complete.js';
import { requestResetWith } from './request.js';
import type { PasswordReset } from './service.js';

type Body = Record<string, unknown>;

function bodyOf(raw: unknown): Body {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Body) : {};
}

export function mountPasswordResetRoutes(router: Router, reset: PasswordReset): void {
  router.post(
    '/password/forgot',
    route(async (req, res) => {
      const body = bodyOf(req.body);
      res.status(202).json(await requestResetWith(reset, req, { username: body.username }));
    }),
  );

  router.post(
    '/password/reset',
    route(async (req, res) => {
      const body = bodyOf(req.body);
      const done = await resetWith(reset, req, {
        token: body.token,
        newPassword: body.newPassword,
        factor: body.factor,
        code: body.code,
        response: body.response,
      });
      // The session may have been renewed (it was the user's): hand the client its new token.
      res.json({ status: done.status, csrfToken: csrfToken(req) });
    }),
  );

  router.post(
    '/password/reset/passkey-options',
    route(async (req, res) => {
      res.json(await passkeyOptionsWith(reset, req, { token: bodyOf(req.body).token }));
    }),
  );

  router.post(
    '/password/reset/sms/send',
    route(async (req, res) => {
      const sent = await sendSmsWith(reset, req, { token: bodyOf(req.body).token });
      res.status(202).json({ status: 'sent', ...sent });
    }),
  );
}
