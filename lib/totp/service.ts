import type { Request } from 'express';
import type { Stepup } from '../create-stepup.js';
import { StepupError } from '../core/errors.js';
import { assertCanEnroll, assertFreshMfa } from '../http/guards.js';
import { recoveryCodesOf } from '../recovery/service.js';
import type { TotpStrategy } from '../../strategies/totp.js';

/**
 * TOTP enrolment and removal as services, shared by the JSON router (lib/totp/routes.ts) and
 * apps with server-rendered forms (the example app), so both run the same checks in the same
 * order.
 */

function totpOf(stepup: Stepup): TotpStrategy {
  const factor = stepup.factors.get('totp') as TotpStrategy | undefined;
  if (!factor) throw new StepupError('FACTOR_NOT_ENROLLED', {}, 'The totp factor is not configured.');
  return factor;
}

/** A new secret, QR code and otpauth URI; nothing is active until `confirmTotp`. */
export async function beginTotp(stepup: Stepup, req: Request) {
  const totp = totpOf(stepup);
  return totp.beginEnrollment(await assertCanEnroll(stepup, req));
}

/**
 * Turn the pending secret on with a code from the app. Returns the first recovery codes when
 * the user had none (shown once). Confirming proved possession in this session, so it counts
 * as a second factor: a pending enrolment login becomes satisfied and the session id rotates.
 */
export async function confirmTotp(stepup: Stepup, req: Request, code: string) {
  const { attempts, events } = stepup.context;
  const totp = totpOf(stepup);
  const userId = await assertCanEnroll(stepup, req);
  await attempts.assertNotLocked(userId);
  const replaced = await totp.isEnrolled(userId);
  if (!(await totp.confirmEnrollment(req, userId, code))) {
    await attempts.recordFailure(req, userId, 'totp');
    throw new StepupError('INVALID_CODE');
  }
  await attempts.reset(userId);
  events.emitFor(req, 'totp.enabled', { userId, replaced });
  await stepup.context.notify(req, userId, 'factor_enabled', { factor: 'totp', replaced });
  const recovery = recoveryCodesOf(stepup);
  const recoveryCodes =
    recovery && (await recovery.remaining(userId)) === 0 ? await recovery.generate(req, userId) : [];
  const outcome = await stepup.elevation.secondFactor(req, { kind: 'second', factor: 'totp', amr: 'otp' });
  return { recoveryCodes, amr: outcome.status === 'authenticated' ? outcome.amr : [] };
}

/**
 * Remove the authenticator: a fresh second factor AND a current TOTP or recovery code
 * (DESIGN §5.11). Bumps the credential epoch, so every remembered browser dies with it.
 */
export async function disableTotp(stepup: Stepup, req: Request, code: string): Promise<void> {
  const { attempts, events } = stepup.context;
  const totp = totpOf(stepup);
  const userId = await assertFreshMfa(stepup, req);
  if (!(await totp.isEnrolled(userId))) throw new StepupError('FACTOR_NOT_ENROLLED');
  await attempts.assertNotLocked(userId);
  const recovery = recoveryCodesOf(stepup);
  const ok =
    (await totp.verifyCurrent(req, userId, code)) ||
    (recovery ? await recovery.consume(req, userId, code) : false);
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
}
