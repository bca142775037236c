/**
 * The pages behind the guards, and their JSON twins for demos and tests:
 *   `/`         anyone: the session's status, amr and mfaAt
 *   `/reports`  requireMfa(): any second factor, a remembered browser counts
 *   `/billing`  requireMfa({ maxAge: 300, allowRememberBrowser: false }): a real factor, ≤ 5 min old
 *   `/activity` requireAuth(): the user's recent security events
 *   `/admin`    requireAuth() + isAdmin: reset a user's MFA
 */
import { Router, type Request } from 'express';
import { assertAdminMayReset, type RequireMfaOptions } from '../../lib/index.js';
import { page, type ExampleContext } from '../context.js';
import { DEMO_USERS, type SessionUser } from '../users.js';

/** The policies of the two guarded pages, shared by the HTML and JSON routes. */
export const BILLING_POLICY: RequireMfaOptions = { maxAge: 300, allowRememberBrowser: false };

export function contentPages(ctx: ExampleContext): Router {
  const { stepup, render, users, activity } = ctx;
  const router = Router();

  router.get('/', (req, res) => {
    render(req, res, 'home', {
      title: 'Home',
      demoUsers: DEMO_USERS.map(({ username, password, note }) => ({ username, password, note })),
    });
  });

  router.get('/reports', stepup.requireMfa(), (req, res) => {
    render(req, res, 'guarded', {
      title: 'Reports',
      policy: 'requireMfa(): any second factor; a remembered browser counts.',
    });
  });

  router.get('/billing', stepup.requireMfa(BILLING_POLICY), (req, res) => {
    render(req, res, 'guarded', {
      title: 'Billing',
      policy:
        'requireMfa({ maxAge: 300, allowRememberBrowser: false }): a code entered in this session, at most 5 minutes ago.',
    });
  });

  router.get('/activity', stepup.requireAuth(), (req, res) => {
    render(req, res, 'activity', {
      title: 'Recent activity',
      entries: activity.of(stepup.mfaOf(req).userId ?? ''),
    });
  });

  const isAdmin = (user: unknown) => (user as SessionUser | undefined)?.isAdmin === true;

  router.get(
    '/admin',
    stepup.requireAuth(),
    page(async (req, res) => {
      if (!isAdmin(req.user))
        return render(
          req,
          res,
          'error',
          { title: 'Forbidden', error: 'Administrators only.' },
          403,
        );
      const rows = await Promise.all(
        users.list().map(async (u) => ({
          id: u.id,
          displayName: u.displayName,
          factors: await stepup.enrolledFactors(u.id),
          lockout: await stepup.lockoutState(u.id),
        })),
      );
      return render(req, res, 'admin', { title: 'Administration', rows });
    }),
  );

  router.post(
    '/admin/users/:id/mfa-reset',
    stepup.requireAuth(),
    page(async (req, res) => {
      // The library's checks, as on its JSON route: isAdmin, the admin's own fresh second
      // factor when they have one, not locked, a known user (userExists in app.ts).
      const { adminId, userId: target } = await assertAdminMayReset(stepup, req, req.params.id);
      // Factors, recovery codes, lockout and every remembered browser go; the user is notified.
      await stepup.adminReset(req, target, adminId);
      return res.redirect(303, '/admin?notice=mfa-reset');
    }),
  );

  if (ctx.mail.outbox() !== undefined) {
    // Development only: anyone who can reach the app can read these.
    router.get('/dev/outbox', (req, res) => {
      render(req, res, 'outbox', {
        title: 'Development outbox',
        messages: ctx.mail.outbox() ?? [],
      });
    });
  }

  return router;
}

/** `/api/*`: JSON for scripts and tests; guards answer 401 JSON with a reason. */
export function apiRoutes(ctx: ExampleContext): Router {
  const { stepup } = ctx;
  const router = Router();
  // Always JSON here, even for `curl` (Accept: */*), which the guards would otherwise treat
  // as a browser and redirect to the login page.
  router.use((req, _res, next) => {
    req.headers.accept = 'application/json';
    next();
  });
  const body = (req: Request) => {
    const mfa = stepup.mfaOf(req);
    return {
      userId: mfa.userId,
      status: mfa.status,
      amr: mfa.amr,
      factors: mfa.factors,
      mfaAt: mfa.mfaAt,
      viaRememberedBrowser: mfa.viaRememberedBrowser,
    };
  };
  router.get('/me', stepup.requireAuth(), (req, res) => {
    res.json(body(req));
  });
  router.get('/reports', stepup.requireMfa(), (req, res) => {
    res.json({ ...body(req), report: 'quarterly numbers' });
  });
  router.get('/billing', stepup.requireMfa(BILLING_POLICY), (req, res) => {
    res.json({ ...body(req), billing: 'card ending 4242' });
  });
  router.use(stepup.errorHandler());
  return router;
}
