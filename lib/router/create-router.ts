import express, { type Router } from 'express';
import { basicCredentials, csrfProtection } from '../http/csrf.js';
import { createErrorHandler } from '../http/error-handler.js';
import { mountAdminRoutes } from './admin-routes.js';
import { mountTokenRoutes, mountTokenSignInRoutes } from '../bearer-tokens/routes.js';
import { mountFactorRoutes } from './factor-routes.js';
import { mountPasswordResetRoutes } from '../password-reset/routes.js';
import { mountRememberBrowserRoutes } from '../remember-browser/routes.js';
import type { RouterHost } from './host.js';

export type { RouterHost } from './host.js';
import { mountSessionRoutes } from './session-routes.js';
import { mountActiveSessionRoutes } from '../sessions/routes.js';

/** Options of `stepup.router(options)`. */
export interface RouterOptions {
  /** Check CSRF tokens on POST/DELETE. Turn off only for clients that cannot carry cookies. @default true */
  readonly csrf?: boolean;
  /** Largest accepted body. @default '16kb' */
  readonly bodyLimit?: string;
  /**
   * Called with unexpected errors (the client sees a bare 500), after the `logger` of
   * `createStepup` has logged them.
   */
  readonly onError?: (err: unknown) => void;
}

/**
 * The JSON router of the JSON contract (docs/http-api.md): `app.use('/auth', stepup.router())`. Mount it after
 * express-session, `passport.initialize()` and `passport.session()`.
 */
export function createRouter(host: RouterHost, options: RouterOptions = {}): Router {
  const router = express.Router();
  const limit = options.bodyLimit ?? '16kb';
  router.use(express.json({ limit, strict: true }));
  router.use(express.urlencoded({ extended: false, limit, parameterLimit: 20 }));
  router.use((_req, res, next) => {
    // Auth answers are per user and must never be cached by a shared cache. The one place the
    // router's answers get no-store (the token, session and factor routes included).
    res.set('Cache-Control', 'no-store');
    next();
  });
  // Token clients carry no cookie: their two routes come before the CSRF check, and every
  // other route refuses a bearer token (docs/architecture.md, invariant 22).
  if (host.bearerTokens) mountTokenSignInRoutes(router, host.bearerTokens);
  if (options.csrf !== false) {
    router.use(
      csrfProtection({
        skip: (req) =>
          req.method === 'POST' && req.path === '/login' && basicCredentials(req) !== undefined,
      }),
    );
  }
  mountSessionRoutes(router, host);
  for (const factor of host.factors.values()) factor.mountRoutes?.(router, host);
  mountFactorRoutes(router, host);
  mountAdminRoutes(router, host);
  mountActiveSessionRoutes(router, host, host.sessions);
  if (host.passwordReset) mountPasswordResetRoutes(router, host.passwordReset);
  if (host.bearerTokens) mountTokenRoutes(router, host, host.bearerTokens);
  if (host.rememberedBrowsers) mountRememberBrowserRoutes(router, host, host.rememberedBrowsers);
  router.use(createErrorHandler(options.onError, host.context.log));
  return router;
}
