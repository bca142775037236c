/**
 * The reference model of who may be signed in (issue 29): small, pure, no I/O. It holds the
 * rules of docs/architecture.md ("Session states"; invariants 1, 2, 16, 17/19, 22) as plain
 * data, and every command of the model test asks it what the real app must answer.
 */
export type UserName = 'alice' | 'bob' | 'carol';
export const USER_NAMES: readonly UserName[] = ['alice', 'bob', 'carol'];
export const STEP_MS = 30_000;
export const PENDING_TTL_MS = 600_000;
export const FRESH_MS = 300_000;
export const BILLING_MAX_AGE_MS = 300_000;
export const TOKEN_TTL_MS = 8 * 3600_000;
export const LINK_TTL_MS = 1800_000;
/** A remembered browser's absolute lifetime (rememberBrowser.lifetimeDays, default 30). */
export const REMEMBER_MS = 30 * 24 * 3600_000;
const DAY_MS = 24 * 3600_000;
const MAX_FAILURES = 10;
const LOCK_MS = 900_000;

export interface UserModel {
  hasTotp: boolean;
  /** The replay marker: the last accepted TOTP step (invariant 1). */
  lastStep: number;
  /** Indexes of the recovery codes still unused (invariant 1: each succeeds once). */
  recovery: Set<number>;
  /** Invariant 17/19: the lock period's failures, its expiry, the streak, the lock's end. */
  counter: number;
  counterExpires: number;
  streak: number;
  lockUntil: number;
  loginEpoch: number;
  /**
   * Invariant 4: bumped by a password change or reset, a factor removed, a recovery code used
   * and an admin reset; a remembered browser of an older epoch no longer vouches.
   */
  credEpoch: number;
}

/** A browser's remembered-browser cookie: whose, of which credential epoch, until when. */
export interface Remembered {
  user: UserName;
  epoch: number;
  expiresAt: number;
}

export type Session =
  | { kind: 'anonymous' }
  | { kind: 'pending'; user: UserName; since: number; epoch: number }
  /** `listed`: on the user's sessions list (signed in by the library, not by the app itself). */
  | { kind: 'authenticated'; user: UserName; listed: boolean }
  /** `mfaAt` undefined: only a remembered browser vouched (AAL1, no real factor). */
  | { kind: 'satisfied'; user: UserName; mfaAt: number | undefined; listed: boolean };

export interface TokenModel {
  user: UserName;
  expiresAt: number;
  factor: 'totp' | 'recovery-code' | null;
  authTime: number;
  alive: boolean;
}

/** A password-reset link (invariant 21): voided by a newer one, the login epoch, its use. */
export interface LinkModel {
  user: UserName;
  issuedAt: number;
  epoch: number;
  alive: boolean;
}

export interface Model {
  now: number;
  /**
   * Redis expires keys on its own clock, not the fake one: on a Redis MfaStore a lock and the
   * failure period outlast any move of the clock within a sequence.
   */
  storeOnRealTime: boolean;
  links: LinkModel[];
  users: Record<UserName, UserModel>;
  sessions: Session[];
  /** Per browser, its remembered-browser cookie (null: none, or one that can never vouch). */
  cookies: (Remembered | null)[];
  tokens: TokenModel[];
}

/** What the app must answer: the HTTP status and the body's `error` or `status` field. */
export interface Answer {
  readonly code: number;
  readonly tag?: string | undefined;
}

export function initialModel(
  now: number,
  clients: number,
  enrolledStep: number,
  storeOnRealTime = false,
): Model {
  const user = (hasTotp: boolean): UserModel => ({
    hasTotp,
    lastStep: hasTotp ? enrolledStep : -1,
    recovery: new Set(hasTotp ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] : []),
    counter: 0,
    counterExpires: 0,
    streak: 0,
    lockUntil: 0,
    loginEpoch: 0,
    credEpoch: 0,
  });
  return {
    now,
    storeOnRealTime,
    links: [],
    users: { alice: user(false), bob: user(true), carol: user(true) },
    sessions: Array.from({ length: clients }, () => ({ kind: 'anonymous' }) as Session),
    cookies: Array.from({ length: clients }, () => null),
    tokens: [],
  };
}

export const currentStep = (m: Model) => Math.floor(m.now / STEP_MS);

/** The session as the app reads it: a pending login past its TTL reads as anonymous. */
export function view(m: Model, i: number): Session {
  const s = m.sessions[i] ?? { kind: 'anonymous' };
  if (s.kind === 'pending' && m.now - s.since >= PENDING_TTL_MS) return { kind: 'anonymous' };
  return s;
}

export function signedInUser(s: Session): UserName | undefined {
  return s.kind === 'authenticated' || s.kind === 'satisfied' ? s.user : undefined;
}

export function hasFactor(u: UserModel): boolean {
  return u.hasTotp || u.recovery.size > 0;
}

/** Attempt reservation (lib/core/attempts.ts): refused while locked, else counted. */
export function reserve(m: Model, user: UserName): Answer | undefined {
  const u = m.users[user];
  if (u.lockUntil > m.now) return { code: 429, tag: 'too_many_attempts' };
  if (u.counter > 0 && m.now >= u.counterExpires) u.counter = 0;
  if (u.counter === 0) u.counterExpires = m.storeOnRealTime ? Infinity : m.now + DAY_MS;
  u.counter += 1;
  u.streak += 1;
  return undefined;
}

export function release(m: Model, user: UserName): void {
  const u = m.users[user];
  u.counter = Math.max(0, u.counter - 1);
  u.streak = Math.max(0, u.streak - 1);
}

export function settle(m: Model, user: UserName, ok: boolean): void {
  const u = m.users[user];
  if (ok) {
    u.counter = 0;
    u.lockUntil = 0;
    u.streak = 0;
    return;
  }
  if (u.counter >= MAX_FAILURES) {
    const n = Math.ceil(u.streak / MAX_FAILURES);
    const lockMs = Math.min(DAY_MS, LOCK_MS * 2 ** Math.max(0, n - 1));
    u.lockUntil = m.storeOnRealTime ? Infinity : m.now + lockMs;
    u.counter = 0;
  }
}

/** Which TOTP code a command sends, relative to the clock and the user's replay marker. */
export type TotpKind = 'current' | 'previous' | 'next' | 'replay' | 'other' | 'wrong';

/** The step a code of `kind` was made for; undefined for a code of no step of this user. */
export function stepOf(m: Model, user: UserName, kind: TotpKind): number | undefined {
  const u = m.users[user];
  if (!u.hasTotp) return undefined;
  const cur = currentStep(m);
  switch (kind) {
    case 'current':
      return cur;
    case 'previous':
      return cur - 1;
    case 'next':
      return cur + 1;
    case 'replay':
      return u.lastStep;
    default:
      return undefined;
  }
}

/** Check a TOTP code (strategies/totp.ts): ±1 step, and only a step after the marker. */
export function checkTotp(m: Model, user: UserName, step: number | undefined): Answer {
  const u = m.users[user];
  const cur = currentStep(m);
  if (step === undefined || step < cur - 1 || step > cur + 1) {
    return { code: 401, tag: 'invalid_code' };
  }
  if (step <= u.lastStep) return { code: 401, tag: 'invalid_code:code_already_used' };
  u.lastStep = step;
  return { code: 200 };
}

/** Check a recovery code: an unused code of this user, spent by the check. */
export function checkRecovery(m: Model, user: UserName, index: number | undefined): Answer {
  const u = m.users[user];
  if (index === undefined || !u.recovery.has(index)) return { code: 401, tag: 'invalid_code' };
  u.recovery.delete(index);
  // A recovery code in use often means a lost device: remembered browsers end (invariant 4).
  u.credEpoch += 1;
  return { code: 200 };
}

/** Every token of `user` (optionally only those carrying `factor`) ends (invariant 22). */
export function endTokens(m: Model, user: UserName, factor?: TokenModel['factor']): void {
  for (const t of m.tokens) {
    if (t.user === user && (factor === undefined || t.factor === factor)) t.alive = false;
  }
}

export function tokenAlive(m: Model, i: number): boolean {
  const t = m.tokens[i];
  return t !== undefined && t.alive && m.now < t.expiresAt;
}

/** A link opens a reset while unused, the newest of its user, in the epoch it was sent in. */
export function linkAlive(m: Model, i: number): boolean {
  const l = m.links[i];
  if (!l || !l.alive || m.now - l.issuedAt >= LINK_TTL_MS) return false;
  return l.epoch === m.users[l.user].loginEpoch;
}

/** The user browser `c`'s remembered-browser cookie vouches for, if any (invariant 4). */
export function rememberedFor(m: Model, c: number): UserName | undefined {
  const r = m.cookies[c];
  if (!r || m.now >= r.expiresAt || r.epoch !== m.users[r.user].credEpoch) return undefined;
  return r.user;
}

/** A readable state key, for the soak's count of distinct states reached. */
export function stateKey(m: Model): string {
  const users = USER_NAMES.map((n) => {
    const u = m.users[n];
    const locked = u.lockUntil > m.now ? 'L' : '';
    return `${n[0]}${u.hasTotp ? 't' : ''}${u.recovery.size}f${u.counter}${locked}`;
  });
  const sessions = m.sessions.map((_, i) => {
    const s = view(m, i);
    return s.kind === 'anonymous' ? 'a' : `${s.kind[0]}${s.user[0]}`;
  });
  const cookies = m.cookies.map((_, i) => (rememberedFor(m, i) ?? '-')[0]).join('');
  const tokens = m.tokens.filter((_, i) => tokenAlive(m, i)).map((t) => t.user[0]);
  const links = m.links.filter((_, i) => linkAlive(m, i)).map((l) => l.user[0]);
  const parts = [users.join(','), sessions.join(','), tokens.sort().join(''), links.join('')];
  return [...parts, cookies].join('|');
}
