/**
 * The attempt reservation and settlement of the `MemoryStore`, with the same semantics as the
 * Redis scripts (lib/stores/redis-attempt-scripts.ts). Both run synchronously, between two
 * awaits, which makes them atomic within the process (docs/architecture.md, invariant 19).
 */
import type {
  AttemptKeys,
  AttemptReservation,
  AttemptSettlement,
  ReserveAttemptSpec,
} from './attempt-types.js';

/** The string cells of the store, read and written synchronously. */
export interface Cells {
  /** The value, or null when absent or expired. */
  get(key: string): string | null;
  /** Write; `ttlMs` undefined keeps the current expiry (like INCR/DECR on Redis). */
  put(key: string, value: string, ttlMs?: number): void;
  /** Remaining ms; null when absent; Infinity when it never expires. */
  ttl(key: string): number | null;
  delete(key: string): void;
}

/** A count that is not a number fails closed: it reads as `fallback` (the cap or the limit). */
function count(value: string | null, fallback: number): number {
  if (value === null) return 0;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : fallback;
}

export function reserveInMemory(cells: Cells, spec: ReserveAttemptSpec): AttemptReservation {
  const values = (spec.read ?? []).map((key) => cells.get(key));
  const lockTtl = cells.ttl(spec.lock);
  if (lockTtl !== null) {
    const ms = Number.isFinite(lockTtl) ? Math.max(1, lockTtl) : 1;
    return { outcome: 'locked', lockTtlMs: ms, values };
  }
  const rawStreak = cells.get(spec.streak);
  if (rawStreak === null) return { outcome: 'unseeded', values };
  const streak = count(rawStreak, spec.cap);
  if (streak >= spec.cap) return { outcome: 'suspended', streak, values };
  const current = count(cells.get(spec.counter), spec.limit);
  if (current >= spec.limit) return { outcome: 'full', values };
  const n = current + 1;
  cells.put(spec.counter, String(n), current === 0 ? spec.windowMs : undefined);
  if (n >= spec.limit) {
    const left = cells.ttl(spec.counter);
    if (left === null || left > spec.inFlightMs) {
      cells.put(spec.counter, String(n), spec.inFlightMs);
    }
  }
  cells.put(spec.streak, String(streak + 1), spec.streakTtlMs);
  return { outcome: 'reserved', count: n, streak: streak + 1, values };
}

export function settleInMemory(
  cells: Cells,
  keys: AttemptKeys,
  settlement: AttemptSettlement,
): boolean {
  switch (settlement.kind) {
    case 'success':
      cells.delete(keys.counter);
      cells.delete(keys.lock);
      cells.put(keys.streak, '0', settlement.streakTtlMs);
      return true;
    case 'release': {
      // The period counter goes when it reaches 0; the streak stays (0 is not "unseeded").
      const n = count(cells.get(keys.counter), 0);
      if (n > 1) cells.put(keys.counter, String(n - 1));
      else cells.delete(keys.counter);
      const streak = count(cells.get(keys.streak), 0);
      if (streak > 0) cells.put(keys.streak, String(streak - 1));
      return true;
    }
    case 'lock':
      if (count(cells.get(keys.counter), 0) < settlement.limit) return false;
      if (cells.ttl(keys.lock) !== null) return false;
      cells.put(keys.lock, String(settlement.until), settlement.lockMs);
      cells.delete(keys.counter);
      return true;
  }
}
