/**
 * Endpoints of the passkey factor (docs/http-api.md, the JSON contract):
 *   POST /mfa/passkeys/register/options           creation options (needs a fresh factor)
 *   POST /mfa/passkeys/register/verify {response, label?}  200 {enabled:true, id, recoveryCodes}
 *   POST /mfa/passkeys/authenticate/options       request options for the second-factor step;
 *        the assertion then goes to POST /mfa/verify {factor:"passkey", response}
 *   POST /passkey/options, POST /passkey/login {response}   passwordless (unless turned off)
 * Every POST needs the CSRF token (the router checks it). Listing, renaming and removing go
 * through the factors API (lib/router/factor-routes.ts).
 */
import type { Router } from 'express';
import type { FactorHost } from '../core/context.js';
import type { ElevationOutcome } from '../core/login-flow.js';
import { csrfToken } from '../http/csrf.js';
import { parseBody, route, runMiddleware } from '../http/edge.js';
import { loginBody, registerBody } from './schemas.js';
import {
  beginPasskeyRegistration,
  finishPasskeyRegistration,
  passkeyChallenge,
  passwordlessChallenge,
} from './service.js';

export function mountPasskeyRoutes(
  router: Router,
  host: FactorHost,
  passwordless: { readonly strategy: string } | undefined,
): void {
  router.post(
    '/mfa/passkeys/register/options',
    route(async (req, res) => {
      res.json(await beginPasskeyRegistration(host, req));
    }),
  );

  router.post(
    '/mfa/passkeys/register/verify',
    route(async (req, res) => {
      const { response, label } = parseBody(registerBody, req.body);
      const result = await finishPasskeyRegistration(host, req, response, label);
      // The session id rotated: a new CSRF token goes with the answer.
      res.json({ enabled: true, ...result, csrfToken: csrfToken(req) });
    }),
  );

  router.post(
    '/mfa/passkeys/authenticate/options',
    route(async (req, res) => {
      res.json(await passkeyChallenge(host, req));
    }),
  );

  if (!passwordless) return;
  router.post(
    '/passkey/options',
    route(async (req, res) => {
      res.json(await passwordlessChallenge(host, req));
    }),
  );

  router.post(
    '/passkey/login',
    route(async (req, res) => {
      parseBody(loginBody, req.body);
      await runMiddleware(host.authenticate(passwordless.strategy), req, res);
      const userId = host.mfaOf(req).userId;
      // As after any second factor: `newDevice()` learns this browser (no remember cookie).
      if (userId !== undefined) {
        await host.afterVerify(req, res, { userId, factor: 'passkey', rememberBrowser: false });
      }
      const outcome = res.locals.stepup as ElevationOutcome;
      res.json({ ...outcome, csrfToken: csrfToken(req) });
    }),
  );
}
