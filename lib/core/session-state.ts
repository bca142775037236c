import type { Request } from 'express';
import { StoreUnavailableError } from '../stores/types.js';
import { assuranceOf } from './assurance.js';
import type { MfaView, SessionMfaRecord } from './types.js';

/** The key under `req.session` where the MFA record lives. */
export const SESSION_KEY = 'stepup';

type SessionBag = Record<string, unknown>;

/** `req.session` as a plain bag of fields (express-session's type is not needed here). */
export function sessionBag(req: Request): SessionBag | undefined {
  return (req as unknown as { session?: SessionBag }).session;
}

/**
 * express-session's id of the request's session. Read without its type augmentation, so that
 * every entry point of the build compiles whether or not it sees express-session's types.
 */
export function sessionIdOf(req: Request): string | undefined {
  return (req as unknown as { sessionID?: string }).sessionID;
}

/** The raw record, or undefined when the session is anonymous or the record is malformed. */
export function readRecord(req: Request): SessionMfaRecord | undefined {
  const raw = sessionBag(req)?.[SESSION_KEY];
  if (!raw || typeof raw !== 'object') return undefined;
  const rec = raw as Partial<SessionMfaRecord>;
  // A record we did not write (or an older format) is treated as no record at all:
  // fail closed rather than trust fields of unknown shape.
  if (rec.v !== 1 || typeof rec.userId !== 'string' || !Array.isArray(rec.amr)) return undefined;
  // A record is only valid in the session it was written in. Passport copies the session's data
  // into the new session at login and logout when the app passes `keepSessionInfo`; a copied
  // record (a logged-out user's factors) must not vouch for the next login (logout carries no
  // factor; docs/architecture.md, invariant 2).
  if (rec.sid !== undefined && rec.sid !== sessionIdOf(req)) return undefined;
  return rec as SessionMfaRecord;
}

export function writeRecord(req: Request, record: SessionMfaRecord | undefined): void {
  const session = sessionBag(req);
  if (!session)
    throw new Error('passport-stepup: req.session is missing; mount express-session first');
  if (record) session[SESSION_KEY] = { ...record, sid: sessionIdOf(req) };
  else Reflect.deleteProperty(session, SESSION_KEY);
}

export const ANONYMOUS: MfaView = Object.freeze({
  status: 'anonymous',
  amr: Object.freeze([]),
  factors: Object.freeze([]),
  viaRememberedBrowser: false,
});

/**
 * The view `req.mfa` exposes.
 *  - An expired pending record reads as anonymous.
 *  - A logged-in record whose Passport login is gone (logout elsewhere) reads as anonymous.
 *  - A Passport login without our record (the app logged the user in by another path), or with
 *    a record of another user, reads as `authenticated` with no factors: it opens
 *    `requireAuth()` but never `requireMfa()` (fail closed).
 */
/** How a session's record is read: the assurance opt-in and the reauthentication limits. */
export interface ViewPolicy {
  /** `assurance.aal3`: a device-bound passkey with user verification counts as AAL3. */
  readonly aal3: boolean;
  /** NIST SP 800-63B-4 §2.2.3: past this since the login, the session opens nothing. */
  readonly maxSessionAgeMs?: number;
  /** Past this without activity, guards ask for a second factor again (`idle`). */
  readonly maxIdleMs?: number;
}

const NO_LIMITS: ViewPolicy = { aal3: false };

/** When the session last showed activity: its last touch, else its last factor. */
export function lastActivity(rec: SessionMfaRecord): number {
  return rec.lastSeenAt ?? rec.mfaAt ?? rec.authTime;
}

/** A signed-in record past its overall reauthentication limit. */
function pastSessionAge(rec: SessionMfaRecord, now: number, policy: ViewPolicy): boolean {
  return policy.maxSessionAgeMs !== undefined && now - rec.authTime > policy.maxSessionAgeMs;
}

function isIdle(rec: SessionMfaRecord, now: number, policy: ViewPolicy): boolean {
  return policy.maxIdleMs !== undefined && now - lastActivity(rec) > policy.maxIdleMs;
}

/** How often activity is written into the session: at most once per this (a session write). */
export const ACTIVITY_GRANULARITY_MS = 60_000;

/**
 * Note activity on a signed-in session (a request that passed a guard, or any request through
 * `stepup.middleware()`): `lastSeenAt` moves forward at most once per `granularityMs`, so that a
 * busy session is written once a minute rather than on every request. An idle session is left
 * idle: only a second factor ends that (it writes a new record).
 */
export function touchActivity(
  req: Request,
  now: number,
  policy: ViewPolicy,
  granularityMs = ACTIVITY_GRANULARITY_MS,
): void {
  const rec = readRecord(req);
  if (!rec || rec.status === 'pending' || !isPassportLoggedIn(req)) return;
  if (pastSessionAge(rec, now, policy) || isIdle(rec, now, policy)) return;
  const step = Math.min(granularityMs, Math.max(1000, (policy.maxIdleMs ?? Infinity) / 10));
  if (now - lastActivity(rec) < step) return;
  writeRecord(req, { ...rec, lastSeenAt: now });
}

export function mfaOfSession(
  req: Request,
  now: number,
  userIdOf: (user: unknown) => string,
  policy: ViewPolicy = NO_LIMITS,
): MfaView {
  const rec = readRecord(req);
  if (!rec) {
    if (!isPassportLoggedIn(req)) return ANONYMOUS;
    return signedInElsewhere(req, userIdOf);
  }
  if (!isPassportLoggedIn(req)) {
    // Only a pending login lives without a Passport login, and only until it expires.
    if (
      rec.status !== 'pending' ||
      rec.pendingExpiresAt === undefined ||
      rec.pendingExpiresAt <= now
    ) {
      return ANONYMOUS;
    }
  } else if (rec.status === 'pending' || rec.userId !== safeUserId(req, userIdOf)) {
    return signedInElsewhere(req, userIdOf);
  } else if (pastSessionAge(rec, now, policy)) {
    // Reauthentication limit reached: this login is over, whatever else the session holds.
    return ANONYMOUS;
  }
  const signedIn = rec.status !== 'pending';
  return Object.freeze({
    status: rec.status,
    userId: rec.userId,
    amr: Object.freeze([...rec.amr]),
    factors: Object.freeze([...rec.factors]),
    authTime: rec.authTime,
    mfaAt: rec.mfaAt,
    ...(factorTimesOf(rec) ?? {}),
    viaRememberedBrowser: rec.viaRememberedBrowser,
    ...(rec.viaSkip ? { viaSkip: true } : {}),
    ...(rec.enrollmentGrace ? { enrollmentGrace: Object.freeze({ ...rec.enrollmentGrace }) } : {}),
    pendingExpiresAt: rec.status === 'pending' ? rec.pendingExpiresAt : undefined,
    next: rec.status === 'pending' ? rec.next : undefined,
    ...(rec.status === 'pending' && Array.isArray(rec.offered)
      ? { offered: Object.freeze([...rec.offered]) }
      : {}),
    ...(signedIn
      ? {
          ...assuranceOf(rec, policy),
          lastSeenAt: lastActivity(rec),
          idle: isIdle(rec, now, policy),
        }
      : {}),
  });
}

/**
 * The record's per-factor times, only when they have the shape we write (an object of finite
 * numbers); anything else is left out, which reads as stale on routes that need them (fail
 * closed, docs/architecture.md, invariant 20).
 */
function factorTimesOf(
  rec: SessionMfaRecord,
): { factorTimes: Readonly<Record<string, number>> } | undefined {
  const raw: unknown = rec.factorTimes;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const times = Object.entries(raw).filter(
    (entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]),
  );
  return { factorTimes: Object.freeze(Object.fromEntries(times)) };
}

/** A Passport login our record does not describe: signed in, no factor (fail closed). */
function signedInElsewhere(req: Request, userIdOf: (user: unknown) => string): MfaView {
  const userId = safeUserId(req, userIdOf);
  return Object.freeze({
    ...ANONYMOUS,
    status: 'authenticated',
    aal: 1,
    phishingResistant: false,
    ...(userId ? { userId } : {}),
  });
}

function safeUserId(req: Request, userIdOf: (user: unknown) => string): string | undefined {
  try {
    return userIdOf((req as { user?: unknown }).user);
  } catch {
    return undefined;
  }
}

export function isPassportLoggedIn(req: Request): boolean {
  const fn = (req as { isAuthenticated?: () => boolean }).isAuthenticated;
  return typeof fn === 'function' && fn.call(req);
}

/** express-session's regenerate as a promise: the old id is destroyed in the session store. */
export function regenerateSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    const session = (req as { session?: { regenerate(cb: (err?: unknown) => void): void } })
      .session;
    if (!session) {
      reject(new Error('passport-stepup: req.session is missing; mount express-session first'));
      return;
    }
    session.regenerate((err) => (err ? reject(sessionStoreDown('regenerate', err)) : resolve()));
  });
}

/**
 * The session store failed: a 503 like every store outage (fail closed, docs/architecture.md,
 * invariant 9), not a 500; the store's own error is the cause.
 */
export function sessionStoreDown(operation: string, cause: unknown): StoreUnavailableError {
  return new StoreUnavailableError(`The session store could not ${operation} the session`, {
    cause: toError(cause),
  });
}

type SaveCallback = (err?: unknown) => void;
type SavableSession = Record<string, unknown> & { save(cb?: SaveCallback): unknown };

/** The session's data as express-session hashes it: everything but the cookie. */
function contentOf(session: SavableSession): string {
  return JSON.stringify(session, (key, value: unknown) => (key === 'cookie' ? undefined : value));
}

/**
 * Persist the session before answering, so that a failed write is a 503 and never a 200 for a
 * session that does not exist (express-session's own write at the end of the response comes
 * after the status line is sent, and its failure cannot change the answer), and a client that
 * races the next request sees it.
 *
 * express-session writes a regenerated session again at the end of the response, whatever was
 * saved. After our write succeeds, that second write is skipped when the data did not change
 * since (what it would write is what is stored); any change after our save is still written.
 */
export function saveSession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    const session = (req as unknown as { session?: SavableSession }).session;
    if (!session) {
      resolve();
      return;
    }
    const write = session.save;
    write.call(session, (err?: unknown) => {
      if (err) {
        reject(sessionStoreDown('save', err));
        return;
      }
      const saved = contentOf(session);
      Object.defineProperty(session, 'save', {
        configurable: true,
        enumerable: false,
        writable: true,
        value(this: SavableSession, cb?: SaveCallback) {
          if (this === session && contentOf(this) === saved) {
            if (cb) cb();
            return this;
          }
          return write.call(this, cb);
        },
      });
      resolve();
    });
  });
}

/** End the session in the session store (logout). */
export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    const session = (req as { session?: { destroy(cb: (err?: unknown) => void): void } }).session;
    if (!session) {
      resolve();
      return;
    }
    session.destroy((err) => (err ? reject(toError(err)) : resolve()));
  });
}

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
