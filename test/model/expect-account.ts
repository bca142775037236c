/**
 * What the model says the account-recovery commands and the app's own sign-in routes must
 * answer: forgot/reset password (docs/architecture.md, invariant 21) and a login or logout the
 * app does by itself with Passport's `keepSessionInfo` (invariant 16, the record's binding to
 * its session id).
 */
import { attempt, endOtherSessions, plain, verify, type Evidence } from './expect.js';
import {
  endTokens,
  FRESH_MS,
  hasFactor,
  linkAlive,
  signedInUser,
  view,
  type Answer,
  type Model,
  type TotpKind,
  type UserName,
} from './model.js';

/** POST /auth/password/forgot: the same 202 for all; a new link voids the user's older ones. */
export function forgot(m: Model, user: UserName): Answer {
  for (const l of m.links) if (l.user === user) l.alive = false;
  m.links.push({ user, issuedAt: m.now, epoch: m.users[user].loginEpoch, alive: true });
  return { code: 202, tag: 'sent' };
}

/**
 * POST /auth/password/reset from browser `c` with link `i`: the link, then the account's second
 * factor (the sign-in lockout counts it), then the link is used up. Afterwards the user's
 * sessions, pending logins, links and tokens are void and nobody is signed in.
 */
export function reset(m: Model, c: number, i: number, evidence: Evidence | undefined): Answer {
  const link = m.links[i];
  if (!link || !linkAlive(m, i)) return { code: 400, tag: 'invalid_token' };
  const { user } = link;
  const u = m.users[user];
  const usable = [
    ...(u.hasTotp ? ['totp'] : []),
    ...(u.recovery.size > 0 ? ['recovery-code'] : []),
  ];
  if (usable.length > 0) {
    // The link is kept on every refusal: only a reset that passed uses it up.
    if (!evidence) return { code: 401, tag: 'mfa_required' };
    if (!usable.includes(evidence.factor)) return { code: 403, tag: 'factor_not_allowed' };
    const answer = attempt(m, user, evidence);
    if (answer.code !== 200) return plain(answer);
  }
  for (const l of m.links) if (l.user === user) l.alive = false;
  u.loginEpoch += 1;
  u.credEpoch += 1;
  endTokens(m, user);
  endOtherSessions(m, c, user);
  // The request's own session keeps nothing of the user (pending or signed in).
  const own = view(m, c);
  if (own.kind !== 'anonymous' && own.user === user) m.sessions[c] = { kind: 'anonymous' };
  return { code: 200, tag: 'password_reset' };
}

/**
 * The app's own `req.login(user, { keepSessionInfo: true })`: Passport's login without the
 * library's record. The copied record was written for the old session id, so it vouches for
 * nothing: the session is signed in with no factor, whatever it was before.
 */
export function appLogin(m: Model, c: number, user: UserName): Answer {
  m.sessions[c] = { kind: 'authenticated', user, listed: false };
  return { code: 200, tag: 'ok' };
}

/** The app's own `req.logout({ keepSessionInfo: true })`: logout carries no factor. */
export function appLogout(m: Model, c: number): Answer {
  m.sessions[c] = { kind: 'anonymous' };
  return { code: 204 };
}

/**
 * From browser `c`: `GET /auth/sessions`, then `DELETE /auth/sessions/:id` of the first other
 * session listed (404 when none), or `DELETE /auth/sessions` (`all`). The list holds the user's
 * other sessions the library signed in (`listed`); an ended one is anonymous at once.
 */
export function endSession(m: Model, c: number, all: boolean): Answer {
  const user = signedInUser(view(m, c));
  if (!user) return { code: 401, tag: 'authentication_required' };
  const listed = m.sessions.flatMap((s, i) =>
    i !== c && (s.kind === 'authenticated' || s.kind === 'satisfied') && s.user === user && s.listed
      ? [i]
      : [],
  );
  const tag = `${listed.length} others listed`;
  const first = listed[0];
  if (!all && first === undefined) return { code: 404, tag: `${tag}, not_found` };
  for (const i of all ? listed : [first ?? -1]) m.sessions[i] = { kind: 'anonymous' };
  return { code: 204, tag };
}

/**
 * POST /auth/mfa/recovery-codes/regenerate: a fresh second factor in this session, or a TOTP
 * code inline (checked as verify checks it: the lockout, the replay marker); then a new set
 * replaces every old code (none spent, the old ones all invalid). No factor: 409.
 */
export function regenerate(m: Model, c: number, kind: TotpKind | undefined): Answer {
  const s = view(m, c);
  const user = signedInUser(s);
  if (!user) return { code: 401, tag: 'authentication_required' };
  const u = m.users[user];
  if (!hasFactor(u)) return { code: 409, tag: 'factor_not_enrolled' };
  const fresh = s.kind === 'satisfied' && s.mfaAt !== undefined && m.now - s.mfaAt <= FRESH_MS;
  if (!fresh) {
    if (kind === undefined) return { code: 401, tag: 'mfa_required' };
    // Outside the router's verify a replayed code is a plain invalid_code (no `reason`).
    const answer = verify(m, c, { factor: 'totp', kind });
    if (answer.code !== 200) return plain(answer);
  }
  u.recovery = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  return { code: 200 };
}
