import type { Router } from 'express';
import type { RouterHost } from './host.js';
import { assertAdminMayReset } from '../http/admin-guard.js';
import { route } from '../http/edge.js';

/**
 * `POST /admin/users/:id/mfa/reset`: for a user who lost their authenticator. The app decides
 * who is an administrator (`isAdmin(req)`); everyone else gets 403 `forbidden`. The admin needs
 * a fresh second factor of their own and an unlocked account, and the user must exist
 * (`assertAdminMayReset`, lib/http/admin-guard.ts; docs/architecture.md, invariant 20).
 */
export function mountAdminRoutes(router: Router, host: RouterHost): void {
  router.post(
    '/admin/users/:id/mfa/reset',
    route(async (req, res) => {
      const { adminId, userId } = await assertAdminMayReset(host, req, req.params.id);
      await host.adminReset(req, userId, adminId);
      res.status(204).end();
    }),
  );
}
