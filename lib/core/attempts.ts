import { StepupError, type ErrorDetails } from './errors.js';
import type { ErrorKey } from './error-codes.js';
import type { StepupEvents } from './events.js';
import { storeKey, type MfaStore } from '../stores/types.js';
import type { Request } from 'express';
import type { Amr } from './types.js';

/**
 * The second-factor lockout of `createStepup({ lockout })`. By default 10 consecutive failures
 * lock the account for 15 minutes, well inside NIST SP 800-63B-4 §3.2.2's limit of 100
 * consecutive failed attempts per account.
 */
export interface LockoutOptions {
  /** Consecutive second-factor failures before the lock. @default 10 */
  readonly maxFailures?: number;
  /** Lock duration in seconds. @default 900 */
  readonly lockSeconds?: number;
}

/** The outcome of checking one code. */
export type CodeCheck =
  | {
      /** The code (or assertion) was right and has been consumed. */
      readonly ok: true;
      /** What this check proved when it depends on the authenticator (a passkey: hwk or swk). */
      readonly amr?: Amr;
      /** Further RFC 8176 values it proved (`user` after user verification). */
      readonly moreAmr?: readonly Amr[];
    }
  | {
      /** The check failed. */
      readonly ok: false;
      /** The error the refusal answers with: 401 `invalid_code` or 410 `code_expired`. */
      readonly error: Extract<ErrorKey, 'INVALID_CODE' | 'CODE_EXPIRED'>;
      /** False when the attempt must not count on the lockout counter. @default true */
      readonly countsAsFailure?: boolean;
      /** What the refusal tells the client beyond the code (merged into the JSON body). */
      readonly details?: ErrorDetails['INVALID_CODE'];
      /** A sentence that says what to do, instead of the code's default message. */
      readonly message?: string;
    };

/** Failures are forgotten after a day without a success: the counter may not live forever. */
const FAILURE_WINDOW_MS = 24 * 3600 * 1000;

/**
 * One counter per account across every second factor (docs/architecture.md "Factors").
 *
 * NIST SP 800-63B-4 §3.2.2 requires limiting consecutive failed attempts on a single account;
 * sharing the counter across factors stops an attacker from spending 10 tries on TOTP, then 10
 * on email, then 10 on recovery codes. Asking for a new challenge (resend) never resets it;
 * only a success does. The lock is per account, not per IP, because the second factor is only
 * reachable after the password: the attacker who triggers it already holds the password.
 */
export class AttemptCounter {
  /** Consecutive failures that lock the account (`lockout.maxFailures`, default 10). */
  readonly maxFailures: number;
  /** How long a lock lasts, in milliseconds (`lockout.lockSeconds` × 1000). */
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
    private readonly now: () => number = Date.now,
  ) {
    this.maxFailures = options.maxFailures ?? 10;
    this.lockMs = (options.lockSeconds ?? 900) * 1000;
  }

  /** Throws 429 `too_many_attempts` with `retryAfter` (seconds) while the account is locked. */
  async assertNotLocked(userId: string): Promise<void> {
    this.throwIfLocked(await this.snapshot(userId));
  }

  /**
   * The lock and the failure count, plus `extraKeys` of the same user, in one store round trip
   * when the store has `getMany` (a verify then costs one read and one atomic write).
   */
  async snapshot(userId: string, extraKeys: readonly string[] = []): Promise<AttemptSnapshot> {
    const keys = [lockKey(userId), failuresKey(userId), ...extraKeys];
    const values = this.store.getMany
      ? await this.store.getMany(keys)
      : await Promise.all(keys.map((key) => this.store.get(key)));
    const [lock = null, failures = null, ...rest] = values;
    // The lock holds its expiry time; the store's TTL removes it at the same moment.
    const until = lock === null ? undefined : Number(lock);
    const remainingMs =
      until === undefined || !Number.isFinite(until) ? undefined : until - this.now();
    return {
      ...(remainingMs !== undefined && remainingMs > 0
        ? { retryAfter: Math.ceil(remainingMs / 1000) }
        : {}),
      failures: Number.parseInt(failures ?? '0', 10) || 0,
      values: rest,
    };
  }

  /** Throws 429 `too_many_attempts` when the snapshot shows a lock. */
  throwIfLocked(snapshot: AttemptSnapshot): void {
    if (snapshot.retryAfter !== undefined) {
      throw new StepupError('TOO_MANY_ATTEMPTS', { retryAfter: snapshot.retryAfter });
    }
  }

  /** Count a failure; locks the account when it reaches the limit. Returns whether it locked. */
  async recordFailure(req: Request | undefined, userId: string, factor: string): Promise<boolean> {
    const failures = await this.store.increment(failuresKey(userId), FAILURE_WINDOW_MS);
    if (failures < this.maxFailures) return false;
    await this.store.set(lockKey(userId), String(this.now() + this.lockMs), this.lockMs);
    await this.store.delete(failuresKey(userId));
    this.events.emitFor(req, 'mfa.locked', { userId, factor, lockSeconds: this.lockMs / 1000 });
    await this.onLock?.(req, userId, factor);
    return true;
  }

  /**
   * A success resets the counter. With `knownFailures` of 0 (read in this request's snapshot)
   * there is nothing to delete and no round trip; a failure recorded concurrently by another
   * request then stays counted, which errs on the safe side.
   */
  async reset(userId: string, knownFailures?: number): Promise<void> {
    if (knownFailures === 0) return;
    await this.store.delete(failuresKey(userId));
  }

  /**
   * The one attempt sequence of every second-factor check (the router's verify, the services
   * that confirm, disable, regenerate or re-enrol, the password field with a TOTP appended):
   * refuse while locked, run the check, count a failure and emit `mfa.failed`, or reset the
   * counter on success. `known` is a snapshot this request already read (saves a round trip).
   * Throws 429 while locked; resolves to the check's outcome otherwise.
   */
  async attempt(
    req: Request | undefined,
    userId: string,
    factor: string,
    check: () => Promise<CodeCheck>,
    known?: AttemptSnapshot,
  ): Promise<CodeCheck> {
    const snapshot = known ?? (await this.snapshot(userId));
    this.throwIfLocked(snapshot);
    const outcome = await check();
    if (outcome.ok) {
      await this.reset(userId, snapshot.failures);
      return outcome;
    }
    if (outcome.countsAsFailure !== false) await this.recordFailure(req, userId, factor);
    this.events.emitFor(req, 'mfa.failed', { userId, factor, reason: outcome.error.toLowerCase() });
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

  /** Admin reset clears the lock too. */
  async clear(userId: string): Promise<void> {
    await this.store.delete(failuresKey(userId), lockKey(userId));
  }
}

/** What `snapshot()` read: the lock, the failure count, and the extra keys asked for. */
export interface AttemptSnapshot {
  /** Seconds until the lock ends; absent when not locked. */
  readonly retryAfter?: number;
  /** Failures counted since the last success (forgotten after a day without one). */
  readonly failures: number;
  /** The values of the `extraKeys` asked for, in the same order (`null` when absent). */
  readonly values: readonly (string | null)[];
}

/** The error a failed `CodeCheck` answers with. */
export function refusal(check: Extract<CodeCheck, { ok: false }>): StepupError {
  return new StepupError(check.error, check.details ?? {}, check.message);
}

function failuresKey(userId: string): string {
  return storeKey(userId, 'mfa', 'failures');
}

function lockKey(userId: string): string {
  return storeKey(userId, 'mfa', 'lock');
}
