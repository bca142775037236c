/**
 * Passwordless sign-in with a passkey, as a first-factor Passport strategy (`passkey-login`)
 * so that it runs through the same `stepup.authenticate()` as a password login: the same
 * elevation, session rotation, `login.*` events and throttle (docs/architecture.md, "Request
 * flow").
 *
 * User verification is required (W3C WebAuthn L3 §5.8.6 "required"): with it, one ceremony
 * proves possession of the key and a PIN or biometric, two factors (NIST SP 800-63B-4 §3.1.7,
 * a multi-factor cryptographic authenticator), so the session is satisfied with
 * amr `[hwk|swk, user, mfa]` (RFC 8176). Without it the assertion is refused: a key alone is
 * one factor, and a stolen security key would then be a password.
 */
import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import type { StepupContext } from '../core/context.js';
import type { FactorProof } from '../core/login-flow.js';
import { StepupError } from '../core/errors.js';
import { checkAssertion } from './assertion.js';
import type { ResolvedPasskeysOptions } from './options.js';
import { parseAssertion } from './schemas.js';
import { settleStrategy } from '../core/passport-glue.js';

/**
 * The password throttle's shape (lib/password/throttle.ts), declared here because a feature
 * never imports another (docs/architecture.md, "Layers"); strategies/passkey.ts hands one in.
 */
export interface LoginThrottle {
  check(
    username: string,
    ip: string,
  ): Promise<
    { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSec: number }
  >;
  recordFailure(username: string, ip: string): Promise<void>;
  recordSuccess(username: string, ip: string): Promise<void>;
}

/** The throttle's "username": passwordless attempts count per IP, apart from password ones. */
const THROTTLE_NAME = '\u0000passkey-login';

export class PasskeyLoginStrategy extends Strategy {
  readonly name = 'passkey-login';

  constructor(
    private readonly ctx: StepupContext,
    private readonly options: ResolvedPasskeysOptions,
    private readonly throttle: LoginThrottle | undefined,
  ) {
    super();
  }

  override authenticate(req: Request): void {
    settleStrategy(this, this.run(req));
  }

  private async run(req: Request): Promise<StepupError | { user: unknown; proof: FactorProof }> {
    const response = parseAssertion((req.body as { response?: unknown } | undefined)?.response);
    if (response instanceof StepupError) return response;
    const ip = req.ip ?? 'unknown';
    if (this.throttle) {
      const decision = await this.throttle.check(THROTTLE_NAME, ip);
      if (!decision.allowed) {
        this.ctx.events.emitFor(req, 'login.throttled', { retryAfter: decision.retryAfterSec });
        return new StepupError('TOO_MANY_ATTEMPTS', { retryAfter: decision.retryAfterSec });
      }
    }
    const check = await checkAssertion(this.ctx, this.options, req, {
      purpose: 'login',
      userId: null,
      response,
      requireUserVerification: true,
    });
    const user = check.ok ? await this.options.findUser(check.row.userId) : undefined;
    if (
      !check.ok ||
      !check.userVerified ||
      !user ||
      (user as { locked?: unknown }).locked === true
    ) {
      await this.throttle?.recordFailure(THROTTLE_NAME, ip);
      return new StepupError('INVALID_CREDENTIALS', {}, 'The passkey could not be verified.');
    }
    await this.throttle?.recordSuccess(THROTTLE_NAME, ip);
    const proof: FactorProof = {
      kind: 'first',
      factor: 'passkey',
      amr: check.amr,
      alsoSecond: { factor: 'passkey', amr: 'user' },
      moreAmr: ['mfa'],
    };
    return { user, proof };
  }
}
