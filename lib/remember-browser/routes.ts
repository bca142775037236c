import type { Router } from 'express';
import type { FactorHost } from '../core/context.js';
import { StepupError } from '../core/errors.js';
import type { RememberedBrowsers } from './service.js';
import { BROWSER_ID } from './record.js';
import { assertSignedIn } from '../http/guards.js';
import { route } from '../http/edge.js';

/**
 * `GET /mfa/browsers`, `DELETE /mfa/browsers/:id`, `DELETE /mfa/browsers` (docs/http-api.md, the JSON contract).
 *
 * Signed-in users only; a pending session sees nothing. Forgetting a browser never needs a fresh
 * second factor: it only ever reduces what the account trusts, and a user who suspects a stolen
 * cookie must be able to act at once (NIST SP 800-63B-4 §4.6 invalidation; OWASP ASVS 5.0 V7.5:
 * users can see and end their sessions and remembered devices). DELETEs go through the router's
 * CSRF check like every state change.
 */
export function mountRememberBrowserRoutes(
  router: Router,
  host: FactorHost,
  browsers: RememberedBrowsers,
): void {
  router.get(
    '/mfa/browsers',
    route(async (req, res) => {
      const userId = assertSignedIn(host, req);
      res.json({ browsers: await browsers.list(userId, req) });
    }),
  );

  router.delete(
    '/mfa/browsers/:id',
    route(async (req, res) => {
      const userId = assertSignedIn(host, req);
      const id = req.params.id;
      if (typeof id !== 'string' || !BROWSER_ID.test(id)) {
        throw new StepupError('INVALID_REQUEST', { field: 'id' }, 'The browser id is not valid.');
      }
      if (!(await browsers.revoke(userId, id, req))) throw new StepupError('NOT_FOUND');
      if (browsers.currentId(req) === id) browsers.clearCookie(res);
      res.status(204).end();
    }),
  );

  router.delete(
    '/mfa/browsers',
    route(async (req, res) => {
      const userId = assertSignedIn(host, req);
      // Clear this browser's cookie only when it is the user's own (a shared browser may carry
      // another user's): revoking it first tells which.
      const current = browsers.currentId(req);
      const own = current !== undefined && (await browsers.revoke(userId, current, req));
      if (own) browsers.clearCookie(res);
      await browsers.revokeAll(userId, req);
      res.status(204).end();
    }),
  );
}
