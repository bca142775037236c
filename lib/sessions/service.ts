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
import { MAX_PAGE_SIZE, parseCursor } from '../core/session-entries.js';
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

/** Which page of the list: `limit` sessions (1–200, default 200) after `cursor`. */
export interface SessionPageOptions {
  /** At most this many entries are read for the page (1 to 200). @default 200 */
  readonly limit?: number;
  /** The `next` of the previous page; omit for the first page. */
  readonly cursor?: string;
}

/**
 * One page of `GET /auth/sessions`: `next` is the cursor of the following page, absent on the
 * last. A page may hold fewer than `limit` sessions while `next` is set (entries whose session
 * had ended were dropped on the way): follow `next` until it is absent.
 */
export interface SessionSummaryPage {
  /** The sessions of this page, newest login first. */
  readonly sessions: SessionSummary[];
  /** The `cursor` of the next page; absent on the last page. */
  readonly next?: string;
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
   * The user's sessions, newest login first (the first page: up to 200, which is every session
   * of a user within the per-user bound); entries whose session has expired are dropped on the
   * way. Empty when `req` has no session store (express-session not mounted).
   */
  async list(req: Request, userId: string): Promise<SessionSummary[]> {
    return (await this.page(req, userId)).sessions;
  }

  /**
   * One page of the user's sessions, newest login first, and the cursor of the next. A page
   * reads the index once and its sessions in one batch (docs/architecture.md, "Performance").
   * A `limit` outside 1–200 or a malformed `cursor` is a RangeError (the router answers 400).
   */
  async page(
    req: Request,
    userId: string,
    options: SessionPageOptions = {},
  ): Promise<SessionSummaryPage> {
    const { limit, cursor } = options;
    if (
      limit !== undefined &&
      !(Number.isSafeInteger(limit) && limit >= 1 && limit <= MAX_PAGE_SIZE)
    )
      throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    if (cursor !== undefined && (typeof cursor !== 'string' || !parseCursor(cursor)))
      throw new RangeError('cursor must be the `next` of a previous page');
    const current = readRecord(req)?.handle;
    const page = await this.index.page(req, userId, { limit, cursor });
    return {
      sessions: page.sessions.map((s) => this.summary(s, current)),
      ...(page.next !== undefined ? { next: page.next } : {}),
    };
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
