/**
 * The entries of a user's sessions index (lib/core/session-index.ts) as data: their format, their
 * order, the paging cursor, and which entries pruning looks at. No I/O here.
 *
 * The bound (docs/architecture.md, invariant 15; docs/step-up.md, "Active sessions"): at most
 * `MAX_SESSIONS_PER_USER` entries per user. OWASP ASVS 5.0 V7.1.2 asks for a documented limit on
 * concurrent sessions and what happens at the limit: here a new sign-in past it ends the user's
 * oldest session (after checking that it is theirs), so the index never forgets a session that
 * still opens something; forgetting one would hide it from the list and from "end all others"
 * (ASVS V7.5.2, V7.4.3).
 */

/** What the index keeps per login. */
export interface SessionEntry {
  readonly sid: string;
  readonly createdAt: number;
  readonly ip?: string;
  readonly label: string;
  /**
   * When the session would expire had it seen no request since this entry was written (the
   * session cookie's expiry then). A hint, not a bound: express-session slides a session's
   * expiry on every request (`touch`), so an entry past `exp` is only a candidate for pruning
   * and its session is read before the entry is dropped.
   */
  readonly exp?: number;
}

/** An entry with its handle (the field of the index hash). */
export interface HandleEntry extends SessionEntry {
  readonly handle: string;
}

/** The most entries (logins) one user's index holds; a sign-in past it ends the oldest. */
export const MAX_SESSIONS_PER_USER = 200;

/**
 * A sign-in reads the sessions of entries past their `exp` hint once this many have gathered
 * (one batch read, then one HDEL): a user signing in every few hours (a CLI) keeps about this
 * many dead entries at most, instead of one per sign-in.
 */
export const PRUNE_CANDIDATES = 10;

/** Page size of `GET /auth/sessions`: the default and the most one page holds. */
export const DEFAULT_PAGE_SIZE = MAX_SESSIONS_PER_USER;
export const MAX_PAGE_SIZE = MAX_SESSIONS_PER_USER;

/** Handles: 128 random bits, base64url (22 characters). */
export const HANDLE_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** `<createdAt>.<handle>` of the last entry of a page: where the next page starts. */
const CURSOR_PATTERN = /^(\d{1,15})\.([A-Za-z0-9_-]{22})$/;

export function parseEntry(raw: string): SessionEntry | undefined {
  try {
    const e = JSON.parse(raw) as Partial<SessionEntry>;
    return typeof e.sid === 'string' && typeof e.createdAt === 'number'
      ? {
          sid: e.sid,
          createdAt: e.createdAt,
          label: String(e.label ?? ''),
          ...(typeof e.ip === 'string' ? { ip: e.ip } : {}),
          ...(typeof e.exp === 'number' ? { exp: e.exp } : {}),
        }
      : undefined;
  } catch {
    return undefined;
  }
}

/** The index hash split into readable entries and the handles of unreadable ones. */
export function entriesOf(all: Record<string, string>): {
  entries: HandleEntry[];
  unreadable: string[];
} {
  const entries: HandleEntry[] = [];
  const unreadable: string[] = [];
  for (const [handle, raw] of Object.entries(all)) {
    const entry = parseEntry(raw);
    if (entry) entries.push({ ...entry, handle });
    else unreadable.push(handle);
  }
  return { entries: entries.sort(newestFirst), unreadable };
}

/** Newest login first; the handle breaks ties, so the order (and a cursor) is total. */
export function newestFirst(a: HandleEntry, b: HandleEntry): number {
  return b.createdAt - a.createdAt || (a.handle < b.handle ? -1 : a.handle > b.handle ? 1 : 0);
}

export function cursorOf(entry: HandleEntry): string {
  return `${entry.createdAt}.${entry.handle}`;
}

/** A cursor as `GET /auth/sessions?cursor=` takes it; undefined when malformed. */
export function parseCursor(cursor: string): { createdAt: number; handle: string } | undefined {
  const match = CURSOR_PATTERN.exec(cursor);
  return match ? { createdAt: Number(match[1]), handle: match[2] as string } : undefined;
}

/**
 * The entries after `cursor` in `sorted` (newest first). Position, not index: entries removed
 * since the last page (ended, pruned) do not shift the next page.
 */
export function after(sorted: readonly HandleEntry[], cursor: string | undefined): HandleEntry[] {
  const at = cursor === undefined ? undefined : parseCursor(cursor);
  if (!at) return [...sorted];
  const mark = { ...at, sid: '', label: '' };
  return sorted.filter((e) => newestFirst(mark, e) < 0);
}

/** Entries past their `exp` hint, the ones a sign-in may prune (after reading their session). */
export function pruneCandidates(entries: readonly HandleEntry[], now: number): HandleEntry[] {
  return entries.filter((e) => e.exp !== undefined && e.exp <= now);
}
