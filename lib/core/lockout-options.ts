/**
 * The options of the second-factor lockout and the schedule they give (docs/architecture.md,
 * invariant 19). With the defaults an attacker holding the password gets 10 guesses, then
 * waits 15 min, 30 min, 1 h, 2 h … (at most a day), and after 100 consecutive failures no
 * code is compared at all: NIST SP 800-63B-4 §3.2.2 allows no more than 100 consecutive failed
 * attempts on one account.
 */
import type { Request } from 'express';
import { assertKnownKeys, wholeNumber } from './validate.js';

export const DAY_MS = 24 * 3600 * 1000;

/** NIST SP 800-63B-4 §3.2.2: the most consecutive failures an account may ever be allowed. */
export const NIST_FAILURE_CAP = 100;

/** `createStepup({ lockout })`. */
export interface LockoutOptions {
  /** Consecutive second-factor failures before each lock. @default 10 */
  readonly maxFailures?: number;
  /** The first lock's duration in seconds; each further lock lasts twice as long. @default 900 */
  readonly lockSeconds?: number;
  /** The longest a lock grows to, in seconds. @default 86400 (one day) */
  readonly maxLockSeconds?: number;
  /**
   * Consecutive failures after which second-factor sign-in stops until an admin reset
   * (423 `mfa_suspended`). Lower is allowed; above 100 is a TypeError. @default 100
   */
  readonly suspendAfter?: number;
}

/** The durable copy of the streak (the `CredentialStore` methods of the same names). */
export interface DurableStreak {
  /** The recorded count (0 when none). */
  failureStreak(userId: string): Promise<number>;
  /** Raise the count to `failures`; a smaller value changes nothing. */
  raiseFailureStreak(userId: string, failures: number, now: number): Promise<void>;
  /** Forget the count (a success, an admin reset). */
  clearFailureStreak(userId: string): Promise<void>;
}

export interface ResolvedLockout {
  readonly maxFailures: number;
  readonly lockMs: number;
  readonly maxLockMs: number;
  readonly suspendAfter: number;
}

function whole(name: string, value: unknown, min: number, max: number): number {
  return wholeNumber(`lockout.${name}`, value, min, max);
}

export function resolveLockout(options: LockoutOptions = {}): ResolvedLockout {
  assertKnownKeys('lockout', options, [
    'maxFailures',
    'lockSeconds',
    'maxLockSeconds',
    'suspendAfter',
  ]);
  const suspendAfter = whole(
    'suspendAfter',
    options.suspendAfter ?? NIST_FAILURE_CAP,
    1,
    NIST_FAILURE_CAP,
  );
  const maxFailures = whole('maxFailures', options.maxFailures ?? 10, 1, NIST_FAILURE_CAP);
  const lockSeconds = whole('lockSeconds', options.lockSeconds ?? 900, 1, 30 * 86400);
  const maxLockSeconds = whole(
    'maxLockSeconds',
    options.maxLockSeconds ?? Math.max(86400, lockSeconds),
    lockSeconds,
    30 * 86400,
  );
  return {
    maxFailures,
    lockMs: lockSeconds * 1000,
    maxLockMs: maxLockSeconds * 1000,
    suspendAfter,
  };
}

/** The `n`-th lock of a streak (1, 2, …) lasts `lockMs` × 2^(n−1), at most `maxLockMs`. */
export function lockDurationMs(limits: ResolvedLockout, n: number): number {
  const doublings = Math.min(Math.max(0, n - 1), 30);
  return Math.min(limits.maxLockMs, limits.lockMs * 2 ** doublings);
}

/** A reserved attempt: the right to compare one code (`AttemptCounter.reserve`). */
export interface Reservation {
  /** The account it counts on. */
  readonly userId: string;
  /** Its number in the lock period (1 … `maxFailures`). */
  readonly count: number;
  /** Consecutive failures counting this attempt. */
  readonly streak: number;
  /** The values of the keys read with the reservation, in the order asked. */
  readonly values: readonly (string | null)[];
}

/** Called once per lock, and once at suspension, to send the user a security notice. */
export type LockNotice = (
  req: Request | undefined,
  userId: string,
  factor: string,
  kind: 'lockout' | 'mfa_suspended',
) => void | Promise<void>;

/** What `AttemptCounter.state` tells about an account. */
export interface LockoutState {
  /** Consecutive second-factor failures since the last success. */
  readonly failures: number;
  /** Seconds until the current lock ends; absent when not locked. */
  readonly retryAfter?: number;
  /** True once `failures` reached `suspendAfter`: only an admin reset reopens sign-in. */
  readonly suspended: boolean;
}
