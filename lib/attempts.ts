import { StepupError } from './errors.js';
import type { StepupEvents } from './events.js';
import { storeKey, type MfaStore } from './stores/types.js';
import type { Request } from 'express';

export interface LockoutOptions {
  /** Consecutive second-factor failures before the lock. @default 10 */
  readonly maxFailures?: number;
  /** Lock duration in seconds. @default 900 */
  readonly lockSeconds?: number;
}

/** Failures are forgotten after a day without a success: the counter may not live forever. */
const FAILURE_WINDOW_MS = 24 * 3600 * 1000;

/**
 * One counter per account across every second factor (DESIGN §3).
 *
 * NIST SP 800-63B-4 §3.2.2 requires limiting consecutive failed attempts on a single account;
 * sharing the counter across factors stops an attacker from spending 10 tries on TOTP, then 10
 * on email, then 10 on recovery codes. Asking for a new challenge (resend) never resets it;
 * only a success does. The lock is per account, not per IP, because the second factor is only
 * reachable after the password: the attacker who triggers it already holds the password.
 */
export class AttemptCounter {
  readonly maxFailures: number;
  readonly lockMs: number;

  constructor(
    private readonly store: MfaStore,
    private readonly events: StepupEvents,
    options: LockoutOptions = {},
    /**
     * Called once when an account gets locked, to send the `lockout` security notice: the real
     * user learns that someone holding their password is guessing codes. Must not throw
     * (`ctx.notify` never does).
     */
    private readonly onLock?: (
      req: Request | undefined,
      userId: string,
      factor: string,
    ) => void | Promise<void>,
  ) {
    this.maxFailures = options.maxFailures ?? 10;
    this.lockMs = (options.lockSeconds ?? 900) * 1000;
  }

  /** Throws 429 `too_many_attempts` with `retryAfter` (seconds) while the account is locked. */
  async assertNotLocked(userId: string): Promise<void> {
    const remaining = await this.store.ttl(lockKey(userId));
    if (remaining !== null && remaining > 0) {
      throw new StepupError('TOO_MANY_ATTEMPTS', { retryAfter: Math.ceil(remaining / 1000) });
    }
  }

  /** Count a failure; locks the account when it reaches the limit. Returns whether it locked. */
  async recordFailure(req: Request | undefined, userId: string, factor: string): Promise<boolean> {
    const failures = await this.store.increment(failuresKey(userId), FAILURE_WINDOW_MS);
    if (failures < this.maxFailures) return false;
    await this.store.set(lockKey(userId), '1', this.lockMs);
    await this.store.delete(failuresKey(userId));
    this.events.emitFor(req, 'mfa.locked', { userId, factor, lockSeconds: this.lockMs / 1000 });
    await this.onLock?.(req, userId, factor);
    return true;
  }

  async reset(userId: string): Promise<void> {
    await this.store.delete(failuresKey(userId));
  }

  /** Admin reset clears the lock too. */
  async clear(userId: string): Promise<void> {
    await this.store.delete(failuresKey(userId), lockKey(userId));
  }
}

function failuresKey(userId: string): string {
  return storeKey(userId, 'mfa', 'failures');
}

function lockKey(userId: string): string {
  return storeKey(userId, 'mfa', 'lock');
}
