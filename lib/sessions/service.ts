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

export interface SessionSummary {
  /** A random handle of the login (never the session id). */
  readonly id: string;
  /** "Chrome on Linux": from the User-Agent at sign-in, fixed names only. */
  readonly label: string;
  readonly ip?: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly aal: 1 | 2 | 3;
  readonly current: boolean;
}

export type EndResult = 'ended' | 'not_found' | 'invalid' | 'current';

export class ActiveSessions {
  constructor(
    private readonly index: SessionIndex,
    private readonly view: ViewPolicy,
  ) {}

  async list(req: Request, userId: string): Promise<SessionSummary[]> {
    const current = readRecord(req)?.handle;
    return (await this.index.live(req, userId)).map((s) => this.summary(s, current));
  }

  /** End one of the user's other sessions: its cookie opens nothing on its next request. */
  async end(req: Request, userId: string, id: unknown): Promise<EndResult> {
    if (typeof id !== 'string' || !HANDLE_PATTERN.test(id)) return 'invalid';
    if (id === readRecord(req)?.handle) return 'current';
    const target = (await this.index.live(req, userId)).find((s) => s.handle === id);
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
