import type {
  AttemptKeys,
  AttemptReservation,
  AttemptSettlement,
  ReserveAttemptSpec,
} from './attempt-types.js';

export type { AttemptKeys, AttemptReservation, AttemptSettlement, ReserveAttemptSpec };

/**
 * `MfaStore`: the one interface for all MFA state (enrolment records, challenges, used TOTP
 * steps, attempt counters, remembered browsers).
 *
 * Every method that decides "first one wins" is atomic in a real implementation: a single
 * Redis command or Lua script, a synchronous section in memory. Security code relies on this:
 * NIST SP 800-63B-4 §3.1.4.2 / RFC 6238 §5.2 (an OTP is accepted once), ASVS 5.0 V6.5.1
 * (a look-up secret is used once).
 *
 * Keys are opaque strings built by `storeKey()`; they contain a `{userId}` hash tag so that
 * every key of one user lands in one Redis Cluster slot.
 */
export interface MfaStore {
  /** The value, or null when absent or expired. */
  get(key: string): Promise<string | null>;
  /** Write a value; `ttlMs` omitted means no expiry. */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Write only when the key does not exist (SET NX). True for the one caller that wrote. */
  setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean>;
  /**
   * Optional: several values in one round trip (MGET), in the order of `keys`, null where
   * absent. All keys must belong to one user (one `{userId}` hash tag), so that a Redis Cluster
   * serves them from one slot. Callers fall back to `get` when a store has no `getMany`.
   */
  getMany?(keys: readonly string[]): Promise<(string | null)[]>;
  /** Read and delete in one step (GETDEL). Of many parallel callers, one gets the value. */
  take(key: string): Promise<string | null>;
  /** Delete keys; resolves to how many existed. */
  delete(...keys: string[]): Promise<number>;
  /**
   * Add one to a counter and return the new value. The TTL is set when the counter is created
   * and is not extended by later increments (a fixed window).
   */
  increment(key: string, ttlMs: number): Promise<number>;
  /**
   * Compare-and-set upward: store `value` only when the key is absent or holds a smaller
   * integer. True when it stored. Used for "last accepted TOTP time step".
   */
  advance(key: string, value: number, ttlMs: number): Promise<boolean>;
  /** Remaining lifetime in ms; null when the key is absent or has no expiry. */
  ttl(key: string): Promise<number | null>;
  /** Set one field of a hash (creates it). `ttlMs` (re)sets the whole hash's expiry. */
  hashSet(key: string, field: string, value: string, ttlMs?: number): Promise<void>;
  /** All fields of a hash; an empty object when absent. */
  hashGetAll(key: string): Promise<Record<string, string>>;
  /**
   * Optional: one field of a hash (HGET), null when the field or the hash is absent. Callers
   * fall back to `hashGetAll` when a store has no `hashGet`.
   */
  hashGet?(key: string, field: string): Promise<string | null>;
  /** Delete one field; true for the one caller that removed it (single use). */
  hashDelete(key: string, field: string): Promise<boolean>;
  /**
   * One atomic step before a second-factor code is compared: refuse while locked, suspended or
   * with the period's attempts all taken; otherwise count the attempt in the period counter and
   * the streak (see `AttemptReservation`). Also reads `spec.read` in the same step.
   */
  reserveAttempt(spec: ReserveAttemptSpec): Promise<AttemptReservation>;
  /** End a reserved attempt atomically (see `AttemptSettlement`); true when it did what it says. */
  settleAttempt(keys: AttemptKeys, settlement: AttemptSettlement): Promise<boolean>;
  /**
   * Optional: delete several fields of one hash in one round trip (HDEL key f1 f2 …); resolves
   * to how many existed. Callers fall back to `hashDelete` per field.
   */
  hashDeleteMany?(key: string, fields: readonly string[]): Promise<number>;
  /** Release connections and timers. */
  close?(): Promise<void>;
}

/** Thrown (or rejected with) by a store when its backend cannot be reached. */
export class StoreUnavailableError extends Error {
  /** Always `'StoreUnavailableError'` (also for `CredentialStoreUnavailableError`). */
  override readonly name = 'StoreUnavailableError';
  constructor(message = 'The MFA store is unreachable', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Build a key for one user's state: `{<userId>}:<part>:<part>`. The user id is URI-encoded so
 * that no character of it (braces, colons, newlines) can end the hash tag early or collide
 * with another user's keys.
 */
export function storeKey(userId: string, ...parts: string[]): string {
  return `{${encodeURIComponent(userId)}}:${parts.join(':')}`;
}

/** Build a key not tied to a user (e.g. a remembered-browser token lookup), tagged by its own id. */
export function globalKey(kind: string, id: string): string {
  return `{${kind}:${encodeURIComponent(id)}}`;
}
