/**
 * What the model says each command must answer, and how the model changes. One function per
 * kind of request; the rules are those of docs/architecture.md (cited per case).
 */
import {
  BILLING_MAX_AGE_MS,
  checkRecovery,
  checkTotp,
  currentStep,
  endTokens,
  FRESH_MS,
  hasFactor,
  REMEMBER_MS,
  rememberedFor,
  release,
  reserve,
  settle,
  signedInUser,
  stepOf,
  TOKEN_TTL_MS,
  tokenAlive,
  view,
  type Answer,
  type Model,
  type TotpKind,
  type UserName,
} from './model.js';

/** `/vault`: `requireMfa({ allowRememberBrowser: false })`, a real factor only. */
export type Path = '/me' | '/reports' | '/billing' | '/vault';
/** A second factor as a command sends it: a TOTP code of some kind, or a recovery code. */
export type Evidence =
  | { factor: 'totp'; kind: TotpKind }
  /** `retired`: a code of a set a regeneration replaced (none of the user's codes). */
  | { factor: 'recovery-code'; kind: 'fresh' | 'spent' | 'other' | 'wrong' | 'retired' };

/** The recovery code a command sends: an index into the user's set, or none of theirs. */
export function recoveryIndex(m: Model, user: UserName, kind: string): number | undefined {
  const left = [...m.users[user].recovery].sort((a, b) => a - b);
  if (kind === 'fresh') return left[0];
  if (kind === 'spent' && m.users[user].hasTotp) {
    return [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].find((i) => !left.includes(i));
  }
  return undefined;
}

/** Outside the router's verify a replayed TOTP code is a plain `invalid_code` (no `reason`). */
export const plain = (a: Answer): Answer =>
  a.tag?.startsWith('invalid_code') ? { code: a.code, tag: 'invalid_code' } : a;

/** One reserved attempt with `evidence` for `user` (invariants 1, 17, 19). */
export function attempt(m: Model, user: UserName, evidence: Evidence): Answer {
  const locked = reserve(m, user);
  if (locked) return locked;
  const answer =
    evidence.factor === 'totp'
      ? checkTotp(m, user, stepOf(m, user, evidence.kind))
      : checkRecovery(m, user, recoveryIndex(m, user, evidence.kind));
  settle(m, user, answer.code === 200);
  return answer;
}

export function login(m: Model, c: number, user: UserName, right: boolean): Answer {
  if (!right) return { code: 401, tag: 'invalid_credentials' };
  const u = m.users[user];
  if (hasFactor(u)) {
    const cookie = m.cookies[c];
    if (cookie?.user === user) {
      // The cookie of this user is taken: it vouches once and is replaced by a new one of the
      // same epoch and expiry; expired or revoked, it is cleared (invariant 4).
      if (rememberedFor(m, c) === user) {
        m.sessions[c] = { kind: 'satisfied', user, mfaAt: undefined, listed: true };
        return { code: 200, tag: 'authenticated' };
      }
      m.cookies[c] = null;
    }
    m.sessions[c] = { kind: 'pending', user, since: m.now, epoch: u.loginEpoch };
    return { code: 200, tag: 'mfa_required' };
  }
  m.sessions[c] = { kind: 'authenticated', user, listed: true };
  return { code: 200, tag: 'authenticated' };
}

/** POST /auth/mfa/verify: the subject is the session's, never the body's (invariant 2, 16). */
export function verify(m: Model, c: number, evidence: Evidence, remember = false): Answer {
  const s = view(m, c);
  if (s.kind === 'anonymous') return { code: 401, tag: 'mfa_session_expired' };
  const u = m.users[s.user];
  const enrolled = evidence.factor === 'totp' ? u.hasTotp : u.recovery.size > 0;
  const locked = reserve(m, s.user);
  if (locked) return locked;
  if (!enrolled) {
    release(m, s.user);
    return { code: 403, tag: 'factor_not_allowed' };
  }
  release(m, s.user);
  const answer = attempt(m, s.user, evidence);
  if (answer.code !== 200) return answer;
  // Invariant 16: a password change or admin reset since the password voids a pending login.
  if (s.kind === 'pending' && s.epoch !== u.loginEpoch) {
    return { code: 401, tag: 'mfa_session_expired' };
  }
  m.sessions[c] = { kind: 'satisfied', user: s.user, mfaAt: m.now, listed: true };
  if (remember) {
    m.cookies[c] = { user: s.user, epoch: u.credEpoch, expiresAt: m.now + REMEMBER_MS };
  }
  return { code: 200, tag: 'authenticated' };
}

/** A guarded route in a browser (invariant 2; maxAge: invariant 20). */
export function get(m: Model, c: number, path: Path): Answer {
  const s = view(m, c);
  if (path === '/me') return signedInUser(s) ? { code: 200 } : { code: 401 };
  if (s.kind !== 'satisfied') return { code: 401 };
  // A remembered browser is AAL1: not for a route with maxAge or allowRememberBrowser: false.
  if (path !== '/reports' && s.mfaAt === undefined) return { code: 401 };
  if (path === '/billing' && m.now - (s.mfaAt ?? 0) > BILLING_MAX_AGE_MS) return { code: 401 };
  return { code: 200 };
}

export function logout(m: Model, c: number): Answer {
  m.sessions[c] = { kind: 'anonymous' };
  return { code: 204 };
}

/** POST /auth/token (invariant 22): the password, then the account's second factor. */
export function mint(m: Model, user: UserName, evidence: Evidence | undefined): Answer {
  const u = m.users[user];
  const usable = [
    ...(u.hasTotp ? ['totp'] : []),
    ...(u.recovery.size > 0 ? ['recovery-code'] : []),
  ];
  let factor: 'totp' | 'recovery-code' | null = null;
  if (usable.length > 0) {
    if (!evidence) return { code: 401, tag: 'mfa_required' };
    if (!usable.includes(evidence.factor)) return { code: 403, tag: 'factor_not_allowed' };
    const answer = attempt(m, user, evidence);
    if (answer.code !== 200) return plain(answer);
    factor = evidence.factor;
  }
  m.tokens.push({ user, factor, expiresAt: m.now + TOKEN_TTL_MS, authTime: m.now, alive: true });
  return { code: 200 };
}

export function useToken(m: Model, i: number, path: Path): Answer {
  const t = m.tokens[i];
  if (!t || !tokenAlive(m, i)) return { code: 401, tag: 'invalid_token' };
  if (path === '/me') return { code: 200 };
  if (t.factor === null) return { code: 401, tag: 'mfa_required' };
  if (path === '/billing' && m.now - t.authTime > BILLING_MAX_AGE_MS) {
    return { code: 401, tag: 'mfa_required' };
  }
  return { code: 200 };
}

export function revoke(m: Model, i: number): Answer {
  const t = m.tokens[i];
  if (!t || !tokenAlive(m, i)) return { code: 401, tag: 'invalid_token' };
  t.alive = false;
  return { code: 204 };
}

/** The app's password change: other sessions, pending logins and tokens end (21, 22, 16). */
export function changePassword(m: Model, c: number): Answer {
  const user = signedInUser(view(m, c));
  if (!user) return { code: 401 };
  m.users[user].loginEpoch += 1;
  m.users[user].credEpoch += 1;
  endTokens(m, user);
  endOtherSessions(m, c, user);
  return { code: 204 };
}

/**
 * The user's sessions list holds the sessions the library signed in; pending logins stay, void
 * by the epoch; a session the app signed in by itself (`req.login`) is not on the list.
 */
export function endOtherSessions(m: Model, c: number, user: UserName): void {
  m.sessions.forEach((s, i) => {
    if (i === c || signedInUser(s) !== user) return;
    if ((s.kind === 'authenticated' || s.kind === 'satisfied') && !s.listed) return;
    m.sessions[i] = { kind: 'anonymous' };
  });
}

/** POST /auth/mfa/totp/disable: a fresh second factor and a code (invariant 11). */
export function disable(m: Model, c: number, evidence: Evidence): Answer {
  const s = view(m, c);
  const user = signedInUser(s);
  if (!user) return { code: 401, tag: 'authentication_required' };
  const u = m.users[user];
  if (hasFactor(u)) {
    if (s.kind !== 'satisfied' || s.mfaAt === undefined || m.now - s.mfaAt > FRESH_MS) {
      return { code: 401, tag: 'mfa_required' };
    }
  }
  if (!u.hasTotp) return { code: 409, tag: 'factor_not_enrolled' };
  const answer = attempt(m, user, evidence);
  if (answer.code !== 200) return plain(answer);
  u.hasTotp = false;
  u.credEpoch += 1;
  // Recovery codes go with the last authenticator; tokens carrying either end (invariant 22).
  u.recovery.clear();
  endTokens(m, user, 'totp');
  endTokens(m, user, 'recovery-code');
  return { code: 200 };
}

/** Enrol TOTP as a user without a factor: enroll, then confirm with the current code. */
export function enrol(m: Model, c: number): Answer {
  const s = view(m, c);
  const user = signedInUser(s);
  if (!user) return { code: 401 };
  const u = m.users[user];
  const locked = reserve(m, user);
  if (locked) return locked;
  settle(m, user, true);
  u.hasTotp = true;
  u.lastStep = currentStep(m);
  u.recovery = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  m.sessions[c] = { kind: 'satisfied', user, mfaAt: m.now, listed: true };
  return { code: 200 };
}

/** stepup.adminReset(undefined, user): factors, lockout, pending logins, tokens (16, 20, 22). */
export function adminReset(m: Model, user: UserName): Answer {
  const u = m.users[user];
  Object.assign(u, { hasTotp: false, counter: 0, streak: 0, lockUntil: 0 });
  u.recovery.clear();
  u.loginEpoch += 1;
  u.credEpoch += 1;
  endTokens(m, user);
  return { code: 200 };
}
