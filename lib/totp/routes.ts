import type { Router } from 'express';
import type { FactorHost } from '../core/context.js';
import { csrfToken } from '../http/csrf.js';
import { codeBody, confirmBody, enrollBody, isTruthy, parseBody, route } from '../http/edge.js';
import { beginTotp, confirmTotp, disableTotp } from './service.js';

/** `POST /mfa/totp/enroll`, `/confirm`, `/disable` (the JSON contract in docs/http-api.md), over lib/totp/service.ts. */
export function mountTotpRoutes(router: Router, host: FactorHost): void {
  router.post(
    '/mfa/totp/enroll',
    route(async (req, res) => {
      const { add } = parseBody(enrollBody, req.body);
      res.json(await beginTotp(host, req, { add: isTruthy(add) }));
    }),
  );

  router.post(
    '/mfa/totp/confirm',
    route(async (req, res) => {
      const { code, label } = parseBody(confirmBody, req.body);
      const { recoveryCodes, amr } = await confirmTotp(host, req, code, label);
      // The session id rotated: a new CSRF token goes with the answer.
      res.json({ enabled: true, recoveryCodes, amr, csrfToken: csrfToken(req) });
    }),
  );

  router.post(
    '/mfa/totp/disable',
    route(async (req, res) => {
      const { code } = parseBody(codeBody, req.body);
      await disableTotp(host, req, code);
      res.json({ enabled: false });
    }),
  );
}
