/**
 * The base of the `email-otp` and `sms-otp` strategies (strategies/one-time-code.ts): the
 * parts that must be the same for every channel. Enrolment check (with the optional "only
 * next to a stronger factor" rule), sending through the engine with the binding of this
 * login or session, and the mapping of a channel failure to `503 delivery_failed` (which
 * uses up nothing: no cooldown, no attempt).
 */
import type { Request, Router } from 'express';
import type { FactorHost } from '../core/context.js';
import { DeliveryError } from '../core/delivery-error.js';
import { StepupError } from '../core/errors.js';
import { SecondFactorStrategy } from '../core/factor-strategy.js';
import type { StepupContext } from '../core/context.js';
import type { Subject } from '../core/login-flow.js';
import type { CodeCheck } from '../core/attempts.js';
import type { CodeMessageData, CodePurpose } from '../mail/templates.js';
import { bindingOf } from './binding.js';
import { OneTimeCodeEngine, type CheckOutcome, type Issued, type SentCode } from './engine.js';
import { hasStrongerFactor } from './policy.js';
import { mountSendRoute } from './routes.js';

/** The options `emailOtp()` and `smsOtp()` share, after validation and defaults. */
export interface ResolvedCodeOptions {
  /** HMAC key of the stored codes (`codeKey`, or the per-process key the key rule allows). */
  readonly key: Buffer;
  /** Product name in messages. */
  readonly appName: string;
  /** Offer the factor only to users who also have a stronger one. */
  readonly requireStrongerFactor: boolean;
}

/** Sign-in codes sent by some channel; a subclass says where to and how. */
export abstract class OneTimeCodeStrategy extends SecondFactorStrategy {
  /** The channel, as in `POST /auth/mfa/<channel>/send` and the `otp.sent` event. */
  abstract readonly channel: 'email' | 'sms';
  /** Issues and checks this factor's sign-in and step-up codes. */
  readonly engine: OneTimeCodeEngine;
  /** Product name in messages. */
  readonly appName: string;
  private readonly requireStronger: boolean;

  constructor(ctx: StepupContext, namespace: string, resolved: ResolvedCodeOptions) {
    super(ctx);
    this.appName = resolved.appName;
    this.requireStronger = resolved.requireStrongerFactor;
    const { store, now } = ctx;
    this.engine = new OneTimeCodeEngine({ store, now, namespace, key: resolved.key });
  }

  /** Where codes go for this user (verified address or phone), or undefined. */
  abstract destination(userId: string): Promise<string | undefined>;
  /** Send one code; reject when the channel fails. */
  protected abstract deliver(to: string, code: string, purpose: CodePurpose): Promise<void>;

  async isEnrolled(userId: string): Promise<boolean> {
    if ((await this.destination(userId)) === undefined) return false;
    if (!this.requireStronger) return true;
    return hasStrongerFactor(this.ctx.factors, userId);
  }

  /** `POST /mfa/<channel>/send`: a new code for the subject's login or session. */
  async send(req: Request, subject: Subject): Promise<SentCode> {
    const enrolled = await this.isEnrolled(subject.userId);
    const to = enrolled ? await this.destination(subject.userId) : undefined;
    if (to === undefined) throw new StepupError('FACTOR_NOT_ENROLLED');
    const binding = bindingOf(req, subject, true);
    if (binding === undefined) throw new StepupError('MFA_SESSION_EXPIRED');
    const purpose = subject.status === 'pending' ? 'sign-in' : 'step-up';
    const issued = await this.issueVia(req, subject.userId, this.engine, binding, (code) =>
      this.deliver(to, code, purpose),
    );
    return { ...issued, destination: mask(to) };
  }

  /**
   * A code bound to `binding` instead of a login (the password reset binds it to its token
   * digest; lib/core/factor-keys.ts, `BoundCodeSender`).
   */
  async sendBound(req: Request, userId: string, binding: string): Promise<SentCode> {
    const enrolled = await this.isEnrolled(userId);
    const to = enrolled ? await this.destination(userId) : undefined;
    if (to === undefined) throw new StepupError('FACTOR_NOT_ENROLLED');
    const issued = await this.issueVia(req, userId, this.engine, binding, (code) =>
      this.deliver(to, code, 'password-reset'),
    );
    return { ...issued, destination: mask(to) };
  }

  /** Check a code sent by `sendBound` with the same binding; true once. */
  async checkBound(userId: string, binding: string, code: string): Promise<boolean> {
    return (await this.engine.check(userId, binding, code)).result === 'ok';
  }

  /** Issue through `engine`; a channel failure becomes `503 delivery_failed` and an event. */
  protected async issueVia(
    req: Request,
    userId: string,
    engine: OneTimeCodeEngine,
    binding: string,
    deliver: (code: string) => Promise<void>,
    data?: Record<string, string>,
  ): Promise<Issued> {
    const guarded = async (code: string) => {
      try {
        await deliver(code);
      } catch (err) {
        throw err instanceof DeliveryError
          ? err
          : new DeliveryError(this.channel, 'error', `${this.channel} delivery failed`, {
              cause: err,
            });
      }
    };
    try {
      const issued = await engine.issue(userId, binding, guarded, data);
      const { name: factor, channel } = this;
      this.ctx.events.emitFor(req, 'otp.sent', { userId, factor, channel });
      return issued;
    } catch (err) {
      if (!(err instanceof DeliveryError)) throw err;
      this.ctx.events.emitFor(req, 'otp.delivery_failed', {
        userId,
        factor: this.name,
        reason: err.reason,
      });
      throw new StepupError('DELIVERY_FAILED', { retryAfter: 5 });
    }
  }

  protected async verifyCode(req: Request, subject: Subject, code: string): Promise<CodeCheck> {
    const binding = bindingOf(req, subject, false);
    return toCodeCheck(await this.engine.check(subject.userId, binding, code));
  }

  async reset(userId: string): Promise<void> {
    await this.engine.clear(userId);
  }

  override mountRoutes(router: Router, host: FactorHost): void {
    mountSendRoute(router, host, this, `/mfa/${this.channel}/send`);
  }

  /** The template data of a code message; `minutes` is the code lifetime, rounded. */
  protected message(code: string, purpose: CodePurpose): CodeMessageData {
    const minutes = Math.round(this.engine.ttlMs / 60_000);
    return { code, purpose, minutes, appName: this.appName };
  }
}

/** An answer given without comparing the code (expired, tried out) costs no lockout attempt. */
export function toCodeCheck(outcome: CheckOutcome): CodeCheck {
  if (outcome.result === 'ok') return { ok: true };
  if (outcome.result === 'invalid') return { ok: false, error: 'INVALID_CODE' };
  return { ok: false, error: 'CODE_EXPIRED', countsAsFailure: false };
}

/** `alice@example.com` → `a***@example.com`; `+15551234567` → `*********67`. */
export function mask(destination: string): string {
  const at = destination.lastIndexOf('@');
  if (at > 0) return `${destination.charAt(0)}***${destination.slice(at)}`;
  return '*'.repeat(Math.max(0, destination.length - 2)) + destination.slice(-2);
}
