/**
 * Checks that need no model: they read only the real answers, so a wrong model cannot hide a
 * broken rule (docs/architecture.md, invariants 1, 2, 17, 21). A violation throws.
 */
import type { Path } from './expect.js';
import type { UserName } from './model.js';

export class Ledger {
  /** Codes the app accepted, per user: `factor:code` (invariant 1: each succeeds once). */
  private readonly accepted = new Map<UserName, Set<string>>();
  /** Per user: invalid-code answers since a success, a 429 or a clock move (invariant 17). */
  private readonly failures = new Map<UserName, number>();
  /** Per browser: the session's status as the app last read it (`GET /auth/session`). */
  private readonly status = new Map<number, string>();
  /** Per browser: a second factor passed since its last sign-in (invariant 2). */
  private readonly second = new Map<number, boolean>();
  /**
   * Per browser: the user a real second factor remembered it for with `rememberBrowser`, and
   * when (invariant 4: until a credential event of that user or 30 days on the clock).
   */
  private readonly remembered = new Map<number, { user: UserName; at: number }>();
  /** The clock as the commands moved it (ms since the sequence began). */
  private clock = 0;
  /** Reset links that reset a password (invariant 21: a link is single use). */
  private readonly usedLinks = new Set<string>();
  private violation: string | undefined;

  /** An answer to a request that carried a code; `error` is the body's error code. */
  codeAnswer(
    user: UserName,
    factor: string,
    code: string,
    answer: { status: number; body?: { error?: unknown } },
    where: string,
  ): void {
    const { status } = answer;
    const key = `${factor}:${code}`;
    const seen = this.accepted.get(user) ?? new Set<string>();
    this.accepted.set(user, seen);
    if (status === 200 && factor === 'recovery-code') this.credentialEvent(user);
    if (status === 200) {
      // A TOTP code is the same string in a later step only by chance (10^-6); none of the
      // model's sequences sends such a code twice on purpose and expects a success.
      if (seen.has(key)) this.fail(`${where}: ${user}'s ${factor} code accepted twice`);
      seen.add(key);
      this.failures.set(user, 0);
    } else if (status === 401 && answer.body?.error === 'invalid_code') {
      const n = (this.failures.get(user) ?? 0) + 1;
      this.failures.set(user, n);
      if (n > 10) this.fail(`${where}: ${n} failed codes of ${user} compared without a lock`);
    } else if (status === 429) {
      this.failures.set(user, 0);
    }
  }

  /** What the app said browser `c`'s session is, after the last command. */
  sessionRead(c: number, status: string): void {
    this.status.set(c, status);
  }

  /**
   * A verify from browser `c` answered `mfa_session_expired`: when the session was pending, the
   * code was compared and passed, and only the login epoch refused it (invariant 16); a passed
   * code ends the failure streak as a success does.
   */
  staleLoginRefused(c: number, user: UserName, factor: string): void {
    if (this.status.get(c) !== 'pending') return;
    this.failures.set(user, 0);
    if (factor === 'recovery-code') this.credentialEvent(user);
  }

  /** A second factor passed in browser `c` with "remember this browser" ticked. */
  rememberedBy(c: number, user: UserName): void {
    this.remembered.set(c, { user, at: this.clock });
  }

  /**
   * A password change or reset, a factor removed, a recovery code used or an admin reset:
   * the user's remembered browsers no longer vouch (invariant 4).
   */
  credentialEvent(user: UserName): void {
    for (const [c, r] of this.remembered) if (r.user === user) this.remembered.delete(c);
  }

  /**
   * A password sign-in of `user` in browser `c` answered `authenticated`: without a second
   * factor; with one only when this browser was remembered for this user by a real factor,
   * with no credential event since, less than 30 days ago (invariant 4).
   */
  signedInWithoutCode(c: number, user: UserName): void {
    const r = this.remembered.get(c);
    if (r?.user === user && this.clock - r.at < 30 * 24 * 3600_000) this.secondFactor(c);
  }

  /** An answer to `POST /auth/password/reset` with `link`. */
  resetAnswer(link: string, status: number): void {
    if (status !== 200) return;
    if (this.usedLinks.has(link)) this.fail('a reset link reset the password twice');
    this.usedLinks.add(link);
  }

  /** A new login (or a logout) in browser `c`: no second factor yet. */
  loggedIn(c: number): void {
    this.second.set(c, false);
  }

  secondFactor(c: number): void {
    this.second.set(c, true);
  }

  guarded(c: number, path: Path, status: number): void {
    if (path !== '/me' && status === 200 && !this.second.get(c)) {
      this.fail(`${path} opened in browser ${c} without a second factor since its sign-in`);
    }
  }

  /** Invariant 3: a sign-in or a second factor that succeeded gave the browser a new session id. */
  rotated(c: number, before: string | undefined, after: string | undefined, what: string): void {
    if (before !== undefined && before === after) {
      this.fail(`${what} in browser ${c} kept session id ${before}`);
    }
  }

  /** A lock may have ended: the count of failures before the next lock restarts. */
  clockMoved(ms: number): void {
    this.clock += ms;
    this.failures.clear();
  }

  /**
   * The MfaStore lost every key (FLUSHALL): counters restart, remembered-browser records are
   * gone (docs/architecture.md, "Where state lives").
   */
  flushed(): void {
    this.failures.clear();
    this.remembered.clear();
  }

  /** An admin reset clears the user's lockout (docs/architecture.md, invariant 20). */
  adminReset(user: UserName): void {
    this.failures.set(user, 0);
  }

  /** A TOTP code can come back after a re-enrolment (a new secret): forget the old ones. */
  reenrolled(user: UserName): void {
    this.accepted.delete(user);
  }

  assertHolds(): void {
    if (this.violation) throw new Error(`invariant violated: ${this.violation}`);
  }

  private fail(message: string): void {
    this.violation ??= message;
  }
}
