/**
 * Enrol, confirm and remove the email factor for the HTML pages: the same steps, in the same
 * order, as the JSON router's `POST /auth/mfa/email/enroll`, `/confirm` and `/disable`
 * (lib/one-time-code/routes.ts).
 *
 * TODO(lead): these mirror lib/one-time-code/routes.ts. Once the library exports them as
 * services, delete this file and import them instead.
 */
import type { Request } from 'express';
import { assertFreshMfa, StepupError, type Stepup, type Subject } from '../lib/index.js';
import { emailOtpOf } from './factors.js';

/** RFC 5321 caps an address at 254 octets; the rest is a plausibility check, the code proves it. */
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

function service(stepup: Stepup) {
  const factor = emailOtpOf(stepup);
  if (!factor) throw new StepupError('FACTOR_NOT_ENROLLED');
  return factor;
}

/** Changing where codes go is changing a factor: a fresh second factor first, when there is one. */
async function signedInSubject(stepup: Stepup, req: Request): Promise<Subject> {
  await assertFreshMfa(stepup, req);
  const subject = stepup.context.subjectOf(req);
  if (!subject) throw new StepupError('MFA_SESSION_EXPIRED');
  return subject;
}

/** Send a code to `email`; it becomes the user's address once that code comes back. */
export async function beginEmail(stepup: Stepup, req: Request, email: string) {
  const address = email.trim();
  if (address.length > 254 || !EMAIL.test(address)) {
    throw new StepupError('INVALID_REQUEST', { field: 'email' }, 'Enter a valid email address.');
  }
  return service(stepup).beginEnrollment(req, await signedInSubject(stepup, req), address);
}

export async function confirmEmail(stepup: Stepup, req: Request, code: string): Promise<void> {
  const factor = service(stepup);
  const { attempts, events, notify } = stepup.context;
  const subject = await signedInSubject(stepup, req);
  const userId = subject.userId;
  await attempts.assertNotLocked(userId);
  const result = await factor.confirmEnrollment(req, subject, code);
  if (!result.ok) {
    const check = result.check;
    if (check.ok) throw new StepupError('INVALID_CODE');
    if (check.countsAsFailure !== false) await attempts.recordFailure(req, userId, factor.name);
    events.emitFor(req, 'mfa.failed', { userId, factor: factor.name, reason: check.error.toLowerCase() });
    throw new StepupError(check.error);
  }
  await attempts.reset(userId);
  const notice = { factor: factor.name, replaced: result.replaced };
  // Replacing an address: notify the old mailbox first (the one an attacker would take over).
  if (result.replaced) await notify(req, userId, 'factor_enabled', notice);
  await factor.saveAddress(userId, result.address);
  if (!result.replaced) await notify(req, userId, 'factor_enabled', notice);
  events.emitFor(req, 'email_otp.enabled', { userId, replaced: result.replaced });
  if (await factor.isEnrolled(userId)) {
    await stepup.elevation.secondFactor(req, { kind: 'second', factor: factor.name, amr: factor.amr });
  }
}

export async function removeEmail(stepup: Stepup, req: Request): Promise<void> {
  const factor = service(stepup);
  const userId = await assertFreshMfa(stepup, req);
  if (!(await factor.hasEnrolledAddress(userId))) throw new StepupError('FACTOR_NOT_ENROLLED');
  await factor.reset(userId);
  await stepup.context.credentialsChanged(req, userId, 'email_otp_disabled');
  stepup.events.emitFor(req, 'email_otp.disabled', { userId });
  await stepup.context.notify(req, userId, 'factor_disabled', { factor: factor.name });
}
