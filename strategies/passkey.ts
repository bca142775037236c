import { randomBytes } from 'node:crypto';
import type { Request, Router } from 'express';
import type { CodeCheck } from '../lib/core/attempts.js';
import type {
  FactorFactory,
  FactorHost,
  SecondFactor,
  StepupContext,
} from '../lib/core/context.js';
import type { Subject } from '../lib/core/login-flow.js';
import { StepupError } from '../lib/core/errors.js';
import type { PasskeyAssertionCheck } from '../lib/core/factor-keys.js';
import { SecondFactorStrategy } from '../lib/core/factor-strategy.js';
import { checkAssertion } from '../lib/passkeys/assertion.js';
import {
  authenticationOptions,
  registrationOptions,
  verifyRegistration,
} from '../lib/passkeys/ceremonies.js';
import { issueChallenge, takeChallenge } from '../lib/passkeys/challenges.js';
import type { PasskeyFactor } from '../lib/passkeys/contract.js';
import {
  resolvePasskeysOptions,
  type PasskeysOptions,
  type ResolvedPasskeysOptions,
} from '../lib/passkeys/options.js';
import { PasskeyLoginStrategy } from '../lib/passkeys/passwordless.js';
import { mountPasskeyRoutes } from '../lib/passkeys/routes.js';
import {
  parseAssertion,
  type AuthenticationResponse,
  type RegistrationResponse,
} from '../lib/passkeys/schemas.js';
import { createPasswordThrottle } from '../lib/password/throttle.js';
import type { PasskeyCredential } from '../lib/stores/credentials/rows.js';
import { RedisStore } from '../lib/stores/redis.js';

export type { PasskeysOptions } from '../lib/passkeys/options.js';

/**
 * The `passkey` factor: WebAuthn (W3C WebAuthn L3) on @simplewebauthn/server, as a second
 * factor and, unless `passwordless: false`, as a passwordless sign-in.
 *
 * A passkey is phishing resistant (NIST SP 800-63B-4 §3.2.5): the browser puts the origin in
 * what the authenticator signs, and the verifier refuses any origin it does not serve, so a
 * proxy on a look-alike domain gets an assertion that is worthless here. Each passkey is a row
 * of the credential store; its sign counter only moves forward (§6.1.1). As a second factor it
 * runs through the one verify path of every factor (lib/core/factor-strategy.ts): the subject
 * from the session, the shared lockout, `mfa.failed`, session rotation.
 */
export class PasskeyStrategy
  extends SecondFactorStrategy<PasskeyCredential[], AuthenticationResponse>
  implements PasskeyFactor, PasskeyAssertionCheck
{
  readonly name = 'passkey';
  /** Refined per assertion (`swk` for a synced key); `hwk` until one is seen. */
  readonly amr = 'hwk';
  readonly passkeyOptions: ResolvedPasskeysOptions;
  /** `passkey-login`, the passwordless sign-in strategy; undefined with `passwordless: false`. */
  readonly firstFactorStrategy: SecondFactor['firstFactorStrategy'];

  constructor(ctx: StepupContext, options: PasskeysOptions) {
    super(ctx);
    this.passkeyOptions = resolvePasskeysOptions(options);
    if (this.passkeyOptions.passwordless) {
      const throttle = createPasswordThrottle({
        backend:
          ctx.store instanceof RedisStore
            ? { kind: 'redis', client: ctx.store.client, prefix: 'stepup:pk' }
            : { kind: 'memory' },
      });
      const strategy = new PasskeyLoginStrategy(ctx, this.passkeyOptions, throttle);
      this.firstFactorStrategy = { name: strategy.name, strategy };
    } else {
      this.firstFactorStrategy = undefined;
    }
  }

  async passkeys(userId: string): Promise<PasskeyCredential[]> {
    return (await this.ctx.credentials.list(userId, 'passkey')) as PasskeyCredential[];
  }

  async isEnrolled(userId: string): Promise<boolean> {
    return (await this.passkeys(userId)).length > 0;
  }

  /** The user's passkeys, read once per verify and handed to `verifyCode`. */
  protected override async enrollmentFor(userId: string) {
    const rows = await this.passkeys(userId);
    return rows.length > 0 ? rows : undefined;
  }

  /**
   * The proof is the signed `response`, not a code; a malformed one is a 400.
   * @internal Called by the base class only; its parsed type mirrors the WebAuthn JSON.
   */
  protected override readInput(
    body: Record<string, unknown> | undefined,
  ): AuthenticationResponse | StepupError {
    return parseAssertion(body?.response);
  }

  protected async verifyCode(
    req: Request,
    subject: Subject,
    response: AuthenticationResponse,
    rows: PasskeyCredential[],
  ): Promise<CodeCheck> {
    const check = await checkAssertion(this.ctx, this.passkeyOptions, req, {
      purpose: 'mfa',
      userId: subject.userId,
      response,
      requireUserVerification: false,
      rows,
    });
    if (!check.ok) {
      return {
        ok: false,
        error: check.reason === 'no_challenge' ? 'CODE_EXPIRED' : 'INVALID_CODE',
      };
    }
    return { ok: true, amr: check.amr, ...(check.userVerified ? { moreAmr: ['user'] } : {}) };
  }

  /** The factors API: a fresh assertion of one of the user's passkeys instead of a code. */
  async verifyAssertion(req: Request, userId: string, response: unknown): Promise<boolean> {
    const parsed = parseAssertion(response);
    if (parsed instanceof StepupError) return false;
    const check = await checkAssertion(this.ctx, this.passkeyOptions, req, {
      purpose: 'mfa',
      userId,
      response: parsed,
      requireUserVerification: false,
    });
    return check.ok;
  }

  async registrationOptions(req: Request, userId: string) {
    const existing = await this.passkeys(userId);
    // One random user handle per account, reused for each of its passkeys: never the user id,
    // which may be an email address (W3C WebAuthn L3 §14.6.1, user handle privacy).
    const userHandle = existing[0]?.data.userHandle ?? randomBytes(32).toString('base64url');
    const { challengeTtlMs } = this.passkeyOptions;
    const record = await issueChallenge(this.ctx, challengeTtlMs, req, 'register', userId, {
      userHandle,
    });
    return registrationOptions(this.passkeyOptions, {
      challenge: record.challenge,
      userHandle,
      userName: await this.passkeyOptions.userName(userId),
      existing,
    });
  }

  async register(
    req: Request,
    userId: string,
    response: RegistrationResponse,
    label: string | undefined,
  ): Promise<PasskeyCredential | undefined> {
    const { challengeTtlMs } = this.passkeyOptions;
    const record = await takeChallenge(this.ctx, challengeTtlMs, req, 'register', userId);
    if (!record?.userHandle) return undefined;
    const verified = await verifyRegistration(this.passkeyOptions, response, {
      challenge: record.challenge,
      userHandle: record.userHandle,
    });
    if (!verified) return undefined;
    return this.ctx.credentials.createPasskey({
      userId,
      label: label ?? null,
      data: verified.data,
      counter: verified.counter,
      now: this.ctx.now(),
    });
  }

  async authenticationOptions(req: Request, userId: string | null) {
    const { challengeTtlMs } = this.passkeyOptions;
    const purpose = userId === null ? 'login' : 'mfa';
    const record = await issueChallenge(this.ctx, challengeTtlMs, req, purpose, userId);
    return authenticationOptions(this.passkeyOptions, {
      challenge: record.challenge,
      allow: userId === null ? [] : await this.passkeys(userId),
      userVerification: userId === null ? 'required' : 'preferred',
    });
  }

  /** Remove every passkey of the user (admin reset). */
  async reset(userId: string): Promise<void> {
    await this.ctx.credentials.deleteAll(userId, 'passkey');
  }

  override mountRoutes(router: Router, host: FactorHost): void {
    const login = this.firstFactorStrategy;
    mountPasskeyRoutes(router, host, login ? { strategy: login.name } : undefined);
  }
}

/**
 * The factory for `createStepup({ factors: [passkeys({ rpId: 'example.com', rpName: 'Acme',
 * origins: ['https://example.com'] })] })`. Options are checked here, at start-up.
 */
export function passkeys(options: PasskeysOptions): FactorFactory {
  resolvePasskeysOptions(options);
  return (ctx) => new PasskeyStrategy(ctx, options);
}
