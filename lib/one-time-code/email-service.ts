import type { Request } from 'express';
import type { CodeCheck } from '../core/attempts.js';
import { factorKey, hostOf, type FactorHost, type Hosted } from '../core/context.js';
import type { Subject } from '../core/login-flow.js';
import { StepupError } from '../core/errors.js';
import { isWellFormedText } from '../core/unicode.js';
import { assertCanEnroll, assertFreshMfa } from '../http/guards.js';
import type { SentCode } from './engine.js';

/**
 * Email-factor enrolment and removal as services, shared by the JSON router
 * (lib/one-time-code/routes.ts) and apps with server-rendered forms (the example app).
 */

/** What the enrolment routes need from the email factor. */
export interface EnrollingFactor {
  /** Strategy name (`email-otp`), used for the lockout, events and notices. */
  readonly name: string;
  /** RFC 8176 method a confirmed enrolment adds to the session (`email`). */
  readonly amr: string;
  /** True when the user can receive sign-in codes now (an address, and the policy allows it). */
  isEnrolled(userId: string): Promise<boolean>;
  /** True when the user enrolled an address here, not only one the app declares. */
  hasEnrolledAddress(userId: string): Promise<boolean>;
  /** Send a code to `email` for this enrolment (rejects with 429 within the resend interval). */
  beginEnrollment(req: Request, subject: Subject, email: string): Promise<SentCode>;
  /** Check the enrolment code; consumes it. Does not count on the lockout by itself. */
  confirmEnrollment(req: Request, subject: Subject, code: string): Promise<EmailEnrollmentCheck>;
  /** Make `email` the user's verified address, replacing an earlier one. */
  saveAddress(userId: string, email: string): Promise<void>;
  /** Remove the address and every code in flight. */
  reset(userId: string): Promise<void>;
}

/** The outcome of an enrolment code. */
export type EmailEnrollmentCheck =
  | {
      /** The code matched. */
      ok: true;
      /** The address it was sent to, bound into the code's MAC. */
      address: string;
      /** The user already had an enrolled address, which this one replaces. */
      replaced: boolean;
    }
  | {
      /** The code did not match, expired or was tried out. */
      ok: false;
      /** The refusal, as the lockout counts it. */
      check: CodeCheck;
    };

/** RFC 5321 caps a path at 256 octets, so an address at 254; the code proves the rest. */
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

const EMAIL_FACTOR = factorKey<EnrollingFactor>('email-otp', [
  'hasEnrolledAddress',
  'beginEnrollment',
  'confirmEnrollment',
  'saveAddress',
]);

function emailFactorOf(stepup: Hosted): EnrollingFactor {
  const factor = hostOf(stepup).context.factor(EMAIL_FACTOR);
  if (!factor)
    throw new StepupError('FACTOR_NOT_ENROLLED', {}, 'The email-otp factor is not configured.');
  return factor;
}

/** The subject of an enrolment (changing where codes go is changing a factor). */
async function enrollingSubject(host: FactorHost, req: Request): Promise<Subject> {
  await assertCanEnroll(host, req);
  const subject = host.context.subjectOf(req);
  if (!subject) throw new StepupError('MFA_SESSION_EXPIRED');
  return subject;
}

/** Send a code to `email`; it becomes the user's address once that code comes back. */
export async function beginEmail(
  stepup: Hosted,
  req: Request,
  email: string,
  factor: EnrollingFactor = emailFactorOf(stepup),
): Promise<SentCode> {
  const address = email.trim();
  // A lone surrogate would pass the pattern and break the credential store at confirm, after
  // the code was taken (docs/architecture.md, invariant 8).
  if (address.length > 254 || !EMAIL.test(address) || !isWellFormedText(address)) {
    throw new StepupError('INVALID_REQUEST', { field: 'email' }, 'Enter a valid email address.');
  }
  return factor.beginEnrollment(req, await enrollingSubject(hostOf(stepup), req), address);
}

/**
 * Confirm the address with the code sent to it. Receiving the code proved the mailbox in this
 * session: it counts as the second factor (a pending enrolment login becomes satisfied), unless
 * policy does not offer email to this user yet (`requireStrongerFactor` without a stronger one).
 */
export async function confirmEmail(
  stepup: Hosted,
  req: Request,
  code: string,
  factor: EnrollingFactor = emailFactorOf(stepup),
): Promise<{
  /** The session's RFC 8176 methods after it; empty when email did not count as a factor. */
  amr: readonly string[];
}> {
  const host = hostOf(stepup);
  const { attempts, events, notify } = host.context;
  const subject = await enrollingSubject(host, req);
  const userId = subject.userId;
  let address = '';
  let replaced = false;
  const check = await attempts.attempt(req, userId, factor.name, async (): Promise<CodeCheck> => {
    const result = await factor.confirmEnrollment(req, subject, code);
    if (!result.ok) return result.check;
    ({ address, replaced } = result);
    return { ok: true };
  });
  if (!check.ok) throw new StepupError(check.error);
  const notice = { factor: factor.name, replaced };
  // Replacing an address: notify first, so that a notifier reading the factor's address
  // still reaches the old mailbox (the one an attacker would be taking over).
  if (replaced) await notify(req, userId, 'factor_enabled', notice);
  await factor.saveAddress(userId, address);
  if (!replaced) await notify(req, userId, 'factor_enabled', notice);
  events.emitFor(req, 'email_otp.enabled', { userId, replaced });
  if (!(await factor.isEnrolled(userId))) return { amr: [] };
  const outcome = await host.secondFactor(req, {
    kind: 'second',
    factor: factor.name,
    amr: factor.amr,
  });
  return { amr: outcome.status === 'authenticated' ? outcome.amr : [] };
}

/** Remove the enrolled address (a fresh second factor first); bumps the credential epoch. */
export async function removeEmail(
  stepup: Hosted,
  req: Request,
  factor: EnrollingFactor = emailFactorOf(stepup),
): Promise<{
  /** Whether email codes still work for the user (through an address the app declares). */
  enabled: boolean;
}> {
  const host = hostOf(stepup);
  const view = host.mfaOf(req);
  if (view.status === 'pending') throw new StepupError('MFA_REQUIRED', { reason: 'pending' });
  const userId = await assertFreshMfa(host, req);
  if (!(await factor.hasEnrolledAddress(userId))) {
    throw new StepupError(
      'FACTOR_NOT_ENROLLED',
      {},
      'No email address was enrolled here (an address the app declares is managed by the app).',
    );
  }
  await factor.reset(userId);
  const { credentialsChanged, events, notify } = host.context;
  await credentialsChanged(req, userId, 'email_otp_disabled');
  events.emitFor(req, 'email_otp.disabled', { userId });
  await notify(req, userId, 'factor_disabled', { factor: factor.name });
  return { enabled: await factor.isEnrolled(userId) };
}
