/**
 * A user's active sessions (OWASP ASVS 5.0 V7.5.2: users can view their active sessions and end
 * any of them): `GET /sessions`, `DELETE /sessions/:id`, `DELETE /sessions` (all but this one).
 *
 * Signed-in users only, and only their own sessions: the list is read from the user's own index
 * (lib/core/session-index.ts), so another user's handle is simply not found (404). The `id` shown
 * is the login's random handle, never the session id. Ending sessions needs no fresh second
 * factor, for the same reason as forgetting a remembered browser: it only ever takes access
 * away, and a user who sees a session they do not recognise must be able to act at once.
 * DELETEs go through the router's CSRF check like every state change.
 */
import type { Router } from 'express';
import { assuranceOf } from '../core/assurance.js';
import type { FactorHost } from '../core/context.js';
import { StepupError } from '../core/errors.js';
import { HANDLE_PATTERN, type LiveSession } from '../core/session-index.js';
import { readRecord } from '../core/session-state.js';
import { assertSignedIn } from '../http/guards.js';
import { route } from '../http/handler.js';

export interface SessionSummary {
  readonly id: string;
  readonly label: string;
  readonly ip?: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly aal: 1 | 2 | 3;
  readonly current: boolean;
}

function summary(
  host: FactorHost,
  s: LiveSession,
  currentHandle: string | undefined,
): SessionSummary {
  const { record } = s;
  return {
    id: s.handle,
    label: s.label,
    ...(s.ip !== undefined ? { ip: s.ip } : {}),
    createdAt: s.createdAt,
    lastSeenAt: record.lastSeenAt ?? record.mfaAt ?? record.authTime,
    aal: assuranceOf(record, host.context.options.view).aal,
    current: s.handle === currentHandle,
  };
}

export function mountActiveSessionRoutes(router: Router, host: FactorHost): void {
  const { sessions } = host.context;

  router.get(
    '/sessions',
    route(async (req, res) => {
      const userId = assertSignedIn(host, req);
      const current = readRecord(req)?.handle;
      const live = await sessions.live(req, userId);
      res.set('Cache-Control', 'no-store');
      res.json({ sessions: live.map((s) => summary(host, s, current)) });
    }),
  );

  router.delete(
    '/sessions/:id',
    route(async (req, res) => {
      const userId = assertSignedIn(host, req);
      const id = req.params.id;
      if (typeof id !== 'string' || !HANDLE_PATTERN.test(id)) {
        throw new StepupError('INVALID_REQUEST', { field: 'id' }, 'The session id is not valid.');
      }
      if (id === readRecord(req)?.handle) {
        throw new StepupError(
          'INVALID_REQUEST',
          { field: 'id' },
          'This is the session you are using: sign out with POST /auth/logout instead.',
        );
      }
      const target = (await sessions.live(req, userId)).find((s) => s.handle === id);
      if (!target) throw new StepupError('NOT_FOUND');
      await sessions.end(req, userId, target);
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
