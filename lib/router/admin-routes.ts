import type { Router } from 'express';
import type { RouterHost } from './host.js';
import { StepupError } from '../core/errors.js';
import { assertSignedIn } from '../http/guards.js';
import { route } from '../http/handler.js';

/**
 * `POST /admin/users/:id/mfa/reset`: for a user who lost their authenticator. The app decides
 * who is an administrator (`isAdmin(req)`); everyone else gets 403 `forbidden`.
 */
export function mountAdminRoutes(router: Router, host: RouterHost): void {
  router.post(
    '/admin/users/:id/mfa/reset',
    route(async (req, res) => {
      const adminId = assertSignedIn(host, req);
      if (!(await host.context.options.isAdmin(req))) throw new StepupError('FORBIDDEN');
      const target = req.params.id;
      if (typeof target !== 'string' || target.length === 0 || target.length > 256) {
        throw new StepupError('INVALID_REQUEST', { field: 'id' });
      }
      await host.adminReset(req, target, adminId);
      res.status(204).end();
    }),
  );
}
