/**
 * The second-factor attempt state of one user in the `MfaStore`, and the two atomic steps that
 * move it: reserve an attempt before a code is compared, then settle it. Both are one Lua script
 * on Redis and one synchronous section in memory, so hundreds of parallel guesses, also sent to
 * several app instances, get at most the limit compared (docs/architecture.md, invariant 19;
 * NIST SP 800-63B-4 §3.2.2, OWASP ASVS 5.0 V6.3.1).
 */

/** The keys of one user's attempt state. All three carry the user's `{userId}` hash tag. */
export interface AttemptKeys {
  /** Attempts reserved in the current lock period: failures plus those still being checked. */
  readonly counter: string;
  /** Present while the account is locked; holds the lock's end (ms since the epoch). */
  readonly lock: string;
  /** Consecutive failures since the last success, across lock periods and days. */
  readonly streak: string;
}

/** What `MfaStore.reserveAttempt` needs besides the keys. */
export interface ReserveAttemptSpec extends AttemptKeys {
  /** Attempts per lock period (`lockout.maxFailures`). */
  readonly limit: number;
  /** Consecutive failures after which no attempt is reserved any more (`lockout.suspendAfter`). */
  readonly cap: number;
  /** The counter's lifetime, set when it is born and never extended. */
  readonly windowMs: number;
  /** The streak's lifetime, renewed by every reservation. */
  readonly streakTtlMs: number;
  /**
   * When the counter reaches the limit, it lives at most this long: the last attempt of a period
   * normally sets the lock within milliseconds; should its process die first, the period still
   * ends instead of refusing the user for a whole window.
   */
  readonly inFlightMs: number;
  /** Further keys of the same user whose values come back in the same atomic step. */
  readonly read?: readonly string[];
}

/**
 * The answer of `reserveAttempt`. `values` holds the values of `read` (null when absent) in
 * every case.
 * - `reserved`: the attempt may compare one code; `count` is its number in the period and
 *   `streak` the consecutive failures counting it.
 * - `locked`: the account is locked for `lockTtlMs` more.
 * - `full`: every attempt of the period is taken by requests still being checked (the lock is
 *   about to be set).
 * - `suspended`: the streak reached the cap: no code is compared until recovery.
 * - `unseeded`: the store holds no streak for the user (never seen, or short-lived state lost):
 *   the caller seeds it from the durable count (`setIfAbsent`) and asks again.
 */
export type AttemptReservation = {
  /** The values of `spec.read`, in order (null when absent). */
  readonly values: readonly (string | null)[];
} & (
  | {
      /** The attempt may compare one code. */
      readonly outcome: 'reserved';
      /** Its number in the period (1 … limit). */
      readonly count: number;
      /** Consecutive failures, counting this attempt. */
      readonly streak: number;
    }
  | {
      /** The account is locked. */
      readonly outcome: 'locked';
      /** For this long, in ms. */
      readonly lockTtlMs: number;
    }
  | {
      /** Every attempt of the period is taken by requests still being checked. */
      readonly outcome: 'full';
    }
  | {
      /** The streak reached the cap. */
      readonly outcome: 'suspended';
      /** Its value. */
      readonly streak: number;
    }
  | {
      /** No streak is stored for the user: seed it and ask again. */
      readonly outcome: 'unseeded';
    }
);

/**
 * How a reserved attempt ends (`settleAttempt`):
 * - `success`: the counter and any lock are gone and the streak is 0 (only a success resets);
 * - `release`: the attempt did not count (a refusal that compared nothing): both counts give
 *   their point back;
 * - `lock`: the period's last attempt failed: set the lock (`until`, for `lockMs`) only when the
 *   counter still holds `limit` attempts and no lock exists, and then start a new period. True
 *   for the one caller that set it, so that the lock is announced once.
 * A failure that is not the period's last needs no settling: its point stays.
 */
export type AttemptSettlement =
  | {
      /** A right code. */
      readonly kind: 'success';
      /** The streak's lifetime (it is kept at 0). */
      readonly streakTtlMs: number;
    }
  | {
      /** Nothing was compared. */
      readonly kind: 'release';
    }
  | {
      /** The period's last attempt failed. */
      readonly kind: 'lock';
      /** Attempts per period: the lock is set only when the counter holds this many. */
      readonly limit: number;
      /** When the lock ends, in ms since the epoch (the lock's value). */
      readonly until: number;
      /** The lock's lifetime in ms. */
      readonly lockMs: number;
    };
