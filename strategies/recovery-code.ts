/**
 * Recovery codes: the `recovery-code` Passport strategy (amr `rc`, a NIST "look-up secret"),
 * and the service the TOTP factor and the router call (generate, remaining, consume, reset).
 *
 * Storage, NIST SP 800-63B-4 §3.1.2.2 / OWASP ASVS 5.0 V6.5.2. We chose the keyed branch: codes
 * carry 125 bits (lib/recovery/codes.ts), so each is stored as HMAC-SHA-256 under a key the
 * app keeps apart from the MFA store. A salted password hash (argon2id) is what the standard
 * asks for under 112 bits; above it the slow hash buys nothing (2^125 guesses are out of reach
 * anyway), and with one salt per code it would cost tens of ms × 10 codes per attempt, making
 * every wrong guess a cheap denial of service. The key adds defence in depth: a dump of Redis alone does not even let an
 * attacker test a candidate code offline.
 *
 * Layout: `{user}:recovery` is a hash whose fields ARE the digests (value: when it was issued).
 * Checking a code is one `hashDelete(key, digest)`:
 *   - single use, atomically (ASVS 5.0 V6.5.1): HDEL on Redis (shared by every app instance)
 *     or a synchronous Map delete in memory returns true to exactly one caller;
 *   - constant-time with respect to the secret: there is no loop over the stored codes and no
 *     string comparison of secrets, so the time depends neither on which position matched nor
 *     on how many codes are left. The store's own lookup compares digests, and timing leaks
 *     about an HMAC output reveal nothing about a code to someone without the key.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request, Router } from 'express';
import type { FactorHost } from '../lib/core/context.js';
import { resolveKey } from '../lib/core/key-rule.js';
import { assertKnownKeys } from '../lib/core/validate.js';
import { StepupError } from '../lib/core/errors.js';
import { SecondFactorStrategy } from '../lib/core/factor-strategy.js';
import type { FactorFactory, StepupContext, Subject } from '../lib/core/context.js';
import type { CodeCheck } from '../lib/core/attempts.js';
import { codeDigest, generateCodes, normalizeCode, toHmacKey } from '../lib/recovery/codes.js';
import { mountRecoveryRoutes } from '../lib/recovery/routes.js';
import { MemoryStore } from '../lib/stores/memory.js';
import { storeKey } from '../lib/stores/types.js';

export interface RecoveryCodeOptions {
  /** Codes per set. @default 10 */
  readonly count?: number;
  /**
   * HMAC key (≥ 32 bytes), kept apart from the MFA store: an environment secret, a KMS, a vault.
   * Every app instance must use the same key, and it must not change, or issued codes stop
   * working. @default a random per-process key (see `recoveryCodes()`)
   */
  readonly hmacKey?: string | Uint8Array;
  /** `GET /auth/session` says `recoveryCodesLow: true` at or below this many. @default 2 */
  readonly lowThreshold?: number;
}

const KNOWN = new Set(['count', 'hmacKey', 'lowThreshold']);
const WHERE = 'recoveryCodes';
/** A regeneration holds a per-user lock this long at most (a crashed holder frees it). */
const LOCK_TTL_MS = 10_000;
const LOCK_TRIES = 40;
const LOCK_WAIT_MS = 50;

/** Options after validation, as the strategy's constructor takes them. */
export interface ResolvedRecoveryCodeOptions {
  readonly count: number;
  readonly lowThreshold: number;
  readonly key: Buffer;
}

function resolve(options: RecoveryCodeOptions) {
  assertKnownKeys(WHERE, options, KNOWN);
  const count = options.count ?? 10;
  if (!Number.isInteger(count) || count < 5 || count > 20) {
    throw new TypeError(`${WHERE}: count must be an integer from 5 to 20, got ${String(count)}`);
  }
  const lowThreshold = options.lowThreshold ?? 2;
  if (!Number.isInteger(lowThreshold) || lowThreshold < 0 || lowThreshold >= count) {
    throw new TypeError(`${WHERE}: lowThreshold must be an integer from 0 to count - 1`);
  }
  const given = options.hmacKey;
  const key = given === undefined || given === '' ? undefined : toHmacKey(WHERE, given);
  return { count, lowThreshold, key };
}

/**
 * `createStepup({ factors: [recoveryCodes({ hmacKey })] })`. Options are checked here, when it is
 * called, with TypeErrors that say how to fix them.
 *
 * Without `hmacKey` a random key is made per process. With the in-memory store that costs
 * nothing (the codes die with the process anyway). With a shared store (Redis) it would make
 * every code unusable after a restart or on another instance, which users discover only when
 * they have lost their phone: so it throws under NODE_ENV=production and warns otherwise.
 */
export function recoveryCodes(options: RecoveryCodeOptions = {}): FactorFactory {
  const resolved = resolve(options);
  return (ctx) => {
    const key = resolveKey({
      where: WHERE,
      option: 'hmacKey',
      options,
      validate: (given) => toHmacKey(WHERE, given as string | Uint8Array),
      generate: () => randomBytes(32),
      shared: !(ctx.store instanceof MemoryStore),
      consequence: 'recovery codes would not survive a restart and would fail on other instances',
      example: 'hmacKey (32+ random bytes from a secret, e.g. `openssl rand -base64 32`)',
      warningCode: 'PASSPORT_STEPUP_RECOVERY_KEY',
    });
    return new RecoveryCodeStrategy(ctx, { ...resolved, key });
  };
}

export class RecoveryCodeStrategy extends SecondFactorStrategy {
  readonly name = 'recovery-code';
  readonly amr = 'rc';
  readonly count: number;
  readonly lowThreshold: number;
  // The key lives only in this closure: util.inspect or JSON.stringify of the strategy shows a
  // function, never the bytes. Not an ES `#private` field: Passport runs each request on
  // `Object.create(strategy)`, and `#field` reads throw on such an object (a 500 on every verify).
  private readonly hmac: (userId: string, canonical: string) => string;

  constructor(ctx: StepupContext, options: ResolvedRecoveryCodeOptions) {
    super(ctx);
    this.count = options.count;
    this.lowThreshold = options.lowThreshold;
    const key = options.key;
    this.hmac = (userId, canonical) => codeDigest(key, userId, canonical);
  }

  async isEnrolled(userId: string): Promise<boolean> {
    return (await this.remaining(userId)) > 0;
  }

  /** Unused codes left. */
  async remaining(userId: string): Promise<number> {
    return Object.keys(await this.ctx.store.hashGetAll(codesKey(userId))).length;
  }

  /**
   * A new set replacing every old code; the plaintext is returned this once and never stored
   * (show it, then forget it). Emits `recovery.regenerated`; when it replaced an earlier set,
   * the user is notified (docs/architecture.md, invariant 11).
   */
  async generate(req: Request | undefined, userId: string): Promise<string[]> {
    const { codes, replaced, hadSet } = await this.withLock(userId, async () => {
      const { store, now } = this.ctx;
      const key = codesKey(userId);
      const old = Object.keys(await store.hashGetAll(key));
      const issuedBefore = (await store.get(issuedKey(userId))) !== null;
      const fresh = generateCodes(this.count);
      const issuedAt = String(now());
      const fields = fresh.map((code) => this.digest(userId, code));
      // New codes first, then drop the old ones: a crash in between leaves the user with codes
      // that work rather than with none. The old fields are exactly those listed before.
      await Promise.all(fields.map((field) => store.hashSet(key, field, issuedAt)));
      const stale = old.filter((f) => !fields.includes(f));
      await Promise.all(stale.map((f) => store.hashDelete(key, f)));
      await store.set(issuedKey(userId), issuedAt);
      return { codes: fresh, replaced: old.length, hadSet: old.length > 0 || issuedBefore };
    });
    // Outside the lock: a slow mail server must not hold up another regeneration.
    this.ctx.events.emitFor(req, 'recovery.regenerated', { userId, count: codes.length, replaced });
    if (hadSet) {
      await this.ctx.notify(req, userId, 'recovery_codes_regenerated', { count: codes.length });
    }
    return codes;
  }

  /**
   * Use one code: true for exactly one caller per code. Then revoke remembered browsers
   * (a recovery code in use often means a lost device, invariant 4 (docs/architecture.md)), emit `recovery.used`
   * with the count left and notify the user. Malformed input is simply false.
   */
  async consume(req: Request | undefined, userId: string, code: string): Promise<boolean> {
    const canonical = normalizeCode(code);
    if (canonical === undefined) return false;
    const field = this.digest(userId, canonical);
    const removed = await this.ctx.store.hashDelete(codesKey(userId), field);
    if (!removed) return false;
    const left = await this.remaining(userId);
    await this.ctx.credentialsChanged(req, userId, 'recovery_code_used');
    this.ctx.events.emitFor(req, 'recovery.used', { userId, factor: this.name, remaining: left });
    await this.ctx.notify(req, userId, 'recovery_code_used', { remaining: left });
    return true;
  }

  async reset(userId: string): Promise<void> {
    await this.ctx.store.delete(codesKey(userId), issuedKey(userId), lockKey(userId));
  }

  /** `recoveryCodesLow` for `GET /auth/session`, once the user has been issued codes. */
  async sessionInfo(userId: string): Promise<Record<string, unknown>> {
    if ((await this.ctx.store.get(issuedKey(userId))) === null) return {};
    return { recoveryCodesLow: (await this.remaining(userId)) <= this.lowThreshold };
  }

  mountRoutes(router: Router, host: FactorHost): void {
    mountRecoveryRoutes(router, host, this);
  }

  protected async verifyCode(req: Request, subject: Subject, code: string): Promise<CodeCheck> {
    // Malformed input counts on the lockout counter like a wrong code: to the attacker both
    // are guesses, and answering alike tells them nothing about the format check.
    const used = await this.consume(req, subject.userId, code);
    return used ? { ok: true } : { ok: false, error: 'INVALID_CODE' };
  }

  private digest(userId: string, code: string): string {
    const canonical = normalizeCode(code);
    if (canonical === undefined) throw new Error('recovery code digest of a malformed code');
    return this.hmac(userId, canonical);
  }

  /**
   * Serialise regenerations of one user (two tabs, a double click): without it both new sets
   * would survive, side by side. Consumption needs no lock (it is one atomic delete).
   */
  private async withLock<T>(userId: string, fn: () => Promise<T>): Promise<T> {
    const lock = lockKey(userId);
    for (let attempt = 0; !(await this.ctx.store.setIfAbsent(lock, '1', LOCK_TTL_MS)); attempt++) {
      if (attempt >= LOCK_TRIES) {
        throw new StepupError(
          'TOO_MANY_ATTEMPTS',
          { retryAfter: 1 },
          'Recovery codes are being regenerated by another request. Retry in a moment.',
        );
      }
      await sleep(LOCK_WAIT_MS);
    }
    try {
      return await fn();
    } finally {
      await this.ctx.store.delete(lock);
    }
  }
}

function codesKey(userId: string): string {
  return storeKey(userId, 'recovery');
}
function issuedKey(userId: string): string {
  return storeKey(userId, 'recovery', 'issued');
}
function lockKey(userId: string): string {
  return storeKey(userId, 'recovery', 'lock');
}
