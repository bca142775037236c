/**
 * A user's active sessions (OWASP ASVS 5.0 V7.5.2: users can view their active sessions and end
 * any of them): `GET /sessions` (paged: `?limit=&cursor=`, `{sessions, next}`),
 * `DELETE /sessions/:id`, `DELETE /sessions` (all but this one).
 *
 * Signed-in users only, and only their own sessions (lib/sessions/service.ts). Ending sessions
 * needs no fresh second factor, for the same reason as forgetting a remembered browser: it only
 * ever takes access away, and a user who sees a session they do not recognise must be able to
 * act at once. DELETEs go through the router's CSRF check like every state change.
 */
import type { Request, Router } from 'express';
import type { FactorHost } from '../core/context.js';
import { StepupError } from '../core/errors.js';
import { MAX_PAGE_SIZE, parseCursor } from '../core/session-entries.js';
import { assertSignedIn } from '../http/guards.js';
import { liveTokens } from '../core/bearer-cache.js';
import { route } from '../http/edge.js';
import type { ActiveSessions, SessionPageOptions } from './service.js';

/**
 * `?limit=&cursor=` of `GET /sessions`, checked before anything is read: a limit that is not an
 * integer from 1 to 200, a cursor that is not a `next`, a repeated parameter → 400
 * (docs/architecture.md, invariant 8).
 */
function pageOptions(query: Request['query']): SessionPageOptions {
  const { limit, cursor } = query;
  const bad = (field: string): never => {
    throw new StepupError('INVALID_REQUEST', { field }, `The ${field} parameter is not valid.`);
  };
  if (limit !== undefined && (typeof limit !== 'string' || !/^[1-9]\d{0,2}$/.test(limit)))
    bad('limit');
  if (cursor !== undefined && (typeof cursor !== 'string' || !parseCursor(cursor))) bad('cursor');
  const size = limit === undefined ? undefined : Number(limit);
  if (size !== undefined && size > MAX_PAGE_SIZE) bad('limit');
  return {
    ...(size !== undefined ? { limit: size } : {}),
    ...(typeof cursor === 'string' ? { cursor } : {}),
  };
}

export function mountActiveSessionRoutes(
  router: Router,
  host: FactorHost,
  sessions: ActiveSessions,
): void {
  router.get(
    '/sessions',
    route(async (req, res) => {
      const userId = assertSignedIn(host, req);
      const options = pageOptions(req.query);
      const page = await sessions.page(req, userId, options);
      // The user's bearer tokens beside the browsers (first page only): every way into the
      // account in one list (docs/architecture.md, invariant 22).
      const { credentials, now } = host.context;
      const tokens =
        options.cursor === undefined ? await liveTokens(credentials, userId, now()) : undefined;
      res.json(tokens ? { ...page, tokens } : page);
    }),
  );

  router.delete(
    '/sessions/:id',
    route(async (req, res) => {
      const userId = assertSignedIn(host, req);
      const result = await sessions.end(req, userId, req.params.id);
      if (result === 'invalid') {
        throw new StepupError('INVALID_REQUEST', { field: 'id' }, 'The session id is not valid.');
      }
      if (result === 'current') {
        throw new StepupError(
          'INVALID_REQUEST',
          { field: 'id' },
          'This is the session you are using: sign out with POST /auth/logout instead.',
        );
      }
      if (result === 'not_found') throw new StepupError('NOT_FOUND');
      host.context.events.emitFor(req, 'session.ended', { userId });
      res.status(204).end();
    }),
  );

  router.delete(
    '/sessions',
    route(async (req, res) => {
      const userId = assertSignedIn(host, req);
      const ended = await sessions.endOthers(req, userId);
      host.context.events.emitFor(req, 'session.ended', { userId, count: ended });
      res.status(204).end();
    }),
  );
}
