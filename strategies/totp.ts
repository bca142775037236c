import type { Request, Router } from 'express';
import type { CodeCheck } from '../lib/core/attempts.js';
import type { FactorFactory, FactorHost, StepupContext } from '../lib/core/context.js';
import type { Subject } from '../lib/core/login-flow.js';
import { SecondFactorStrategy } from '../lib/core/factor-strategy.js';
import { assertKnownKeys } from '../lib/core/validate.js';
import type { EncryptionKeys } from '../lib/crypto/encryption.js';
import type { TotpCredential } from '../lib/stores/credentials/rows.js';
import type { TotpEnrollment, TotpFactor } from '../lib/totp/contract.js';
import { buildOtpauthUri, enrollmentArtifacts } from '../lib/totp/enrollment-artifacts.js';
import { PendingEnrollments } from '../lib/totp/pending-enrollment.js';
import { TotpSecrets } from '../lib/totp/totp-secrets.js';
import {
  codeAlreadyUsed,
  generateTotpSecret,
  isWellFormedCode,
  TOTP_DEFAULTS,
  verifyTotp,
  type TotpWindow,
} from '../lib/totp/totp-core.js';
import { mountTotpRoutes } from '../lib/totp/routes.js';
import { wholeNumber } from '../lib/core/validate.js';

/** Options of `totp(…)`; every one has a default. */
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

const KNOWN = new Set(['issuer', 'label', 'encryptionKeys', 'enrollmentTtlSeconds', 'window']);

/**
 * The `totp` factor (amr `otp`): RFC 6238, SHA-1, 6 digits, 30 s, ±1 step.
 *
 * Single use: the last accepted time step per user is kept in the store and only moves
 * forward (`advance`, an atomic compare-and-set), so a code accepted in one session or
 * instance fails everywhere else, and so does any code of an earlier step (RFC 6238 §5.2,
 * NIST SP 800-63B-4 §3.1.4.2). Secrets are encrypted at rest with AES-256-GCM, bound to the
 * user id through the AAD so a ciphertext copied to another account fails to decrypt.
 */
export class TotpStrategy extends SecondFactorStrategy<TotpCredential[]> implements TotpFactor {
  readonly name = 'totp';
  readonly amr = 'otp';
  /** The issuer shown in the authenticator app (option `issuer`). */
  readonly issuer: string;
  private readonly secrets: TotpSecrets;
  private readonly pending: PendingEnrollments;
  private readonly label: (userId: string) => string | Promise<string>;
  /** How long an unconfirmed enrolment waits for its code, in milliseconds. */
  readonly enrollmentTtlMs: number;
  /** Time steps of drift accepted on each side of now (option `window`). */
  readonly window: TotpWindow;

  constructor(ctx: StepupContext, options: TotpOptions = {}) {
    super(ctx);
    assertKnownKeys('totp', options, KNOWN);
    this.issuer = options.issuer ?? 'passport-stepup';
    this.label = options.label ?? ((userId) => userId);
    const ttl = wholeNumber(
      'totp: enrollmentTtlSeconds',
      options.enrollmentTtlSeconds ?? 900,
      60,
      3600,
    );
    this.enrollmentTtlMs = ttl * 1000;
    const window = options.window ?? 1;
    if (window !== 0 && window !== 1) {
      throw new TypeError(
        `totp: window must be 0 or 1 (time steps of drift), got ${String(window)}`,
      );
    }
    this.window = window;
    this.secrets = new TotpSecrets(ctx, options);
    this.pending = new PendingEnrollments(ctx, this.secrets, this.enrollmentTtlMs, window);
  }

  async isEnrolled(userId: string): Promise<boolean> {
    return (await this.authenticators(userId)).length > 0;
  }

  /** The user's authenticators, read once per verify and handed to `verifyCode`. */
  protected override async enrollmentFor(userId: string): Promise<TotpCredential[] | undefined> {
    const rows = await this.authenticators(userId);
    return rows.length > 0 ? rows : undefined;
  }

  protected async verifyCode(
    req: Request,
    subject: Subject,
    code: string,
    rows: TotpCredential[],
  ): Promise<CodeCheck> {
    return this.checkRows(req, subject.userId, rows, code);
  }

  /**
   * Try `code` against each of the user's authenticators. Each row has its own replay marker,
   * moved forward by one conditional UPDATE in the credential store (RFC 6238 §5.2: a step is
   * accepted once), so a code accepted on one instance fails on every other, durably.
   */
  private async checkRows(
    req: Request | undefined,
    userId: string,
    rows: readonly TotpCredential[],
    code: string,
  ): Promise<CodeCheck> {
    const wrong: CodeCheck = { ok: false, error: 'INVALID_CODE' };
    // Validate before otplib sees it: otplib throws on a wrong length or a non-digit.
    if (!isWellFormedCode(code, TOTP_DEFAULTS.digits)) return wrong;
    for (const row of rows) {
      const secret = this.secrets.tryOpen(req, userId, row);
      if (secret === undefined) continue;
      // The first match after the row's last accepted step: two steps of the window can share
      // the digits, and the earlier one may be spent (test/totp/totp.shared-code).
      const result = await verifyTotp({
        secret,
        code,
        now: this.ctx.now(),
        window: this.window,
        ...(row.lastStep >= 0 ? { afterTimeStep: row.lastStep } : {}),
      });
      if (!result.valid) {
        if (result.reason === 'replayed') return this.replayed(req, userId, row.lastStep);
        continue;
      }
      const { credentials, now } = this.ctx;
      // Spent meanwhile, on this instance or another: the conditional UPDATE is the guarantee.
      if (!(await credentials.advanceTotpStep(userId, row.id, result.timeStep, now()))) {
        return this.replayed(req, userId, Math.max(row.lastStep, result.timeStep));
      }
      if (this.secrets.isStale(row.data)) {
        // Key rotation without a migration: re-encrypt under the current key on use.
        await credentials.updateTotpData(userId, row.id, this.secrets.dataFor(userId, secret));
      }
      return { ok: true };
    }
    return wrong;
  }

  /** A code of a step already accepted (`lastStep`): reported, and refused as already used. */
  private replayed(req: Request | undefined, userId: string, lastStep: number): CodeCheck {
    this.ctx.events.emitFor(req, 'totp.replay', { userId });
    return codeAlreadyUsed(lastStep, this.ctx.now());
  }

  /**
   * Start an enrolment: a new secret, kept aside (encrypted, in the short-lived store) until a
   * code confirms it. `add: true` keeps the user's other authenticators on confirm; otherwise the
   * new one replaces them.
   */
  async beginEnrollment(
    userId: string,
    options: { readonly add?: boolean } = {},
  ): Promise<TotpEnrollment> {
    const secret = generateTotpSecret();
    await this.pending.put(userId, secret, options.add === true);
    return enrollmentArtifacts(secret, this.issuer, await this.label(userId));
  }

  /**
   * The enrolment still waiting for its code, shown again (the same secret and QR code), so a
   * page can keep them on screen after a mistyped code; undefined when none is pending.
   */
  async pendingEnrollment(userId: string): Promise<TotpEnrollment | undefined> {
    const pending = await this.pending.get(userId);
    if (!pending) return undefined;
    return enrollmentArtifacts(pending.secret, this.issuer, await this.label(userId));
  }

  /**
   * Confirm the pending enrolment with a code from the app. Only now does the secret become an
   * authenticator (a row in the credential store), replacing the user's others unless the
   * enrolment was started with `add`. Refused for a wrong or reused code, or no pending enrolment.
   */
  async confirmEnrollment(
    req: Request,
    userId: string,
    code: string,
    label?: string,
  ): Promise<CodeCheck> {
    const wrong: CodeCheck = { ok: false, error: 'INVALID_CODE' };
    const pending = await this.pending.get(userId);
    if (!pending) return wrong;
    const { secret } = pending;
    const step = await this.pending.check(req, userId, secret, code);
    if (typeof step !== 'number') return step;
    // take() makes confirmation single use even when two confirms race.
    if (!(await this.pending.take(userId))) return wrong;
    // The confirming code's step counts as used for the new authenticator (lastStep).
    await this.activate(userId, secret, { label, lastStep: step, replace: !pending.add });
    return { ok: true };
  }

  /**
   * Enable a secret the app already holds (seeding demo users, migrating from another system),
   * replacing the user's authenticators. Skips the confirming code: only use it for secrets that
   * never left your control. RFC 4226 §4 asks for 128 bits at least; we require 160.
   */
  async enrollWithSecret(
    userId: string,
    secret: string,
    label?: string,
  ): Promise<{
    /** The `otpauth://` URI of the secret (it contains the secret: show it once, never log it). */
    otpauthUrl: string;
  }> {
    if (!/^[A-Z2-7]{32,}$/.test(secret)) {
      throw new TypeError(
        'enrollWithSecret: the secret must be Base32 (A-Z, 2-7), 160 bits or more',
      );
    }
    await this.activate(userId, secret, { label, replace: true });
    return {
      otpauthUrl: buildOtpauthUri({ secret, issuer: this.issuer, label: await this.label(userId) }),
    };
  }

  /** Check (and consume) a current code of any of the user's authenticators (used by disable). */
  async verifyCurrent(req: Request | undefined, userId: string, code: string): Promise<boolean> {
    return (await this.checkRows(req, userId, await this.authenticators(userId), code)).ok;
  }

  /** Remove every authenticator of the user and any pending enrolment. */
  async reset(userId: string): Promise<void> {
    await this.ctx.credentials.deleteAll(userId, 'totp');
    await this.pending.clear(userId);
  }

  /** Re-encrypt this user's secrets under the current key (key rotation helper). */
  async reencrypt(userId: string): Promise<boolean> {
    let changed = false;
    for (const row of await this.authenticators(userId)) {
      if (!this.secrets.isStale(row.data)) continue;
      await this.ctx.credentials.updateTotpData(
        userId,
        row.id,
        this.secrets.resealed(userId, row.data),
      );
      changed = true;
    }
    return changed;
  }

  override mountRoutes(router: Router, host: FactorHost): void {
    mountTotpRoutes(router, host);
  }

  /**
   * Make `secret` an authenticator of the user; with `replace`, the user's others go, after the
   * new one exists, so the user is never left without an authenticator.
   */
  private async activate(
    userId: string,
    secret: string,
    options: {
      readonly label?: string | undefined;
      readonly lastStep?: number;
      readonly replace: boolean;
    },
  ): Promise<void> {
    const previous = options.replace ? await this.authenticators(userId) : [];
    await this.ctx.credentials.createTotp({
      userId,
      label: options.label ?? null,
      data: this.secrets.dataFor(userId, secret),
      ...(options.lastStep !== undefined ? { lastStep: options.lastStep } : {}),
      now: this.ctx.now(),
    });
    for (const row of previous) await this.ctx.credentials.delete(userId, row.id);
  }

  private async authenticators(userId: string): Promise<TotpCredential[]> {
    return (await this.ctx.credentials.list(userId, 'totp')) as TotpCredential[];
  }
}

/** The factory for `createStepup({ factors: [totp({ issuer: 'Acme' })] })`. */
export function totp(options: TotpOptions = {}): FactorFactory {
  assertKnownKeys('totp', options, KNOWN);
  return (ctx) => new TotpStrategy(ctx, options);
}
