/**
 * The active-sessions service behind `GET/DELETE /auth/sessions` and `stepup.sessions` (for
 * server-rendered pages): list a user's sessions with their assurance and activity, end one, end
 * the others. Scoped by user id: another user's handle is not found (docs/architecture.md,
 * invariant 15).
 */
import type { Request } from 'express';
import { assuranceOf } from '../core/assurance.js';
import type { SessionIndex, LiveSession } from '../core/session-index.js';
import { HANDLE_PATTERN } from '../core/session-index.js';
import { lastActivity, readRecord, type ViewPolicy } from '../core/session-state.js';

/** One active session of a user, as `GET /auth/sessions` lists it (times in ms since epoch). */
export interface SessionSummary {
  /** A random handle of the login (never the session id). */
  readonly id: string;
  /** "Chrome on Linux": from the User-Agent at sign-in, fixed names only. */
  readonly label: string;
  /** `req.ip` at sign-in (behind a proxy, set Express's `trust proxy`). */
  readonly ip?: string;
  /** When this login happened; it keeps its id through every session id rotation. */
  readonly createdAt: number;
  /** Last activity seen, to the minute (or the last factor when none since). */
  readonly lastSeenAt: number;
  /** The session's authenticator assurance level now. */
  readonly aal: 1 | 2 | 3;
  /** True for the session that made the listing request (end it with logout instead). */
  readonly current: boolean;
}

/**
 * What `ActiveSessions.end` did: `ended`; `not_found` (no such session of this user, also for
 * another user's id: 404); `invalid` (not a handle at all); `current` (the caller's own session,
 * which `POST /auth/logout` ends: 400).
 */
export type EndResult = 'ended' | 'not_found' | 'invalid' | 'current';

/**
 * A user's active sessions (`stepup.sessions`, and `GET/DELETE /auth/sessions`), on any
 * express-session store (OWASP ASVS 5.0 V7.5.2: users can see and end their sessions). Only
 * sessions that still exist in the session store are listed.
 */
export class ActiveSessions {
  constructor(
    private readonly index: SessionIndex,
    private readonly view: ViewPolicy,
  ) {}

  /**
   * The user's sessions, newest login first; entries whose session has expired are dropped on
   * the way. Empty when `req` has no session store (express-session not mounted).
   */
  async list(req: Request, userId: string): Promise<SessionSummary[]> {
    const current = readRecord(req)?.handle;
    return (await this.index.live(req, userId)).map((s) => this.summary(s, current));
  }

  /** End one of the user's other sessions: its cookie opens nothing on its next request. */
  async end(req: Request, userId: string, id: unknown): Promise<EndResult> {
    if (typeof id !== 'string' || !HANDLE_PATTERN.test(id)) return 'invalid';
    if (id === readRecord(req)?.handle) return 'current';
    const target = await this.index.find(req, userId, id);
    if (!target) return 'not_found';
    await this.index.end(req, userId, target);
    return 'ended';
  }

  /** End every session of the user but the one of `req`; how many ended. */
  endOthers(req: Request, userId: string): Promise<number> {
    return this.index.endOthers(req, userId);
  }

  private summary(s: LiveSession, currentHandle: string | undefined): SessionSummary {
    const { record } = s;
    return {
      id: s.handle,
      label: s.label,
      ...(s.ip !== undefined ? { ip: s.ip } : {}),
      createdAt: s.createdAt,
      lastSeenAt: lastActivity(record),
      aal: assuranceOf(record, this.view).aal,
      current: s.handle === currentHandle,
    };
  }
}
