/**
 * Recovery codes: the `recovery-code` Passport strategy (amr `rc`, a NIST "look-up secret"),
 * and the service the TOTP factor and the router call (generate, remaining, consume, reset).
 *
 * Storage, NIST SP 800-63B-4 §3.1.2.2 / OWASP ASVS 5.0 V6.5.2. We chose the keyed branch: codes
 * carry 125 bits (lib/recovery/codes.ts), so each is stored as HMAC-SHA-256 under a key the
 * app keeps apart from the credential store that holds the digests. A salted password hash
 * (argon2id) is what the standard asks for under 112 bits; above it the slow hash buys nothing
 * (2^125 guesses are out of reach anyway), and with one salt per code it would cost tens of ms
 * × 10 codes per attempt, making every wrong guess a cheap denial of service. The key adds
 * defence in depth: a dump of the database alone does not even let an attacker test a candidate
 * code offline.
 *
 * Layout: one recovery-code set per user in the credential store (durable: losing the short-lived
 * store never costs a user their codes), one row per digest. Checking a code is one conditional
 * UPDATE (`used_at IS NULL`) whose affected-row count decides:
 *   - single use, atomically (ASVS 5.0 V6.5.1): of many parallel callers, on any instance, one
 *     wins;
 *   - constant-time with respect to the secret: there is no loop over the stored codes and no
 *     string comparison of secrets, so the time depends neither on which position matched nor
 *     on how many codes are left. The database's index lookup compares digests, and timing leaks
 *     about an HMAC output reveal nothing about a code to someone without the key.
 */
import { randomBytes } from 'node:crypto';
import type { Request, Router } from 'express';
import type { FactorHost } from '../lib/core/context.js';
import { resolveKey } from '../lib/core/key-rule.js';
import { assertKnownKeys } from '../lib/core/validate.js';
import { SecondFactorStrategy } from '../lib/core/factor-strategy.js';
import type { FactorFactory, StepupContext } from '../lib/core/context.js';
import type { Subject } from '../lib/core/login-flow.js';
import type { CodeCheck } from '../lib/core/attempts.js';
import { codeDigest, generateCodes, normalizeCode, toHmacKey } from '../lib/recovery/codes.js';
import { mountRecoveryRoutes } from '../lib/recovery/routes.js';
import type { RecoveryCodesCredential } from '../lib/stores/credentials/rows.js';
import { wholeNumber } from '../lib/core/validate.js';

/** Options of `recoveryCodes()`; unknown keys and out-of-range values are a TypeError. */
export interface RecoveryCodeOptions {
  /** Codes per set, 5 to 20. @default 10 */
  readonly count?: number;
  /**
   * HMAC key (≥ 32 bytes), kept apart from the credential store that holds the digests: an
   * environment secret, a KMS, a vault. Every app instance must use the same key, and it must
   * not change, or issued codes stop working. @default a random per-process key (see
   * `recoveryCodes()`)
   */
  readonly hmacKey?: string | Uint8Array;
  /** `GET /auth/session` says `recoveryCodesLow: true` at or below this many. @default 2 */
  readonly lowThreshold?: number;
}

const KNOWN = new Set(['count', 'hmacKey', 'lowThreshold']);
const WHERE = 'recoveryCodes';

/** Options after validation, as the strategy's constructor takes them. */
export interface ResolvedRecoveryCodeOptions {
  /** Codes per set. */
  readonly count: number;
  /** Remaining codes at or below which the session reports `recoveryCodesLow`. */
  readonly lowThreshold: number;
  /** The HMAC key of the stored digests (given, or the per-process one the key rule allows). */
  readonly key: Buffer;
}

function resolve(options: RecoveryCodeOptions) {
  assertKnownKeys(WHERE, options, KNOWN);
  const count = wholeNumber(`${WHERE}: count`, options.count ?? 10, 5, 20);
  const lowThreshold = wholeNumber(
    `${WHERE}: lowThreshold`,
    options.lowThreshold ?? 2,
    0,
    count - 1,
  );
  const given = options.hmacKey;
  const key = given === undefined || given === '' ? undefined : toHmacKey(WHERE, given);
  return { count, lowThreshold, key };
}

/**
 * `createStepup({ factors: [recoveryCodes({ hmacKey })] })`. Options are checked here, when it is
 * called, with TypeErrors that say how to fix them.
 *
 * Without `hmacKey` a random key is made per process (lib/core/key-rule.ts). The codes' digests
 * live in the credential store, so that store decides: with the in-memory one it costs nothing
 * (the codes die with the process anyway); with SQL it would make every code unusable after a
 * restart or on another instance, which users discover only when they have lost their phone:
 * so it throws under NODE_ENV=production and warns once in development.
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
      holder: ctx.credentials, // the codes' digests live with the enrolled factors
      consequence: 'recovery codes would not survive a restart and would fail on other instances',
      example:
        'recoveryCodes({ hmacKey: process.env.RECOVERY_KEY }) with 32+ random bytes ' +
        '(`openssl rand -base64 32`), the same on every instance and across restarts',
      warningCode: 'PASSPORT_STEPUP_RECOVERY_KEY',
    });
    return new RecoveryCodeStrategy(ctx, { ...resolved, key });
  };
}

/**
 * The `recovery-code` factor: single-use look-up secrets (NIST SP 800-63B-4 §3.1.2) that back
 * up another factor, kept as keyed digests in the credential store.
 */
export class RecoveryCodeStrategy extends SecondFactorStrategy {
  readonly name = 'recovery-code';
  readonly amr = 'rc';
  /** A backup of another factor (TOTP confirm hands out the first set), never one to set up alone. */
  readonly enrollable = false;
  /** Codes per set. */
  readonly count: number;
  /** `GET /auth/session` reports `recoveryCodesLow: true` at or below this many unused codes. */
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
    const set = await this.currentSet(userId);
    return set ? set.codes.filter((c) => c.usedAt === null).length : 0;
  }

  /**
   * A new set replacing every old code; the plaintext is returned this once and never stored
   * (show it, then forget it). One transaction in the credential store replaces the whole set,
   * so two regenerations at once (two tabs, a double click) leave exactly one set. Emits
   * `recovery.regenerated`; when it replaced an earlier set, the user is notified
   * (docs/architecture.md, invariant 11).
   */
  async generate(req: Request | undefined, userId: string): Promise<string[]> {
    const before = await this.currentSet(userId);
    const codes = generateCodes(this.count);
    const digests = codes.map((code) => this.digest(userId, code));
    await this.ctx.credentials.replaceRecoveryCodes({ userId, digests, now: this.ctx.now() });
    const replaced = before ? before.codes.filter((c) => c.usedAt === null).length : 0;
    this.ctx.events.emitFor(req, 'recovery.regenerated', { userId, count: codes.length, replaced });
    if (before) {
      await this.ctx.notify(req, userId, 'recovery_codes_regenerated', { count: codes.length });
    }
    return codes;
  }

  /**
   * Use one code: true for exactly one caller per code (one conditional UPDATE in the credential
   * store). Then revoke remembered browsers (a recovery code in use often means a lost device,
   * docs/architecture.md, invariant 4), emit `recovery.used` with the count left and notify the
   * user. Malformed input is simply false.
   */
  async consume(req: Request | undefined, userId: string, code: string): Promise<boolean> {
    const canonical = normalizeCode(code);
    if (canonical === undefined) return false;
    const digest = this.digest(userId, canonical);
    const used = await this.ctx.credentials.consumeRecoveryCode(userId, digest, this.ctx.now());
    if (!used) return false;
    const left = await this.remaining(userId);
    await this.ctx.credentialsChanged(req, userId, 'recovery_code_used');
    this.ctx.events.emitFor(req, 'recovery.used', { userId, factor: this.name, remaining: left });
    await this.ctx.notify(req, userId, 'recovery_code_used', { remaining: left });
    return true;
  }

  async reset(userId: string): Promise<void> {
    await this.ctx.credentials.deleteAll(userId, 'recovery-codes');
  }

  /** `recoveryCodesLow` for `GET /auth/session`, once the user has been issued codes. */
  async sessionInfo(userId: string): Promise<Record<string, unknown>> {
    if (!(await this.currentSet(userId))) return {};
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

  private async currentSet(userId: string): Promise<RecoveryCodesCredential | undefined> {
    const [set] = await this.ctx.credentials.list(userId, 'recovery-codes');
    return set?.type === 'recovery-codes' ? set : undefined;
  }
}
