import type { Request, Router } from 'express';
import type { RouterHost } from './host.js';
import { basicCredentials, csrfToken } from '../http/csrf.js';
import { StepupError } from '../core/errors.js';
import { logOut } from '../core/passport-glue.js';
import { destroySession, readRecord, writeRecord } from '../core/session-state.js';
import type { ElevationOutcome } from '../core/login-flow.js';
import { isTruthy, loginBody, parseBody, route, runMiddleware, verifyBody } from '../http/edge.js';

/** Body of a login/verify answer. The session was regenerated, so a new CSRF token goes with it. */
function outcomeBody(req: Request, outcome: ElevationOutcome): Record<string, unknown> {
  return { ...outcome, csrfToken: csrfToken(req) };
}

export function mountSessionRoutes(router: Router, host: RouterHost): void {
  const firstFactor = host.context.options.firstFactor;

  router.get('/csrf', (req, res) => {
    res.json({ csrfToken: csrfToken(req) });
  });

  router.post(
    '/login',
    route(async (req, res) => {
      // CLI clients may send `Authorization: Basic` (password + TOTP appended, when enabled).
      const basic = basicCredentials(req);
      if (basic) req.body = basic;
      parseBody(loginBody, req.body);
      await runMiddleware(host.authenticate(firstFactor), req, res);
      res.json(outcomeBody(req, res.locals.stepup as ElevationOutcome));
    }),
  );

  router.post(
    '/mfa/verify',
    route(async (req, res) => {
      const body = parseBody(verifyBody, req.body);
      if (!host.factors.has(body.factor)) {
        throw new StepupError(
          'INVALID_REQUEST',
          { field: 'factor', factors: [...host.factors.keys()] },
          `Unknown factor. Use one of: ${[...host.factors.keys()].join(', ')}.`,
        );
      }
      await runMiddleware(host.authenticate(body.factor), req, res);
      const userId = host.mfaOf(req).userId;
      if (userId !== undefined) {
        const rememberBrowser = isTruthy(body.rememberBrowser) || isTruthy(body.remember);
        await host.afterVerify(req, res, { userId, factor: body.factor, rememberBrowser });
      }
      res.json(outcomeBody(req, res.locals.stepup as ElevationOutcome));
    }),
  );

  router.get(
    '/session',
    route(async (req, res) => {
      const view = host.mfaOf(req);
      const now = host.context.now();
      // Factor extras (e.g. recoveryCodesLow) only for a signed-in user: a pending session
      // learns nothing about the account beyond what the login answer said.
      const extras: Record<string, unknown> = {};
      if (
        view.userId !== undefined &&
        (view.status === 'authenticated' || view.status === 'satisfied')
      ) {
        for (const factor of host.factors.values()) {
          if (factor.sessionInfo) Object.assign(extras, await factor.sessionInfo(view.userId));
        }
      }
      res.json({
        ...extras,
        status: view.status,
        ...(view.userId !== undefined ? { userId: view.userId } : {}),
        amr: view.amr,
        factors: view.factors,
        ...(view.authTime !== undefined ? { authTime: view.authTime } : {}),
        ...(view.mfaAt !== undefined ? { mfaAt: view.mfaAt } : {}),
        viaRememberedBrowser: view.viaRememberedBrowser,
        phishingResistant: view.phishingResistant ?? false,
        ...(view.aal !== undefined ? { aal: view.aal } : {}),
        ...(view.idle ? { idle: true } : {}),
        ...(view.viaSkip ? { viaSkip: true } : {}),
        ...(view.enrollmentGrace ? { enrollmentGrace: view.enrollmentGrace } : {}),
        ...(view.pendingExpiresAt !== undefined
          ? {
              expiresIn: Math.max(0, Math.floor((view.pendingExpiresAt - now) / 1000)),
              next: view.next,
            }
          : {}),
      });
    }),
  );

  router.post(
    '/logout',
    route(async (req, res) => {
      const userId = host.mfaOf(req).userId;
      const handle = readRecord(req)?.handle;
      // Off the sessions list first: a failure here leaves the session signed in (retry).
      if (userId !== undefined && handle !== undefined) {
        await host.context.sessions.remove(userId, handle);
      }
      writeRecord(req, undefined);
      await logOut(req);
      await destroySession(req);
      host.events.emitFor(req, 'logout', { userId });
      res.status(204).end();
    }),
  );
}
