/**
 * The recovery-code endpoints of the JSON router (docs/http-api.md, the JSON contract), mounted by the strategy's
 * `mountRoutes`. Using a code to sign in goes through `POST /auth/mfa/verify
 * {factor:"recovery-code", code}` like every factor; these two manage the set.
 */
import type { Router } from 'express';
import type { FactorHost } from '../core/context.js';
import { assertSignedIn } from '../http/guards.js';
import { regenerateRecoveryCodes, type RecoveryCodeService } from './service.js';
import { csrfToken } from '../http/csrf.js';
import { route } from '../http/edge.js';

export function mountRecoveryRoutes(
  router: Router,
  host: FactorHost,
  codes: RecoveryCodeService,
): void {
  // How many are left, so the UI can nudge the user before they run out. A count, never codes.
  router.get(
    '/mfa/recovery-codes',
    route(async (req, res) => {
      const userId = assertSignedIn(host, req);
      res.json({ remaining: await codes.remaining(userId) });
    }),
  );

  // A new set replacing every old one, shown once; see regenerateRecoveryCodes for who may.
  router.post(
    '/mfa/recovery-codes/regenerate',
    route(async (req, res) => {
      const recoveryCodes = await regenerateRecoveryCodes(host, req, res, codes);
      res.json({ recoveryCodes, remaining: recoveryCodes.length, csrfToken: csrfToken(req) });
    }),
  );
}
