/**
 * A user's active sessions (OWASP ASVS 5.0 V7.5.2: users can see their active sessions and end
 * any of them; V7.4.3: a password change can end the others), on any express-session store.
 *
 * The index is one hash per user in the MfaStore: a random handle per login (what the user sees
 * as `id`; never the session id, which is a bearer secret) → the session id it currently lives
 * under, when the login happened, the address and a browser label. It is written when a session
 * becomes signed in and whenever its id rotates (one HSET, the handle stays), and cleaned at
 * logout; an entry whose session is gone from the session store (expired, or ended by an app's
 * own `req.logout()`) is dropped the next time the list is read, so the list never shows a
 * session that no longer opens anything. Activity and assurance come from the session itself.
 *
 * The session ids in this hash are as sensitive as the session store's own keys: keep the
 * MfaStore in the same trust zone as the session store (docs/architecture.md, "Where state
 * lives"). Losing the index only hides sessions from the list; they still expire as before.
 */
import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { storeKey, type MfaStore } from '../stores/types.js';
import { SESSION_KEY, sessionIdOf, sessionStoreDown } from './session-state.js';
import type { SessionMfaRecord } from './types.js';
import { labelFromUserAgent } from './user-agent-label.js';

/** What the index keeps per login. */
export interface SessionEntry {
  readonly sid: string;
  readonly createdAt: number;
  readonly ip?: string;
  readonly label: string;
}

/** A live session of the user, as read from the session store. */
export interface LiveSession extends SessionEntry {
  readonly handle: string;
  readonly record: SessionMfaRecord;
}

/** The parts of an express-session store used here (every store has them). */
interface SessionStoreLike {
  get(sid: string, cb: (err: unknown, session?: unknown) => void): void;
  destroy(sid: string, cb: (err?: unknown) => void): void;
}

/** Handles: 128 random bits, base64url (22 characters). */
export const HANDLE_PATTERN = /^[A-Za-z0-9_-]{22}$/;

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

function parseEntry(raw: string): SessionEntry | undefined {
  try {
    const e = JSON.parse(raw) as Partial<SessionEntry>;
    return typeof e.sid === 'string' && typeof e.createdAt === 'number'
      ? {
          sid: e.sid,
          createdAt: e.createdAt,
          label: String(e.label ?? ''),
          ...(typeof e.ip === 'string' ? { ip: e.ip } : {}),
        }
      : undefined;
  } catch {
    return undefined;
  }
}

export class SessionIndex {
  constructor(private readonly store: MfaStore) {}

  /** The session of `req` is (now) where `handle` lives: one HSET. */
  async register(req: Request, userId: string, handle: string, createdAt: number): Promise<void> {
    const sid = sessionIdOf(req);
    if (sid === undefined)
      throw new Error('passport-stepup: req.sessionID is missing; mount express-session first');
    const entry: SessionEntry = {
      sid,
      createdAt,
      ...(req.ip ? { ip: req.ip } : {}),
      label: labelFromUserAgent(req.get('user-agent')),
    };
    await this.store.hashSet(indexKey(userId), handle, JSON.stringify(entry), INDEX_TTL_MS);
  }

  async remove(userId: string, handle: string): Promise<void> {
    await this.store.hashDelete(indexKey(userId), handle);
  }

  /**
   * The user's sessions that still exist in the session store and still belong to this login;
   * stale entries are removed on the way. Without a session store on `req`, an empty list.
   */
  async live(req: Request, userId: string): Promise<LiveSession[]> {
    const sessions = sessionStoreOf(req);
    if (!sessions) return [];
    const all = await this.store.hashGetAll(indexKey(userId));
    const out: LiveSession[] = [];
    for (const [handle, raw] of Object.entries(all)) {
      const live = await this.check(sessions, userId, handle, raw);
      if (live) out.push(live);
    }
    return out.sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * One of the user's sessions by its handle, checked as `live` checks each: one index read and
   * one session-store read, however many sessions the user has.
   */
  async find(req: Request, userId: string, handle: string): Promise<LiveSession | undefined> {
    const sessions = sessionStoreOf(req);
    if (!sessions) return undefined;
    const raw = (await this.store.hashGetAll(indexKey(userId)))[handle];
    return raw === undefined ? undefined : this.check(sessions, userId, handle, raw);
  }

  /**
   * An index entry is a live session only while the session it points to exists and its record
   * names this user and this handle (a session that signed out, or another login in it since,
   * is not this one): otherwise the entry is removed.
   */
  private async check(
    sessions: SessionStoreLike,
    userId: string,
    handle: string,
    raw: string,
  ): Promise<LiveSession | undefined> {
    const entry = parseEntry(raw);
    const data = entry ? await getSession(sessions, entry.sid) : undefined;
    const record = (data as Record<string, unknown> | undefined)?.[SESSION_KEY] as
      SessionMfaRecord | undefined;
    if (!entry || !record || record.userId !== userId || record.handle !== handle) {
      await this.remove(userId, handle);
      return undefined;
    }
    return { ...entry, handle, record };
  }

  /** End one session (its cookie stops working at once) and forget it. */
  async end(req: Request, userId: string, session: LiveSession): Promise<void> {
    const sessions = sessionStoreOf(req);
    if (sessions) await destroySessionById(sessions, session.sid);
    await this.remove(userId, session.handle);
  }

  /** End every session of the user but the one of `req`; how many were ended. */
  async endOthers(req: Request, userId: string): Promise<number> {
    let ended = 0;
    for (const session of await this.live(req, userId)) {
      if (session.sid === sessionIdOf(req)) continue;
      await this.end(req, userId, session);
      ended++;
    }
    return ended;
  }
}

function getSession(store: SessionStoreLike, sid: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    store.get(sid, (err, session) =>
      err ? reject(sessionStoreDown('read', err)) : resolve(session ?? undefined),
    );
  });
}

function destroySessionById(store: SessionStoreLike, sid: string): Promise<void> {
  return new Promise((resolve, reject) => {
    store.destroy(sid, (err) => (err ? reject(sessionStoreDown('destroy', err)) : resolve()));
  });
}
