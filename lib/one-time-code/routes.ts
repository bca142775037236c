/**
 * Endpoints of the email and SMS factors (docs/http-api.md, the JSON contract):
 *   POST /mfa/email/send, /mfa/sms/send   202 {status:"sent", expiresIn, resendIn, destination}
 *   POST /mfa/email/enroll {email}         202, a code goes to that address
 *   POST /mfa/email/confirm {code}         200 {enabled:true}; the address is now verified
 *   POST /mfa/email/disable                200 {enabled}
 * Signing in with a code goes through `POST /mfa/verify {factor:"email-otp", code}` like any
 * factor. Every POST needs the CSRF token (the router checks it).
 */
import type { Request, Router } from 'express';
import { z } from 'zod';
import type { FactorHost } from '../core/context.js';
import { csrfToken } from '../http/csrf.js';
import { StepupError } from '../core/errors.js';
import type { Subject } from '../core/login-flow.js';
import { codeBody, parseBody, route } from '../http/edge.js';
import type { Issued } from './engine.js';
import { beginEmail, confirmEmail, removeEmail, type EnrollingFactor } from './email-service.js';

/** RFC 5321 caps a path at 256 octets, so an address at 254. */
const emailBody = z.object({ email: z.string().trim().max(254).pipe(z.email()) });

/** What the send route needs from a factor (kept narrow: no import of the strategy classes). */
interface SendingFactor {
  readonly name: string;
  send(req: Request, subject: Subject): Promise<Issued & { destination: string }>;
}

/** `POST <path>`: a code for the pending login, or for a signed-in user stepping up. */
export function mountSendRoute(
  router: Router,
  host: FactorHost,
  factor: SendingFactor,
  path: string,
): void {
  router.post(
    path,
    route(async (req, res) => {
      const subject = host.context.subjectOf(req);
      if (!subject) throw new StepupError('MFA_SESSION_EXPIRED');
      // A locked account gets no code: it could not be used, and each message costs money.
      await host.context.attempts.assertNotLocked(subject.userId);
      const sent = await factor.send(req, subject);
      res.status(202).json({ status: 'sent', ...sent });
    }),
  );
}

export function mountEmailEnrollmentRoutes(
  router: Router,
  host: FactorHost,
  factor: EnrollingFactor,
): void {
  router.post(
    '/mfa/email/enroll',
    route(async (req, res) => {
      const { email } = parseBody(emailBody, req.body);
      res.status(202).json({ status: 'sent', ...(await beginEmail(host, req, email, factor)) });
    }),
  );

  router.post(
    '/mfa/email/confirm',
    route(async (req, res) => {
      const { code } = parseBody(codeBody, req.body);
      const { amr } = await confirmEmail(host, req, code, factor);
      res.json({ enabled: true, amr, csrfToken: csrfToken(req) });
    }),
  );

  router.post(
    '/mfa/email/disable',
    route(async (req, res) => {
      res.json(await removeEmail(host, req, factor));
    }),
  );
}
