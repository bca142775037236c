/**
 * One-time codes by email (`email-otp`, amr `email`) and SMS (`sms-otp`, amr `sms`), on one
 * engine (lib/one-time-code/engine.ts): 6 digits, 5 minutes, 5 tries, single use, bound to the
 * login or session that asked, 60 s between sends, stored only as an HMAC.
 *
 * How strong are they? Weak, and the API says so:
 *   - NIST SP 800-63B-4 §3.1.3.1 does NOT accept email as an out-of-band authenticator: a
 *     mailbox is reachable from anywhere with its password, so a code in it proves no device.
 *     Whoever can reset the account password through the same mailbox holds both "factors".
 *   - §3.1.3.3 makes SMS a *restricted* authenticator (SIM swap, number porting, SS7): allowed
 *     only with a stronger alternative and with the risk explained (OWASP ASVS 5.0 V6.6.1).
 * Hence: `assertEmailNotAlone` (email only next to another factor type), `requireStrongerFactor`
 * (offer these codes only to users who also have e.g. TOTP), and routes that refuse them with
 * `requireMfa({ factors: ['totp'] })`.
 */
import type { Request, Router } from 'express';
import type { FactorHost } from '../lib/core/context.js';
import { assertKnownKeys } from '../lib/core/validate.js';
import { StepupError } from '../lib/core/errors.js';
import type { FactorFactory, StepupContext } from '../lib/core/context.js';
import type { Subject } from '../lib/core/login-flow.js';
import type { Mailer } from '../lib/mail/mailer.js';
import {
  DEFAULT_CODE_EMAIL,
  DEFAULT_CODE_SMS,
  renderEmail,
  type CodeMessageData,
  type CodePurpose,
  type EmailTemplateOverrides,
  type SmsTemplate,
} from '../lib/mail/templates.js';
import {
  mask,
  OneTimeCodeStrategy,
  toCodeCheck,
  type ResolvedCodeOptions,
} from '../lib/one-time-code/base-strategy.js';
import type { EmailEnrollmentCheck } from '../lib/one-time-code/email-service.js';
import { bindingOf } from '../lib/one-time-code/binding.js';
import { OneTimeCodeEngine, OTP_DEFAULTS, type SentCode } from '../lib/one-time-code/engine.js';
import { mountEmailEnrollmentRoutes } from '../lib/one-time-code/routes.js';
import {
  resolveCommon,
  type DestinationLookup,
  type EmailOtpOptions,
  type SmsOtpOptions,
} from '../lib/one-time-code/options.js';
import type { SmsSender } from '../lib/sms/sender.js';
import type { EmailCredential } from '../lib/stores/credentials/rows.js';

/** The `email-otp` factor, with optional enrolment of an address (`/mfa/email/enroll`). */
export class EmailOtpStrategy extends OneTimeCodeStrategy {
  readonly name = 'email-otp';
  readonly amr = 'email';
  readonly channel = 'email';
  /** Codes that prove a new address; separate keys, cooldown and tries from sign-in codes. */
  readonly enrollEngine: OneTimeCodeEngine;
  /** Whether the enrolment routes are mounted (`enrollment` option). */
  readonly enrollment: boolean;
  private readonly mailer: Mailer;
  private readonly getAddress: DestinationLookup | undefined;
  private readonly templates: EmailTemplateOverrides<CodeMessageData>;

  constructor(ctx: StepupContext, resolved: ResolvedCodeOptions, options: EmailOtpOptions) {
    super(ctx, 'email-otp', resolved);
    this.mailer = options.mailer;
    this.getAddress = options.getAddress;
    this.templates = options.templates ?? {};
    this.enrollment = options.enrollment ?? true;
    this.enrollEngine = new OneTimeCodeEngine({
      store: ctx.store,
      now: ctx.now,
      namespace: 'email-otp:enroll',
      key: resolved.key,
    });
  }

  /** The address codes go to: the one the user enrolled, else the one the app declares. */
  async addressOf(userId: string): Promise<string | undefined> {
    const enrolled = await this.enrolledAddress(userId);
    if (enrolled) return enrolled.data.address;
    const declared = await this.getAddress?.(userId);
    return typeof declared === 'string' && declared.length > 0 ? declared : undefined;
  }

  destination(userId: string): Promise<string | undefined> {
    return this.addressOf(userId);
  }

  /** True when the user enrolled an address here (not only declared by the app). */
  async hasEnrolledAddress(userId: string): Promise<boolean> {
    return (await this.enrolledAddress(userId)) !== undefined;
  }

  /** The verified address, a row of the credential store (durable, like every enrolment). */
  private async enrolledAddress(userId: string): Promise<EmailCredential | undefined> {
    const [row] = await this.ctx.credentials.list(userId, 'email');
    return row?.type === 'email' ? row : undefined;
  }

  protected async deliver(to: string, code: string, purpose: CodePurpose): Promise<void> {
    const rendered = renderEmail(this.message(code, purpose), DEFAULT_CODE_EMAIL, this.templates);
    await this.mailer.send({ to, ...rendered });
  }

  /** Send a code that proves `email`; the address is bound into the code's MAC. */
  async beginEnrollment(req: Request, subject: Subject, email: string): Promise<SentCode> {
    const binding = bindingOf(req, subject, true);
    if (binding === undefined) throw new StepupError('MFA_SESSION_EXPIRED');
    const deliver = (code: string) => this.deliver(email, code, 'enroll');
    const { userId } = subject;
    const data = { address: email };
    const issued = await this.issueVia(req, userId, this.enrollEngine, binding, deliver, data);
    return { ...issued, destination: mask(email) };
  }

  /** Check the enrolment code; on success the address becomes the user's verified one. */
  async confirmEnrollment(
    req: Request,
    subject: Subject,
    code: string,
  ): Promise<EmailEnrollmentCheck> {
    const binding = bindingOf(req, subject, false);
    const outcome = await this.enrollEngine.check(subject.userId, binding, code);
    if (outcome.result !== 'ok') return { ok: false as const, check: toCodeCheck(outcome) };
    const address = outcome.data.address ?? '';
    const replaced = await this.hasEnrolledAddress(subject.userId);
    return { ok: true as const, address, replaced };
  }

  /** The new address replaces the old one: created first, so the user is never without one. */
  async saveAddress(userId: string, email: string): Promise<void> {
    const old = await this.ctx.credentials.list(userId, 'email');
    await this.ctx.credentials.createEmail({ userId, address: email, now: this.ctx.now() });
    for (const row of old) await this.ctx.credentials.delete(userId, row.id);
  }

  /** Delete the enrolled address; true when there was one. Codes in flight stay (see `reset`). */
  async removeAddress(userId: string): Promise<boolean> {
    return (await this.ctx.credentials.deleteAll(userId, 'email')) > 0;
  }

  override async reset(userId: string): Promise<void> {
    await super.reset(userId);
    await this.enrollEngine.clear(userId);
    await this.removeAddress(userId);
  }

  override mountRoutes(router: Router, host: FactorHost): void {
    super.mountRoutes(router, host);
    if (this.enrollment) mountEmailEnrollmentRoutes(router, host, this);
  }
}

/** The `sms-otp` factor: the phone number comes from the app (`getPhone`), already verified. */
export class SmsOtpStrategy extends OneTimeCodeStrategy {
  readonly name = 'sms-otp';
  readonly amr = 'sms';
  readonly channel = 'sms';
  private readonly sender: SmsSender;
  private readonly getPhone: DestinationLookup;
  private readonly template: SmsTemplate;

  constructor(ctx: StepupContext, resolved: ResolvedCodeOptions, options: SmsOtpOptions) {
    super(ctx, 'sms-otp', resolved);
    this.sender = options.sender;
    this.getPhone = options.getPhone;
    this.template = options.template ?? DEFAULT_CODE_SMS;
  }

  async destination(userId: string): Promise<string | undefined> {
    const phone = await this.getPhone(userId);
    return typeof phone === 'string' && phone.length > 0 ? phone : undefined;
  }

  protected async deliver(to: string, code: string, purpose: CodePurpose): Promise<void> {
    await this.sender.send({ to, text: this.template(this.message(code, purpose)) });
  }
}

const COMMON = ['codeKey', 'appName', 'requireStrongerFactor'];
const EMAIL_KNOWN = new Set([...COMMON, 'mailer', 'getAddress', 'templates', 'enrollment']);
const TEMPLATE_PARTS = new Set(['subject', 'text', 'html']);
const SMS_KNOWN = new Set([...COMMON, 'sender', 'getPhone', 'template']);

/** `createStepup({ factors: [totp(), emailOtp({ mailer, codeKey })] })`. */
export function emailOtp(options: EmailOtpOptions): FactorFactory {
  assertKnownKeys('emailOtp', options, EMAIL_KNOWN);
  if (typeof options.mailer?.send !== 'function') {
    throw new TypeError(
      'emailOtp: mailer is required: smtpMailer(url, { from }), devOutbox() or your own',
    );
  }
  if (options.getAddress !== undefined && typeof options.getAddress !== 'function') {
    throw new TypeError(
      'emailOtp: getAddress must be a function (userId) => verified address | undefined',
    );
  }
  assertKnownKeys('emailOtp templates', options.templates ?? {}, TEMPLATE_PARTS);
  const common = resolveCommon('emailOtp', options);
  return (ctx) => new EmailOtpStrategy(ctx, { ...common, key: common.key(ctx.store) }, options);
}

/** `createStepup({ factors: [totp(), smsOtp({ sender, getPhone, codeKey })] })`. */
export function smsOtp(options: SmsOtpOptions): FactorFactory {
  assertKnownKeys('smsOtp', options, SMS_KNOWN);
  if (typeof options.sender?.send !== 'function') {
    throw new TypeError(
      'smsOtp: sender is required: webhookSmsSender({ url }), consoleSmsSender() or your own',
    );
  }
  if (typeof options.getPhone !== 'function') {
    throw new TypeError(
      'smsOtp: getPhone(userId) is required; it returns the verified phone number or undefined',
    );
  }
  if (options.template !== undefined && typeof options.template !== 'function') {
    throw new TypeError('smsOtp: template must be a function (data) => text');
  }
  const common = resolveCommon('smsOtp', options);
  return (ctx) => new SmsOtpStrategy(ctx, { ...common, key: common.key(ctx.store) }, options);
}

export { mask, OneTimeCodeStrategy, OTP_DEFAULTS };
