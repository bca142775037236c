/**
 * What the model says the faults of the two-instance variant leave behind (issue 29; docs/
 * architecture.md, "Where state lives"). Sessions live in the app's session store, factors,
 * spent TOTP steps, recovery codes and bearer tokens in the credential store: a flushed Redis
 * loses neither. It loses what the MfaStore holds: attempt counters and locks, the credential
 * and login epochs, remembered-browser records, reset links and the sessions lists.
 */
import type { Answer, Model } from './model.js';

/** FLUSHALL on the Redis MfaStore. */
export function flush(m: Model): Answer {
  for (const u of Object.values(m.users)) {
    // A counter restarts and a lock ends: the keys are gone.
    u.counter = 0;
    u.lockUntil = 0;
    // The epochs restart at 0: a pending login compares its recorded epoch with 0, so one made
    // before the user's first password change or reset, and voided by it, passes again
    // (lib/core/stepup-context.ts keeps the epochs in the MfaStore; docs/SECURITY.md, "Proof
    // by model", lists this).
    u.loginEpoch = 0;
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
