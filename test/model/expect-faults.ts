/**
 * What the model says the faults of the two-instance variant leave behind (issue 29; docs/
 * architecture.md, "Where state lives"). Sessions live in the app's session store, factors,
 * spent TOTP steps, recovery codes and bearer tokens in the credential store: a flushed Redis
 * loses neither. It loses what the MfaStore holds: attempt counters and locks, the credential
 * and login epochs, remembered-browser records, reset links and the sessions lists.
 */
import { signedInUser, view, type Answer, type Model } from './model.js';

/** FLUSHALL on the Redis MfaStore. */
export function flush(m: Model): Answer {
  for (const u of Object.values(m.users)) {
    // A counter restarts and a lock ends: the keys are gone.
    u.counter = 0;
    u.lockUntil = 0;
    // The login epoch is lost: every login pending at the flush is void at its second factor
    // (it cannot be told from one a password change voided), and the next login starts a new
    // epoch that no older login recorded (lib/core/stepup-context.ts, a random start). Any value
    // above every recorded one models it.
    u.loginEpoch += 1_000_000;
    u.credEpoch = 0;
  }
  // The links' digests and the remembered-browser records are gone: nothing opens or vouches.
  for (const l of m.links) l.alive = false;
  m.cookies = m.cookies.map(() => null);
  // A session drops off its user's list (it stays signed in): a later password change or
  // reset elsewhere no longer ends it.
  m.sessions = m.sessions.map((s) =>
    s.kind === 'authenticated' || s.kind === 'satisfied' ? { ...s, listed: false } : s,
  );
  return { code: 200 };
}

/**
 * A password change from browser `c` that answered 503 while the credential database was down.
 * It changed no password (lib/password/change.ts voids what the old one opened first and stores
 * the hash last): both epochs moved before the token ending reached the database, so the user's
 * pending logins and remembered browsers are void (fail closed); the other sessions and the
 * tokens live on until the change is sent again.
 */
export function passwordChangeFailed(m: Model, c: number): void {
  const user = signedInUser(view(m, c));
  if (!user) return;
  m.users[user].loginEpoch += 1;
  m.users[user].credEpoch += 1;
}
