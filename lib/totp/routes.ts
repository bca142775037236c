import type { Request, Router } from 'express';
import { z } from 'zod';
import type { Stepup } from '../create-stepup.js';
import { csrfToken } from '../csrf.js';
import { StepupError } from '../errors.js';
import { assertFreshMfa, assertSignedIn } from '../router/guards.js';
import { route } from '../router/handler.js';
import { parseBody } from '../router/schemas.js';
import type { TotpStrategy } from '../../strategies/totp.js';

const codeBody = z.object({ code: z.string().min(1).max(128) });

/** What the TOTP routes need from the recovery-code factor, when it is registered. */
interface RecoveryCodes {
  generate(req: Request, userId: string): Promise<string[]>;
  remaining(userId: string): Promise<number>;
  consume(req: Request, userId: string, code: string): Promise<boolean>;
  reset(userId: string): Promise<void>;
}

function recoveryOf(stepup: Stepup): RecoveryCodes | undefined {
  const factor = stepup.factors.get('recovery-code') as Partial<RecoveryCodes> | undefined;
  return factor && typeof factor.generate === 'function' ? (factor as RecoveryCodes) : undefined;
}

/**
 * Who may enrol: a signed-in user (with a fresh second factor when they already have one), or
 * a pending login that `required` mode sent to enrolment (DESIGN §1 "When to ask").
 */
async function enrollingUser(stepup: Stepup, req: Request): Promise<string> {
  const view = stepup.mfaOf(req);
  if (view.status === 'pending' && view.next === 'enroll' && view.userId !== undefined) return view.userId;
  if (view.status === 'pending') throw new StepupError('MFA_REQUIRED', { reason: 'pending' });
  return assertFreshMfa(stepup, req);
}

/** `POST /mfa/totp/enroll`, `/confirm`, `/disable` (DESIGN §4). */
export function mountTotpRoutes(router: Router, stepup: Stepup, totp: TotpStrategy): void {
  const { attempts, events } = stepup.context;

  router.post(
    '/mfa/totp/enroll',
    route(async (req, res) => {
      const userId = await enrollingUser(stepup, req);
      // Nothing is active until confirmed: the current authenticator (if any) keeps working.
      res.json(await totp.beginEnrollment(userId));
    }),
  );

  router.post(
    '/mfa/totp/confirm',
    route(async (req, res) => {
      const { code } = parseBody(codeBody, req.body);
      const userId = await enrollingUser(stepup, req);
      await attempts.assertNotLocked(userId);
      const wasEnabled = await totp.isEnrolled(userId);
      if (!(await totp.confirmEnrollment(req, userId, code))) {
        await attempts.recordFailure(req, userId, 'totp');
        throw new StepupError('INVALID_CODE');
      }
      await attempts.reset(userId);
      events.emitFor(req, 'totp.enabled', { userId, replaced: wasEnabled });
      await stepup.context.notify(req, userId, 'factor_enabled', { factor: 'totp', replaced: wasEnabled });
      const recovery = recoveryOf(stepup);
      const recoveryCodes = recovery && (await recovery.remaining(userId)) === 0 ? await recovery.generate(req, userId) : [];
      // Confirming proved possession of the authenticator in this session: count it as a
      // second factor (a pending enrolment login becomes satisfied; the session id rotates).
      const outcome = await stepup.elevation.secondFactor(req, { kind: 'second', factor: 'totp', amr: 'otp' });
      res.json({ enabled: true, recoveryCodes, amr: outcome.status === 'authenticated' ? outcome.amr : [], csrfToken: csrfToken(req) });
    }),
  );

  router.post(
    '/mfa/totp/disable',
    route(async (req, res) => {
      const { code } = parseBody(codeBody, req.body);
      assertSignedIn(stepup, req);
      const userId = await assertFreshMfa(stepup, req);
      if (!(await totp.isEnrolled(userId))) throw new StepupError('FACTOR_NOT_ENROLLED');
      await attempts.assertNotLocked(userId);
      const recovery = recoveryOf(stepup);
      const ok = (await totp.verifyCurrent(req, userId, code)) || (recovery ? await recovery.consume(req, userId, code) : false);
      if (!ok) {
        await attempts.recordFailure(req, userId, 'totp');
        throw new StepupError('INVALID_CODE');
      }
      await attempts.reset(userId);
      await totp.reset(userId);
      // Recovery codes back up the authenticator; alone they would be a weak sole factor.
      const others = (await stepup.elevation.enrolledFactors(userId)).filter((f) => f !== 'recovery-code');
      if (recovery && others.length === 0) await recovery.reset(userId);
      await stepup.context.credentialsChanged(req, userId, 'totp_disabled');
      events.emitFor(req, 'totp.disabled', { userId });
      await stepup.context.notify(req, userId, 'factor_disabled', { factor: 'totp' });
      res.json({ enabled: false });
    }),
  );
}
