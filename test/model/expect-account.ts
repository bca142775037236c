/**
 * What the model says the account-recovery commands and the app's own sign-in routes must
 * answer: forgot/reset password (docs/architecture.md, invariant 21) and a login or logout the
 * app does by itself with Passport's `keepSessionInfo` (invariant 16, the record's binding to
 * its session id).
 */
import { attempt, endOtherSessions, plain, type Evidence } from './expect.js';
import { endTokens, linkAlive, view, type Answer, type Model, type UserName } from './model.js';

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
