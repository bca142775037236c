/**
 * The token endpoints of the JSON router (docs/architecture.md, invariant 22):
 * - `POST /token` (sign in: password + second factor → a token; no cookie, no CSRF token) and
 *   `DELETE /token` (a token revokes itself: the CLI's logout), mounted before the CSRF check;
 * - every other route of the router refuses a request that carries a bearer token (403
 *   `interactive_session_required`): a token never manages factors, tokens, the password or
 *   sessions, never acts as an admin and never steps a session up (the bugs of sokosumi #4466
 *   and soundspan #370, where an API key changed 2FA);
 * - `POST /tokens`, `GET /tokens`, `DELETE /tokens/:id`: personal tokens, from a browser session.
 */
import type { Router } from 'express';
import { z } from 'zod';
import { hasBearerHeader } from '../core/bearer-view.js';
import type { FactorHost } from '../core/context.js';
import { StepupError } from '../core/errors.js';
import { parseBody, route } from '../http/edge.js';
import { assertSignedIn } from '../http/guards.js';
import { refuseToken } from './guard.js';
import { createPersonalTokenWith, type PersonalTokenInput } from './personal.js';
import type { BearerTokens } from './service.js';
import { signInForToken } from './sign-in.js';

/** Before the router's CSRF check: a token client has no cookie, hence no CSRF exposure. */
export function mountTokenSignInRoutes(router: Router, tokens: BearerTokens): void {
  router.post(
    '/token',
    route(async (req, res) => {
      const issued = await signInForToken(tokens, req, res);
      // Cache-Control: no-store comes from the router (lib/router/create-router.ts, every
      // answer); RFC 6749 §5.1 also asks for Pragma on a token answer.
      res.set('Pragma', 'no-cache');
      res.json(issued);
    }),
  );
  router.delete(
    '/token',
    route(async (req, res) => {
      const view = hasBearerHeader(req) ? await tokens.authenticate(req) : undefined;
      if (!view?.bearer || view.userId === undefined) {
        refuseToken(res);
        return;
      }
      await tokens.revoke(req, view.userId, [view.bearer.id]);
      res.status(204).end();
    }),
  );
  router.use((req, _res, next) => {
    next(hasBearerHeader(req) ? new StepupError('INTERACTIVE_SESSION_REQUIRED') : undefined);
  });
}

/** After the CSRF check: personal tokens, managed from a signed-in browser session. */
export function mountTokenRoutes(router: Router, host: FactorHost, tokens: BearerTokens): void {
  router.post(
    '/tokens',
    route(async (req, res) => {
      const issued = await createPersonalTokenWith(
        tokens,
        req,
        (req.body ?? {}) as PersonalTokenInput,
      );
      res.status(201).json(issued);
    }),
  );
  router.get(
    '/tokens',
    route(async (req, res) => {
      const userId = assertSignedIn(host, req);
      res.json({ tokens: await tokens.list(userId) });
    }),
  );
  router.delete(
    '/tokens/:id',
    route(async (req, res) => {
      const userId = assertSignedIn(host, req);
      const { id } = parseBody(z.object({ id: z.string().min(1).max(64) }), req.params);
      if ((await tokens.revoke(req, userId, [id])) === 0) throw new StepupError('NOT_FOUND');
      res.status(204).end();
    }),
  );
}
