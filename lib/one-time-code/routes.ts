/**
 * Endpoints of the email and SMS factors (DESIGN §4):
 *   POST /mfa/email/send, /mfa/sms/send   202 {status:"sent", expiresIn, resendIn, destination}
 *   POST /mfa/email/enroll {email}         202, a code goes to that address
 *   POST /mfa/email/confirm {code}         200 {enabled:true}; the address is now verified
 *   POST /mfa/email/disable                200 {enabled}
 * Signing in with a code goes through `POST /mfa/verify {factor:"email-otp", code}` like any
 * factor. Every POST needs the CSRF token (the router checks it).
 */
import type { Request, Router } from 'express';
import { z } from 'zod';
import type { Stepup } from '../create-stepup.js';
import { csrfToken } from '../csrf.js';
import { StepupError } from '../errors.js';
import type { CodeCheck, Subject } from '../factor-strategy.js';
import { assertFreshMfa } from '../router/guards.js';
import { route } from '../router/handler.js';
import { parseBody } from '../router/schemas.js';
import type { Issued } from './engine.js';

/** RFC 5321 caps a path at 256 octets, so an address at 254. */
const emailBody = z.object({ email: z.string().trim().max(254).pipe(z.email()) });
const codeBody = z.object({ code: z.string().min(1).max(128) });

/** What the send route needs from a factor (kept narrow: no import of the strategy classes). */
interface SendingFactor {
  readonly name: string;
  send(req: Request, subject: Subject): Promise<Issued & { destination: string }>;
}

/** What the enrolment routes need from the email factor. */
interface EnrollingFactor {
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

/** `POST <path>`: a code for the pending login, or for a signed-in user stepping up. */
export function mountSendRoute(
  router: Router,
  stepup: Stepup,
  factor: SendingFactor,
  path: string,
): void {
  router.post(
    path,
    route(async (req, res) => {
      const subject = stepup.context.subjectOf(req);
      if (!subject) throw new StepupError('MFA_SESSION_EXPIRED');
      // A locked account gets no code: it could not be used, and each message costs money.
      await stepup.context.attempts.assertNotLocked(subject.userId);
      const sent = await factor.send(req, subject);
      res.status(202).json({ status: 'sent', ...sent });
    }),
  );
}

/**
 * Who may enrol an address: a pending login that `required` mode sent to enrolment, or a
 * signed-in user with a fresh second factor when they have one (changing where codes go is
 * changing a factor: DESIGN §5.11, ASVS 5.0 V6.4: re-authenticate first).
 */
async function enrollingSubject(stepup: Stepup, req: Request): Promise<Subject> {
  const view = stepup.mfaOf(req);
  if (view.status === 'pending' && view.next !== 'enroll') {
    throw new StepupError('MFA_REQUIRED', { reason: 'pending' });
  }
  if (view.status !== 'pending') await assertFreshMfa(stepup, req);
  const subject = stepup.context.subjectOf(req);
  if (!subject) throw new StepupError('MFA_SESSION_EXPIRED');
  return subject;
}

export function mountEmailEnrollmentRoutes(
  router: Router,
  stepup: Stepup,
  factor: EnrollingFactor,
): void {
  const { attempts, events, notify } = stepup.context;

  router.post(
    '/mfa/email/enroll',
    route(async (req, res) => {
      const { email } = parseBody(emailBody, req.body);
      const subject = await enrollingSubject(stepup, req);
      const sent = await factor.beginEnrollment(req, subject, email);
      res.status(202).json({ status: 'sent', ...sent });
    }),
  );

  router.post(
    '/mfa/email/confirm',
    route(async (req, res) => {
      const { code } = parseBody(codeBody, req.body);
      const subject = await enrollingSubject(stepup, req);
      const userId = subject.userId;
      await attempts.assertNotLocked(userId);
      const result = await factor.confirmEnrollment(req, subject, code);
      if (!result.ok) {
        const check = result.check as Extract<CodeCheck, { ok: false }>;
        if (check.countsAsFailure !== false) await attempts.recordFailure(req, userId, factor.name);
        const reason = check.error.toLowerCase();
        events.emitFor(req, 'mfa.failed', { userId, factor: factor.name, reason });
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
      // Receiving the code proved the mailbox in this session: it counts as the second factor
      // (a pending enrolment login becomes satisfied), unless policy does not offer email to
      // this user yet (`requireStrongerFactor` without a stronger factor).
      let amr: readonly string[] = [];
      if (await factor.isEnrolled(userId)) {
        const proof = { kind: 'second' as const, factor: factor.name, amr: factor.amr };
        const outcome = await stepup.elevation.secondFactor(req, proof);
        if (outcome.status === 'authenticated') amr = outcome.amr;
      }
      res.json({ enabled: true, amr, csrfToken: csrfToken(req) });
    }),
  );

  router.post(
    '/mfa/email/disable',
    route(async (req, res) => {
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
      events.emitFor(req, 'email_otp.disabled', { userId });
      await notify(req, userId, 'factor_disabled', { factor: factor.name });
      res.json({ enabled: await factor.isEnrolled(userId) });
    }),
  );
}
