import { StepupError } from './errors.js';
import type { StepupEvents } from './events.js';
import { storeKey, type AttemptKeys, type MfaStore } from '../stores/types.js';
import type { Request } from 'express';
import { type CodeCheck, refusal } from './code-check.js';
import {
  DAY_MS,
  type DurableStreak,
  lockDurationMs,
  type LockNotice,
  type LockoutOptions,
  type LockoutState,
  type Reservation,
  resolveLockout,
  type ResolvedLockout,
} from './lockout-options.js';

export { type CodeCheck, refusal } from './code-check.js';
export type {
  DurableStreak,
  LockNotice,
  LockoutOptions,
  LockoutState,
  Reservation,
} from './lockout-options.js';

/** The short-lived counter's window: a period's failures are forgotten after a quiet day. */
const WINDOW_MS = DAY_MS;
/** The streak outlives any plausible gap between attempts; its durable copy outlives that. */
const STREAK_TTL_MS = 400 * DAY_MS;
/** The period's last attempt holds it at most this long before a lock must have been set. */
const IN_FLIGHT_MS = 60_000;

/**
 * One counter per account across every second factor (docs/architecture.md, invariant 19).
 *
 * Every attempt is reserved before its code is compared (`reserve`, one atomic store step), so
 * that hundreds of parallel guesses, on one instance or several, get at most `maxFailures`
 * compared per lock period; the period's last failure sets the lock once and tells the user
 * once. Consecutive failures (the streak) survive locks and days and reset only on a success;
 * each lock lasts twice the previous one (capped), and at `suspendAfter` failures (NIST
 * SP 800-63B-4 §3.2.2: no more than 100) no code is compared any more until an admin reset.
 * The streak's durable copy in the `CredentialStore`, raised at every lock, keeps a flushed
 * `MfaStore` from reopening guessing. Sharing the counter across factors stops an attacker
 * from spending 10 tries on TOTP, then 10 on email, then 10 on recovery codes. The lock is per
 * account, not per IP: only someone holding the password reaches the second factor.
 */
export class AttemptCounter {
  /** Attempts per lock period (`lockout.maxFailures`, default 10). */
  readonly maxFailures: number;
  /** The first lock's duration in ms (`lockout.lockSeconds` × 1000). */
  readonly lockMs: number;
  /** The longest lock in ms (`lockout.maxLockSeconds` × 1000). */
  readonly maxLockMs: number;
  /** Consecutive failures that suspend second-factor sign-in (`lockout.suspendAfter`). */
  readonly suspendAfter: number;
  private readonly limits: ResolvedLockout;

  constructor(
    private readonly store: MfaStore,
    private readonly events: StepupEvents,
    options: LockoutOptions = {},
    /** Sends the `lockout` or `mfa_suspended` notice. Must not throw (`ctx.notify` never does). */
    private readonly onLock?: LockNotice,
    private readonly now: () => number = Date.now,
    /** The durable copy of the streak (the credential store); absent: short-lived only. */
    private readonly durable?: DurableStreak,
  ) {
    this.limits = resolveLockout(options);
    ({
      maxFailures: this.maxFailures,
      lockMs: this.lockMs,
      maxLockMs: this.maxLockMs,
      suspendAfter: this.suspendAfter,
    } = this.limits);
  }

  /**
   * Reserve one attempt, reading `readKeys` of the same user in the same store round trip.
   * Throws 429 `too_many_attempts` (with `retryAfter`) while locked or while the period's last
   * attempts are still being checked, and 423 `mfa_suspended` once the streak reached
   * `suspendAfter`. A reservation must end in `attempt` (or `release` when nothing is compared).
   */
  async reserve(userId: string, readKeys: readonly string[] = []): Promise<Reservation> {
    const keys = keysOf(userId);
    const spec = {
      ...keys,
      limit: this.maxFailures,
      cap: this.suspendAfter,
      windowMs: WINDOW_MS,
      streakTtlMs: STREAK_TTL_MS,
      inFlightMs: IN_FLIGHT_MS,
      read: readKeys,
    };
    for (let round = 0; round < 3; round++) {
      const r = await this.store.reserveAttempt(spec);
      switch (r.outcome) {
        case 'reserved':
          return { userId, count: r.count, streak: r.streak, values: r.values };
        case 'locked':
          throw tooMany(r.lockTtlMs);
        case 'full':
          throw tooMany(lockDurationMs(this.limits, 1));
        case 'suspended':
          throw new StepupError('MFA_SUSPENDED');
        case 'unseeded': {
          // The MfaStore has no count for this user (new, or its state was lost): start from
          // the durable one, so that a flush never hands out a fresh budget.
          const durable = (await this.durable?.failureStreak(userId)) ?? 0;
          await this.store.setIfAbsent(keys.streak, String(durable), STREAK_TTL_MS);
        }
      }
    }
    throw new StepupError('SERVICE_UNAVAILABLE');
  }

  /** Give a reservation back: nothing was compared (no such factor, bad input after all). */
  async release(reservation: Reservation): Promise<void> {
    await this.store.settleAttempt(keysOf(reservation.userId), { kind: 'release' });
  }

  /**
   * The one attempt sequence of every second-factor check (the router's verify, the services
   * that confirm, disable, remove or regenerate, the password field with a TOTP appended):
   * reserve (unless `reservation` is given), run the check, then reset on success, give the
   * point back for a check that compared nothing, or count the failure, emit `mfa.failed`, and
   * for the period's last attempt lock the account. Throws 429 or 423 as `reserve` does.
   */
  async attempt(
    req: Request | undefined,
    userId: string,
    factor: string,
    check: () => Promise<CodeCheck>,
    reservation?: Reservation,
  ): Promise<CodeCheck> {
    const r = reservation ?? (await this.reserve(userId));
    let outcome: CodeCheck;
    try {
      outcome = await check();
    } catch (err) {
      // A check that broke may have compared the code: it stays counted (fail closed), and the
      // period's last attempt still locks.
      if (r.count >= this.maxFailures) await this.lockAfter(req, r, factor).catch(() => false);
      throw err;
    }
    if (outcome.ok) {
      await this.succeeded(r);
      return outcome;
    }
    if (outcome.countsAsFailure === false) {
      await this.release(r);
    } else {
      this.events.emitFor(req, 'mfa.failed', {
        userId,
        factor,
        reason: outcome.error.toLowerCase(),
      });
      await this.failed(req, r, factor);
    }
    return outcome;
  }

  /**
   * `attempt` for a yes/no check (or a `CodeCheck`); a wrong code throws 401 `invalid_code`,
   * with the check's details and message when it gave some.
   */
  async attemptOrThrow(
    req: Request | undefined,
    userId: string,
    factor: string,
    check: () => Promise<boolean | CodeCheck>,
  ): Promise<void> {
    const outcome = await this.attempt(req, userId, factor, async () => {
      const result = await check();
      if (typeof result !== 'boolean') return result;
      return result ? { ok: true } : { ok: false, error: 'INVALID_CODE' };
    });
    if (!outcome.ok) throw refusal(outcome);
  }

  /**
   * Throws 429 while locked and 423 while suspended, without reserving (an email or SMS code is
   * not sent to an account that cannot use it).
   */
  async assertNotLocked(userId: string): Promise<void> {
    const state = await this.state(userId);
    if (state.suspended) throw new StepupError('MFA_SUSPENDED');
    if (state.retryAfter !== undefined) {
      throw new StepupError('TOO_MANY_ATTEMPTS', { retryAfter: state.retryAfter });
    }
  }

  /** The lockout state of an account, for an admin page or support tooling. */
  async state(userId: string): Promise<LockoutState> {
    const { lock, streak } = keysOf(userId);
    const keys = [lock, streak];
    const [until = null, inStore = null] = this.store.getMany
      ? await this.store.getMany(keys)
      : await Promise.all(keys.map((key) => this.store.get(key)));
    const stored = inStore === null ? undefined : Number(inStore);
    const failures =
      stored !== undefined && Number.isFinite(stored)
        ? stored
        : ((await this.durable?.failureStreak(userId)) ?? 0);
    const remainingMs = until === null ? 0 : Number(until) - this.now();
    return {
      failures,
      suspended: failures >= this.suspendAfter,
      ...(remainingMs > 0 ? { retryAfter: Math.ceil(remainingMs / 1000) } : {}),
    };
  }

  /** Admin reset: the lock, the period and the streak (also its durable copy) are gone. */
  async clear(userId: string): Promise<void> {
    const { counter, lock, streak } = keysOf(userId);
    await this.durable?.clearFailureStreak(userId);
    await this.store.delete(counter, lock, streak);
  }

  private async succeeded(r: Reservation): Promise<void> {
    await this.store.settleAttempt(keysOf(r.userId), {
      kind: 'success',
      streakTtlMs: STREAK_TTL_MS,
    });
    // The durable copy is written only at locks: after a streak that never locked it is 0.
    if (r.streak > this.maxFailures) {
      await this.durable?.clearFailureStreak(r.userId);
    }
  }

  private async failed(req: Request | undefined, r: Reservation, factor: string): Promise<void> {
    if (r.streak >= this.suspendAfter) {
      // Exactly one reservation gets the streak's last number, so this runs once.
      await this.durable?.raiseFailureStreak(r.userId, r.streak, this.now());
      this.events.emitFor(req, 'mfa.suspended', { userId: r.userId, factor, failures: r.streak });
      await this.onLock?.(req, r.userId, factor, 'mfa_suspended');
      return;
    }
    if (r.count >= this.maxFailures) await this.lockAfter(req, r, factor);
  }

  /** The period's last attempt failed: lock (once), record the streak durably, tell the user. */
  private async lockAfter(req: Request | undefined, r: Reservation, factor: string) {
    const lockMs = lockDurationMs(this.limits, Math.ceil(r.streak / this.maxFailures));
    const locked = await this.store.settleAttempt(keysOf(r.userId), {
      kind: 'lock',
      limit: this.maxFailures,
      until: this.now() + lockMs,
      lockMs,
    });
    if (!locked) return false;
    await this.durable?.raiseFailureStreak(r.userId, r.streak, this.now());
    this.events.emitFor(req, 'mfa.locked', {
      userId: r.userId,
      factor,
      lockSeconds: lockMs / 1000,
      failures: r.streak,
    });
    await this.onLock?.(req, r.userId, factor, 'lockout');
    return true;
  }
}

function tooMany(ms: number): StepupError {
  return new StepupError('TOO_MANY_ATTEMPTS', { retryAfter: Math.max(1, Math.ceil(ms / 1000)) });
}

function keysOf(userId: string): AttemptKeys {
  return {
    counter: storeKey(userId, 'mfa', 'failures'),
    lock: storeKey(userId, 'mfa', 'lock'),
    streak: storeKey(userId, 'mfa', 'streak'),
  };
}
