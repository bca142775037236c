import type {
  AttemptKeys,
  AttemptReservation,
  AttemptSettlement,
  MfaStore,
  ReserveAttemptSpec,
} from './types.js';
import { type Cells, reserveInMemory, settleInMemory } from './memory-attempts.js';

/** Options of `new MemoryStore()`. */
export interface MemoryStoreOptions {
  /** Clock in ms since epoch; tests inject a fake one. @default Date.now */
  readonly now?: () => number;
  /** How often expired entries are swept, in ms. @default 10_000 */
  readonly sweepIntervalMs?: number;
}

type Entry =
  | { kind: 'string'; value: string; expiresAt: number | null }
  | { kind: 'hash'; value: Map<string, string>; expiresAt: number | null };

let warnedProduction = false;

/**
 * The embedded default store: one process, no persistence. Every method runs synchronously
 * between awaits, so check-and-consume is atomic within the process.
 *
 * Memory stays bounded under a flood of distinct keys (an attacker trying 100,000 usernames):
 * every entry the library writes carries a TTL, and expired entries are swept on a timer and
 * opportunistically on writes (OWASP ASVS 5.0 V2.4: anti-automation must not exhaust the server).
 */
export class MemoryStore implements MfaStore {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly sweepIntervalMs: number;
  private lastSweep: number;
  private readonly timer: NodeJS.Timeout;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.sweepIntervalMs = options.sweepIntervalMs ?? 10_000;
    this.lastSweep = this.now();
    this.timer = setInterval(() => this.sweep(), this.sweepIntervalMs);
    this.timer.unref();
    if (process.env.NODE_ENV === 'production' && !warnedProduction) {
      warnedProduction = true;
      process.emitWarning(
        'passport-stepup: MemoryStore keeps MFA state in one process and loses it on restart. ' +
          'Use RedisStore when you run more than one instance or need state to survive restarts.',
        { code: 'PASSPORT_STEPUP_MEMORY_STORE' },
      );
    }
  }

  /** Number of live entries (after sweeping expired ones); for tests and metrics. */
  size(): number {
    this.sweep();
    return this.entries.size;
  }

  /** Remove every expired entry. */
  sweep(): void {
    const now = this.now();
    this.lastSweep = now;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt !== null && entry.expiresAt <= now) this.entries.delete(key);
    }
  }

  /** A snapshot of every live key and value, for secret-hygiene tests. */
  dump(): Record<string, string | Record<string, string>> {
    this.sweep();
    // Object.fromEntries defines own properties: `out[key] = …` with key "__proto__" would
    // set the prototype instead of adding the key.
    return Object.fromEntries(
      [...this.entries].map(([key, e]) => [
        key,
        e.kind === 'string' ? e.value : Object.fromEntries(e.value),
      ]),
    );
  }

  async get(key: string): Promise<string | null> {
    const entry = this.live(key);
    return entry?.kind === 'string' ? entry.value : null;
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    return keys.map((key) => {
      const entry = this.live(key);
      return entry?.kind === 'string' ? entry.value : null;
    });
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.write(key, { kind: 'string', value, expiresAt: this.expiry(ttlMs) });
  }

  async setIfAbsent(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.live(key)) return false;
    this.write(key, { kind: 'string', value, expiresAt: this.expiry(ttlMs) });
    return true;
  }

  async take(key: string): Promise<string | null> {
    const entry = this.live(key);
    if (entry?.kind !== 'string') return null;
    this.entries.delete(key);
    return entry.value;
  }

  async delete(...keys: string[]): Promise<number> {
    let removed = 0;
    for (const key of keys) {
      if (this.live(key)) removed++;
      this.entries.delete(key);
    }
    return removed;
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const entry = this.live(key);
    if (entry?.kind === 'string') {
      const next = (Number.parseInt(entry.value, 10) || 0) + 1;
      entry.value = String(next);
      return next;
    }
    this.write(key, { kind: 'string', value: '1', expiresAt: this.expiry(ttlMs) });
    return 1;
  }

  async advance(key: string, value: number, ttlMs: number): Promise<boolean> {
    const entry = this.live(key);
    if (entry?.kind === 'string' && Number.parseInt(entry.value, 10) >= value) return false;
    this.write(key, { kind: 'string', value: String(value), expiresAt: this.expiry(ttlMs) });
    return true;
  }

  async reserveAttempt(spec: ReserveAttemptSpec): Promise<AttemptReservation> {
    return reserveInMemory(this.cells, spec);
  }

  async settleAttempt(keys: AttemptKeys, settlement: AttemptSettlement): Promise<boolean> {
    return settleInMemory(this.cells, keys, settlement);
  }

  /** String cells for the attempt steps, which run synchronously (hence atomically). */
  private readonly cells: Cells = {
    get: (key) => {
      const entry = this.live(key);
      return entry?.kind === 'string' ? entry.value : null;
    },
    put: (key, value, ttlMs) => {
      const entry = this.live(key);
      const expiresAt = ttlMs === undefined ? (entry?.expiresAt ?? null) : this.expiry(ttlMs);
      this.write(key, { kind: 'string', value, expiresAt });
    },
    ttl: (key) => {
      const entry = this.live(key);
      if (!entry) return null;
      return entry.expiresAt === null ? Infinity : entry.expiresAt - this.now();
    },
    delete: (key) => void this.entries.delete(key),
  };

  async ttl(key: string): Promise<number | null> {
    const entry = this.live(key);
    if (!entry || entry.expiresAt === null) return null;
    return Math.max(0, entry.expiresAt - this.now());
  }

  async hashSet(key: string, field: string, value: string, ttlMs?: number): Promise<void> {
    const entry = this.live(key);
    if (entry?.kind === 'hash') {
      entry.value.set(field, value);
      if (ttlMs !== undefined) entry.expiresAt = this.expiry(ttlMs);
      return;
    }
    this.write(key, {
      kind: 'hash',
      value: new Map([[field, value]]),
      expiresAt: this.expiry(ttlMs),
    });
  }

  async hashGetAll(key: string): Promise<Record<string, string>> {
    const entry = this.live(key);
    return entry?.kind === 'hash' ? Object.fromEntries(entry.value) : {};
  }

  async hashGet(key: string, field: string): Promise<string | null> {
    const entry = this.live(key);
    return entry?.kind === 'hash' ? (entry.value.get(field) ?? null) : null;
  }

  async hashDeleteMany(key: string, fields: readonly string[]): Promise<number> {
    let removed = 0;
    for (const field of fields) if (await this.hashDelete(key, field)) removed++;
    return removed;
  }

  async hashDelete(key: string, field: string): Promise<boolean> {
    const entry = this.live(key);
    if (entry?.kind !== 'hash') return false;
    const removed = entry.value.delete(field);
    if (entry.value.size === 0) this.entries.delete(key);
    return removed;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.entries.clear();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private write(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    // Opportunistic sweep: a fake clock or a stalled timer must not let expired keys pile up.
    if (this.now() - this.lastSweep >= this.sweepIntervalMs) this.sweep();
  }

  private expiry(ttlMs: number | undefined): number | null {
    if (ttlMs === undefined) return null;
    if (!Number.isFinite(ttlMs) || ttlMs <= 0)
      throw new RangeError(`ttlMs must be > 0, got ${ttlMs}`);
    return this.now() + ttlMs;
  }
}
