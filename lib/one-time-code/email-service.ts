import type { Request } from 'express';
import type { Stepup } from '../create-stepup.js';
import { StepupError } from '../core/errors.js';
import type { CodeCheck, Subject } from '../core/factor-strategy.js';
import { assertCanEnroll, assertFreshMfa } from '../http/guards.js';
import type { Issued } from './engine.js';

/**
 * Email-factor enrolment and removal as services, shared by the JSON router
 * (lib/one-time-code/routes.ts) and apps with server-rendered forms (the example app).
 */

/** What the enrolment routes need from the email factor. */
export interface EnrollingFactor {
  readonly name: string;
  readonly amr: string;
  isEnrolled(userId: string): Promise<boolean>;
  hasEnrolledAddress(userId: string): Promise<boolean>;
  beginEnrollment(
    req: Request,
    subject: Subject,
    email: string,
  ): Promise<Issued & { destination: string }>;
  confirmEnrollment(
    req: Request,
    subject: Subject,
    code: string,
  ): Promise<{ ok: true; address: string; replaced: boolean } | { ok: false; check: CodeCheck }>;
  saveAddress(userId: string, email: string): Promise<void>;
  reset(userId: string): Promise<void>;
}

/** RFC 5321 caps a path at 256 octets, so an address at 254; the code proves the rest. */
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

function emailFactorOf(stepup: Stepup): EnrollingFactor {
  const factor = stepup.factors.get('email-otp') as EnrollingFactor | undefined;
  if (!factor) throw new StepupError('FACTOR_NOT_ENROLLED', {}, 'The email-otp factor is not configured.');
  return factor;
}

/** The subject of an enrolment (changing where codes go is changing a factor). */
async function enrollingSubject(stepup: Stepup, req: Request): Promise<Subject> {
  await assertCanEnroll(stepup, req);
  const subject = stepup.context.subjectOf(req);
  if (!subject) throw new StepupError('MFA_SESSION_EXPIRED');
  return subject;
}

/** Send a code to `email`; it becomes the user's address once that code comes back. */
export async function beginEmail(
  stepup: Stepup,
  req: Request,
  email: string,
  factor: EnrollingFactor = emailFactorOf(stepup),
): Promise<Issued & { destination: string }> {
  const address = email.trim();
  if (address.length > 254 || !EMAIL.test(address)) {
    throw new StepupError('INVALID_REQUEST', { field: 'email' }, 'Enter a valid email address.');
  }
  return factor.beginEnrollment(req, await enrollingSubject(stepup, req), address);
}

/**
 * Confirm the address with the code sent to it. Receiving the code proved the mailbox in this
 * session: it counts as the second factor (a pending enrolment login becomes satisfied), unless
 * policy does not offer email to this user yet (`requireStrongerFactor` without a stronger one).
 */
export async function confirmEmail(
  stepup: Stepup,
  req: Request,
  code: string,
  factor: EnrollingFactor = emailFactorOf(stepup),
): Promise<{ amr: readonly string[] }> {
  const { attempts, events, notify } = stepup.context;
  const subject = await enrollingSubject(stepup, req);
  const userId = subject.userId;
  await attempts.assertNotLocked(userId);
  const result = await factor.confirmEnrollment(req, subject, code);
  if (!result.ok) {
    const check = result.check as Extract<CodeCheck, { ok: false }>;
    if (check.countsAsFailure !== false) await attempts.recordFailure(req, userId, factor.name);
    events.emitFor(req, 'mfa.failed', { userId, factor: factor.name, reason: check.error.toLowerCase() });
    throw new StepupError(check.error);
  }
  await attempts.reset(userId);
  const notice = { factor: factor.name, replaced: result.replaced };
  // Replacing an address: notify first, so that a notifier reading the factor's address
  // still reaches the old mailbox (the one an attacker would be taking over).
  if (result.replaced) await notify(req, userId, 'factor_enabled', notice);
  await factor.saveAddress(userId, result.address);
  if (!result.replaced) await notify(req, userId, 'factor_enabled', notice);
  events.emitFor(req, 'email_otp.enabled', { userId, replaced: result.replaced });
  if (!(await factor.isEnrolled(userId))) return { amr: [] };
  const outcome = await stepup.elevation.secondFactor(req, { kind: 'second', factor: factor.name, amr: factor.amr });
  return { amr: outcome.status === 'authenticated' ? outcome.amr : [] };
}

/** Remove the enrolled address (a fresh second factor first); bumps the credential epoch. */
export async function removeEmail(
  stepup: Stepup,
  req: Request,
  factor: EnrollingFactor = emailFactorOf(stepup),
): Promise<{ enabled: boolean }> {
  const view = stepup.mfaOf(req);
  if (view.status === 'pending') throw new StepupError('MFA_REQUIRED', { reason: 'pending' });
  const userId = await assertFreshMfa(stepup, req);
  if (!(await factor.hasEnrolledAddress(userId))) {
    throw new StepupError(
      'FACTOR_NOT_ENROLLED',
      {},
      'No email address was enrolled here (an address the app declares is managed by the app).',
    );
  }
  await factor.reset(userId);
  await stepup.context.credentialsChanged(req, userId, 'email_otp_disabled');
  stepup.context.events.emitFor(req, 'email_otp.disabled', { userId });
  await stepup.context.notify(req, userId, 'factor_disabled', { factor: factor.name });
  return { enabled: await factor.isEnrolled(userId) };
}
