/**
 * A user's active sessions (OWASP ASVS 5.0 V7.5.2: users can see their active sessions and end
 * any of them; V7.4.3: a password change can end the others), on any express-session store.
 *
 * The index is one hash per user in the MfaStore: a random handle per login (what the user sees
 * as `id`; never the session id, which is a bearer secret) → the session id it currently lives
 * under, when the login happened, the address, a browser label and an expiry hint
 * (lib/core/session-entries.ts). It is written when a session becomes signed in and whenever its
 * id rotates (one HSET, the handle stays), and cleaned at logout. An entry whose session is gone
 * from the session store (expired, or ended by an app's own `req.logout()`) is dropped when a
 * page of the list reads it, and at sign-in (pruning on write, bounded per user: session-entries.ts),
 * so the list never shows a session that no longer opens anything. Activity and assurance come
 * from the session itself.
 *
 * Round trips do not grow with the user's sessions (docs/architecture.md, "Performance"): a page
 * is one index read, one batch read of its sessions and at most one HDEL; ending one is an HGET,
 * a read, a destroy and an HDEL; ending the others is one index read, one batch read, one batch
 * destroy and one HDEL (lib/core/session-store-batch.ts).
 *
 * The session ids in this hash are as sensitive as the session store's own keys: keep the
 * MfaStore in the same trust zone as the session store (docs/architecture.md, "Where state
 * lives"). Losing the index only hides sessions from the list; they still expire as before.
 */
import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { storeKey, type MfaStore } from '../stores/types.js';
import {
  after,
  cursorOf,
  DEFAULT_PAGE_SIZE,
  entriesOf,
  MAX_SESSIONS_PER_USER,
  parseEntry,
  PRUNE_CANDIDATES,
  pruneCandidates,
  type HandleEntry,
  type SessionEntry,
} from './session-entries.js';
import { SESSION_KEY, sessionBag, sessionIdOf } from './session-state.js';
import {
  destroySession,
  destroySessions,
  getSession,
  readSessions,
  type SessionStoreLike,
} from './session-store-batch.js';
import type { SessionMfaRecord } from './types.js';
import { labelFromUserAgent } from './user-agent-label.js';

export { HANDLE_PATTERN, MAX_SESSIONS_PER_USER, type SessionEntry } from './session-entries.js';

/** A live session of the user, as read from the session store. */
export interface LiveSession extends SessionEntry {
  readonly handle: string;
  readonly record: SessionMfaRecord;
}

/** One page of the list: `next` is the cursor of the following page, absent on the last. */
export interface SessionPage {
  readonly sessions: LiveSession[];
  readonly next?: string;
}

/** The index outlives any session: a year, renewed at every write. */
const INDEX_TTL_MS = 365 * 24 * 3600 * 1000;

const indexKey = (userId: string): string => storeKey(userId, 'sessions');

export function newSessionHandle(): string {
  return randomBytes(16).toString('base64url');
}

function sessionStoreOf(req: Request): SessionStoreLike | undefined {
  const store = (req as unknown as { sessionStore?: Partial<SessionStoreLike> }).sessionStore;
  return store && typeof store.get === 'function' && typeof store.destroy === 'function'
    ? (store as SessionStoreLike)
    : undefined;
}

/**
 * The session's expiry as the session store sees it now (express-session's cookie, on the wall
 * clock, which is also what pruning compares it with: the app's injected `now` does not move it).
 */
function expiryHint(req: Request): number | undefined {
  const cookie = sessionBag(req)?.cookie as { expires?: unknown } | undefined;
  const expires = cookie?.expires;
  const at = expires instanceof Date ? expires.getTime() : undefined;
  return at !== undefined && Number.isFinite(at) ? at : undefined;
}

/**
 * An index entry is a live session only while the session it points to exists and its record
 * names this user and this handle (a session that signed out, or another login in it since,
 * is not this one).
 */
function liveOf(userId: string, entry: HandleEntry, data: unknown): LiveSession | undefined {
  const record = (data as Record<string, unknown> | undefined)?.[SESSION_KEY] as
    SessionMfaRecord | undefined;
  return record && record.userId === userId && record.handle === entry.handle
    ? { ...entry, record }
    : undefined;
}

export class SessionIndex {
  constructor(private readonly store: MfaStore) {}

  /**
   * The session of `req` is (now) where `handle` lives: one HSET, with the index read alongside
   * it (the same round trip) so that the sign-in can prune: entries past their expiry hint, once
   * `PRUNE_CANDIDATES` have gathered, and the oldest sessions past `MAX_SESSIONS_PER_USER`.
   */
  async register(req: Request, userId: string, handle: string, createdAt: number): Promise<void> {
    const sid = sessionIdOf(req);
    if (sid === undefined)
      throw new Error('passport-stepup: req.sessionID is missing; mount express-session first');
    const exp = expiryHint(req);
    const entry: SessionEntry = {
      sid,
      createdAt,
      ...(req.ip ? { ip: req.ip } : {}),
      label: labelFromUserAgent(req.get('user-agent')),
      ...(exp !== undefined ? { exp } : {}),
    };
    const key = indexKey(userId);
    const [all] = await Promise.all([
      this.store.hashGetAll(key),
      this.store.hashSet(key, handle, JSON.stringify(entry), INDEX_TTL_MS),
    ]);
    const { [handle]: _own, ...others } = all;
    await this.prune(req, userId, others);
  }

  async remove(userId: string, handle: string): Promise<void> {
    await this.store.hashDelete(indexKey(userId), handle);
  }

  /**
   * One page of the user's sessions that still exist in the session store and still belong to
   * this login, newest first; the stale entries of the page are removed on the way (one HDEL).
   * Without a session store on `req`, an empty page.
   */
  async page(
    req: Request,
    userId: string,
    options: { limit?: number; cursor?: string } = {},
  ): Promise<SessionPage> {
    const sessions = sessionStoreOf(req);
    if (!sessions) return { sessions: [] };
    const limit = options.limit ?? DEFAULT_PAGE_SIZE;
    const { entries, unreadable } = entriesOf(await this.store.hashGetAll(indexKey(userId)));
    const rest = after(entries, options.cursor);
    const window = rest.slice(0, limit);
    const { live, stale } = await this.check(sessions, userId, window);
    await this.forget(userId, [...unreadable, ...stale]);
    const last = window.at(-1);
    return { sessions: live, ...(rest.length > limit && last ? { next: cursorOf(last) } : {}) };
  }

  /**
   * One of the user's sessions by its handle, checked as a page checks each: one HGET and one
   * session-store read, however many sessions the user has.
   */
  async find(req: Request, userId: string, handle: string): Promise<LiveSession | undefined> {
    const sessions = sessionStoreOf(req);
    if (!sessions) return undefined;
    const key = indexKey(userId);
    const raw = this.store.hashGet
      ? await this.store.hashGet(key, handle)
      : (await this.store.hashGetAll(key))[handle];
    if (raw === undefined || raw === null) return undefined;
    const entry = parseEntry(raw);
    const live =
      entry && liveOf(userId, { ...entry, handle }, await getSession(sessions, entry.sid));
    if (!live) await this.remove(userId, handle);
    return live;
  }

  /** End one session (its cookie stops working at once) and forget it. */
  async end(req: Request, userId: string, session: LiveSession): Promise<void> {
    const sessions = sessionStoreOf(req);
    if (sessions) await destroySession(sessions, session.sid);
    await this.remove(userId, session.handle);
  }

  /**
   * End every session of the user but the one of `req`; how many were ended. Four round trips
   * whatever their number: the index, one batch read, one batch destroy, one HDEL (the index
   * is cleaned only after the sessions are gone, so a failure leaves them listed).
   */
  async endOthers(req: Request, userId: string): Promise<number> {
    const sessions = sessionStoreOf(req);
    if (!sessions) return 0;
    const current = sessionIdOf(req);
    const { entries, unreadable } = entriesOf(await this.store.hashGetAll(indexKey(userId)));
    const others = entries.filter((e) => e.sid !== current);
    const { live, stale } = await this.check(sessions, userId, others);
    await destroySessions(
      sessions,
      live.map((s) => s.sid),
    );
    await this.forget(userId, [...unreadable, ...stale, ...live.map((s) => s.handle)]);
    return live.length;
  }

  /**
   * Pruning on write, so that the index of a user who signs in often stays bounded without
   * waiting for the list to be read. `others` are the entries besides the one just written.
   * Nothing is dropped on a guess: a candidate's session is read first (its expiry slides with
   * every request), and a session over the bound is ended before its entry goes.
   */
  private async prune(req: Request, userId: string, others: Record<string, string>): Promise<void> {
    const sessions = sessionStoreOf(req);
    if (!sessions) return;
    const { entries, unreadable } = entriesOf(others);
    const over = entries.length + 1 > MAX_SESSIONS_PER_USER;
    const candidates = over ? entries : pruneCandidates(entries, Date.now());
    if (!over && candidates.length < PRUNE_CANDIDATES) {
      await this.forget(userId, unreadable);
      return;
    }
    const { live, stale } = await this.check(sessions, userId, candidates);
    const kept = entries.length - stale.length;
    // Newest first: the sessions past the bound are the oldest ones (ASVS 5.0 V7.1.2).
    const evicted = kept + 1 > MAX_SESSIONS_PER_USER ? live.slice(MAX_SESSIONS_PER_USER - 1) : [];
    await destroySessions(
      sessions,
      evicted.map((s) => s.sid),
    );
    await this.forget(userId, [...unreadable, ...stale, ...evicted.map((s) => s.handle)]);
  }

  /** Split `entries` (newest first) by reading their sessions in one batch. */
  private async check(
    sessions: SessionStoreLike,
    userId: string,
    entries: readonly HandleEntry[],
  ): Promise<{ live: LiveSession[]; stale: string[] }> {
    const data = await readSessions(
      sessions,
      entries.map((e) => e.sid),
    );
    const live: LiveSession[] = [];
    const stale: string[] = [];
    entries.forEach((entry, i) => {
      const session = liveOf(userId, entry, data[i]);
      if (session) live.push(session);
      else stale.push(entry.handle);
    });
    return { live, stale };
  }

  /** Drop index entries: one HDEL for all of them. */
  private async forget(userId: string, handles: readonly string[]): Promise<void> {
    if (handles.length === 0) return;
    const key = indexKey(userId);
    if (this.store.hashDeleteMany) await this.store.hashDeleteMany(key, handles);
    else await Promise.all(handles.map((h) => this.store.hashDelete(key, h)));
  }
}
