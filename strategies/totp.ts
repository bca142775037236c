import type { Request, Router } from 'express';
import type { CodeCheck } from '../lib/core/attempts.js';
import type { FactorFactory, FactorHost, StepupContext, Subject } from '../lib/core/context.js';
import { SecondFactorStrategy } from '../lib/core/factor-strategy.js';
import { resolveKey } from '../lib/core/key-rule.js';
import { assertKnownKeys } from '../lib/core/validate.js';
import {
  createCipher,
  generateEncryptionKey,
  type EncryptionKeys,
  type SecretCipher,
} from '../lib/crypto/encryption.js';
import { MemoryStore } from '../lib/stores/memory.js';
import { storeKey } from '../lib/stores/types.js';
import type { TotpEnrollment, TotpFactor } from '../lib/totp/contract.js';
import { buildOtpauthUri, groupSecret, renderQr } from '../lib/totp/enrollment-artifacts.js';
import {
  generateTotpSecret,
  isWellFormedCode,
  TOTP_DEFAULTS,
  verifyTotp,
  type TotpWindow,
} from '../lib/totp/totp-core.js';
import { mountTotpRoutes } from '../lib/totp/routes.js';

export interface TotpOptions {
  /** Shown in the authenticator app. @default 'passport-stepup' */
  readonly issuer?: string;
  /** Account label in the app. @default the user id */
  readonly label?: (userId: string) => string | Promise<string>;
  /**
   * Keys that encrypt TOTP secrets at rest (AES-256-GCM); `current` encrypts, every key in
   * `keys` decrypts, so keys rotate without a migration. Required in production.
   * @default a random key per process, with a warning (secrets do not survive a restart)
   */
  readonly encryptionKeys?: EncryptionKeys;
  /** Seconds an unconfirmed enrolment waits for its confirming code. @default 900 */
  readonly enrollmentTtlSeconds?: number;
  /**
   * Time steps of clock drift accepted on each side of now. `1` (the default) accepts the codes
   * of the previous, current and next 30 s step (RFC 6238 §5.2: allow one step of network
   * delay), so a code lives up to 90 s, longer than OWASP ASVS 5.0 V6.5.5's 30 s; `0` follows
   * ASVS strictly, at the cost of refusing codes typed near a step boundary or on a phone whose
   * clock is a few seconds off. Replay and lockout rules are the same for both.
   * @default 1
   */
  readonly window?: TotpWindow;
}

/** What the store keeps for an enabled authenticator: ciphertext only (invariant 7). */
interface TotpRecord {
  readonly secret: string;
  readonly enabledAt: number;
}

const KNOWN = new Set(['issuer', 'label', 'encryptionKeys', 'enrollmentTtlSeconds', 'window']);

/**
 * Keep the last accepted step a little longer than the ±1 step window, so that any code
 * still inside the window is compared against it (RFC 6238 §5.2: accept an OTP once).
 */
const LAST_STEP_TTL_MS = 10 * 60 * 1000;

/**
 * The `totp` factor (amr `otp`): RFC 6238, SHA-1, 6 digits, 30 s, ±1 step.
 *
 * Single use: the last accepted time step per user is kept in the store and only moves
 * forward (`advance`, an atomic compare-and-set), so a code accepted in one session or
 * instance fails everywhere else, and so does any code of an earlier step (RFC 6238 §5.2,
 * NIST SP 800-63B-4 §3.1.4.2). Secrets are encrypted at rest with AES-256-GCM, bound to the
 * user id through the AAD so a ciphertext copied to another account fails to decrypt.
 */
export class TotpStrategy extends SecondFactorStrategy implements TotpFactor {
  readonly name = 'totp';
  readonly amr = 'otp';
  readonly issuer: string;
  private readonly cipher: SecretCipher;
  private readonly label: (userId: string) => string | Promise<string>;
  readonly enrollmentTtlMs: number;
  readonly window: TotpWindow;
  /** Records read by `isEnrolledFor` in this request (weak: gone with the request). */
  private readonly fetched = new WeakMap<Request, { userId: string; record: TotpRecord }>();

  constructor(ctx: StepupContext, options: TotpOptions = {}) {
    super(ctx);
    assertKnownKeys('totp', options, KNOWN);
    this.issuer = options.issuer ?? 'passport-stepup';
    this.label = options.label ?? ((userId) => userId);
    const ttl = options.enrollmentTtlSeconds ?? 900;
    if (!Number.isInteger(ttl) || ttl < 60 || ttl > 3600) {
      throw new TypeError('totp: enrollmentTtlSeconds must be an integer between 60 and 3600');
    }
    this.enrollmentTtlMs = ttl * 1000;
    const window = options.window ?? 1;
    if (window !== 0 && window !== 1) {
      throw new TypeError(
        `totp: window must be 0 or 1 (time steps of drift), got ${String(window)}`,
      );
    }
    this.window = window;
    this.cipher = createCipher(
      resolveKey({
        where: 'totp',
        option: 'encryptionKeys',
        options,
        validate: (given) => given as EncryptionKeys, // createCipher checks every key
        generate: () => ({ current: 'ephemeral', keys: { ephemeral: generateEncryptionKey() } }),
        shared: !(ctx.store instanceof MemoryStore),
        consequence:
          'enrolled authenticators would not survive a restart or work on other instances',
        example: "encryptionKeys: { current: 'k1', keys: { k1: '<openssl rand -base64 32>' } }",
        warningCode: 'PASSPORT_STEPUP_EPHEMERAL_KEY',
      }),
    );
  }

  async isEnrolled(userId: string): Promise<boolean> {
    return (await this.ctx.store.get(recordKey(userId))) !== null;
  }

  /** The record is read with the lockout state, in the same round trip. */
  protected override prefetchKeys(userId: string): readonly string[] {
    return [recordKey(userId)];
  }

  /** One read of the record per verify: the enrolment check keeps it for `verifyCode`. */
  protected override async isEnrolledFor(
    req: Request,
    userId: string,
    prefetched: readonly (string | null)[],
  ): Promise<boolean> {
    const raw = prefetched[0];
    const record = raw === undefined ? await this.readRecord(userId) : parseRecord(raw);
    if (record) this.fetched.set(req, { userId, record });
    return record !== undefined;
  }

  protected async verifyCode(req: Request, subject: Subject, code: string): Promise<CodeCheck> {
    const cached = this.fetched.get(req);
    this.fetched.delete(req);
    const record =
      cached?.userId === subject.userId ? cached.record : await this.readRecord(subject.userId);
    if (!record) return { ok: false, error: 'INVALID_CODE' };
    const secret = this.decrypt(subject.userId, record.secret);
    const ok = (await this.checkAndConsume(req, subject.userId, secret, code)) !== undefined;
    if (ok && this.cipher.needsReencrypt(record.secret)) {
      // Key rotation without a migration: re-encrypt under the current key on use.
      await this.writeRecord(subject.userId, {
        ...record,
        secret: this.encrypt(subject.userId, secret),
      });
    }
    return ok ? { ok: true } : { ok: false, error: 'INVALID_CODE' };
  }

  /**
   * Check a code against a secret and consume its time step. Resolves to the accepted step, or
   * undefined for a malformed, wrong or replayed code.
   */
  async checkAndConsume(
    req: Request | undefined,
    userId: string,
    secret: string,
    code: string,
    stepKey: string = lastStepKey(userId),
  ): Promise<number | undefined> {
    // Validate before otplib sees it: otplib throws on a wrong length or a non-digit.
    if (!isWellFormedCode(code, TOTP_DEFAULTS.digits)) return undefined;
    // No read of the last accepted step first: the atomic compare-and-set below refuses the
    // same step and every earlier one (RFC 6238 §5.2), in one round trip instead of two.
    // (If a used step and a later one share the same 6 digits, about 1 in 10^6, otplib reports
    // the earlier step and the code is refused: the rare error is on the safe side.)
    const result = await verifyTotp({ secret, code, now: this.ctx.now(), window: this.window });
    if (!result.valid) return undefined;
    if (!(await this.ctx.store.advance(stepKey, result.timeStep, LAST_STEP_TTL_MS))) {
      this.ctx.events.emitFor(req, 'totp.replay', { userId });
      return undefined;
    }
    return result.timeStep;
  }

  /** Start an enrolment: a new secret, kept aside (encrypted) until a code confirms it. */
  async beginEnrollment(userId: string): Promise<TotpEnrollment> {
    const secret = generateTotpSecret();
    await this.ctx.store.set(
      pendingKey(userId),
      JSON.stringify({ secret: this.encrypt(userId, secret), createdAt: this.ctx.now() }),
      this.enrollmentTtlMs,
    );
    const otpauthUrl = buildOtpauthUri({
      secret,
      issuer: this.issuer,
      label: await this.label(userId),
    });
    const qr = await renderQr(otpauthUrl);
    return {
      secret,
      secretGrouped: groupSecret(secret),
      otpauthUrl,
      qrCodeDataUrl: qr.pngDataUrl,
      qrCodeSvg: qr.svg,
    };
  }

  /**
   * Confirm the pending enrolment with a code from the app. Only now does the secret become
   * active (replacing an older one when re-enrolling). False for a wrong code or no enrolment.
   */
  async confirmEnrollment(req: Request, userId: string, code: string): Promise<boolean> {
    const raw = await this.ctx.store.get(pendingKey(userId));
    if (raw === null) return false;
    const pending = JSON.parse(raw) as { secret: string };
    const secret = this.decrypt(userId, pending.secret);
    // The new secret has its own step counter: a code of the old authenticator used a moment
    // ago (to prove freshness) must not block the first code of the new one.
    const step = await this.checkAndConsume(req, userId, secret, code, pendingStepKey(userId));
    if (step === undefined) return false;
    // take() makes confirmation single use even when two confirms race.
    if ((await this.ctx.store.take(pendingKey(userId))) === null) return false;
    await this.writeRecord(userId, { secret: pending.secret, enabledAt: this.ctx.now() });
    // The confirming code's step counts as used for the now active secret too.
    await this.ctx.store.advance(lastStepKey(userId), step, LAST_STEP_TTL_MS);
    return true;
  }

  /**
   * Enable a secret the app already holds (seeding demo users, migrating from another system).
   * Skips the confirming code: only use it for secrets that never left your control.
   */
  async enrollWithSecret(userId: string, secret: string): Promise<{ otpauthUrl: string }> {
    if (!/^[A-Z2-7]{32,}$/.test(secret)) {
      throw new TypeError(
        'enrollWithSecret: the secret must be Base32 (A-Z, 2-7), 160 bits or more',
      );
    }
    await this.writeRecord(userId, {
      secret: this.encrypt(userId, secret),
      enabledAt: this.ctx.now(),
    });
    return {
      otpauthUrl: buildOtpauthUri({ secret, issuer: this.issuer, label: await this.label(userId) }),
    };
  }

  /** Check a current code of the enabled authenticator (used by disable). */
  async verifyCurrent(req: Request | undefined, userId: string, code: string): Promise<boolean> {
    const record = await this.readRecord(userId);
    if (!record) return false;
    const secret = this.decrypt(userId, record.secret);
    return (await this.checkAndConsume(req, userId, secret, code)) !== undefined;
  }

  /** Remove the authenticator and any pending enrolment. */
  async reset(userId: string): Promise<void> {
    await this.ctx.store.delete(recordKey(userId), pendingKey(userId), pendingStepKey(userId));
  }

  /** Re-encrypt this user's secret under the current key (key rotation helper). */
  async reencrypt(userId: string): Promise<boolean> {
    const record = await this.readRecord(userId);
    if (!record || !this.cipher.needsReencrypt(record.secret)) return false;
    await this.writeRecord(userId, {
      ...record,
      secret: this.cipher.reencrypt(record.secret, aad(userId)),
    });
    return true;
  }

  override mountRoutes(router: Router, host: FactorHost): void {
    mountTotpRoutes(router, host);
  }

  private async readRecord(userId: string): Promise<TotpRecord | undefined> {
    return parseRecord(await this.ctx.store.get(recordKey(userId)));
  }

  private async writeRecord(userId: string, record: TotpRecord): Promise<void> {
    await this.ctx.store.set(recordKey(userId), JSON.stringify(record));
  }

  private encrypt(userId: string, secret: string): string {
    return this.cipher.encrypt(secret, aad(userId));
  }

  private decrypt(userId: string, ciphertext: string): string {
    return this.cipher.decrypt(ciphertext, aad(userId));
  }
}

/** The factory for `createStepup({ factors: [totp({ issuer: 'Acme' })] })`. */
export function totp(options: TotpOptions = {}): FactorFactory {
  assertKnownKeys('totp', options, KNOWN);
  return (ctx) => new TotpStrategy(ctx, options);
}

function parseRecord(raw: string | null): TotpRecord | undefined {
  return raw === null ? undefined : (JSON.parse(raw) as TotpRecord);
}

function recordKey(userId: string): string {
  return storeKey(userId, 'totp');
}
function pendingKey(userId: string): string {
  return storeKey(userId, 'totp', 'pending');
}
function lastStepKey(userId: string): string {
  return storeKey(userId, 'totp', 'last-step');
}
function pendingStepKey(userId: string): string {
  return storeKey(userId, 'totp', 'pending-step');
}
function aad(userId: string): string {
  return `totp:${userId}`;
}
