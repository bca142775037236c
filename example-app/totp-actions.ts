/**
 * Confirm and disable TOTP for the HTML pages: the same steps, in the same order, as the JSON
 * router's `POST /auth/mfa/totp/confirm` and `/disable` (lib/totp/routes.ts).
 *
 * TODO(lead): these mirror lib/totp/routes.ts. Once the library exports them as services
 * (same signatures), delete this file and import them from the library instead.
 */
import type { Request } from 'express';
import { assertFreshMfa, StepupError, type Stepup } from '../lib/index.js';
import { recoveryOf, totpOf } from './factors.js';

function totpService(stepup: Stepup) {
  const totp = totpOf(stepup);
  if (!totp) throw new StepupError('FACTOR_NOT_ENROLLED');
  return totp;
}

/** A new secret for the signed-in user (fresh second factor needed when they have one). */
export async function beginTotp(stepup: Stepup, req: Request) {
  const userId = await assertFreshMfa(stepup, req);
  return totpService(stepup).beginEnrollment(userId);
}

/**
 * Turn the pending secret on with a code from the app. Returns new recovery codes when the user
 * had none (shown once). Counts as a second factor presented in this session.
 */
export async function confirmTotp(stepup: Stepup, req: Request, code: string): Promise<{ recoveryCodes: string[] }> {
  const { attempts, events } = stepup.context;
  const totp = totpService(stepup);
  const userId = await assertFreshMfa(stepup, req);
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
  await stepup.elevation.secondFactor(req, { kind: 'second', factor: 'totp', amr: 'otp' });
  return { recoveryCodes };
}

/** Remove the authenticator; needs a current code (or a recovery code) and a fresh factor. */
export async function disableTotp(stepup: Stepup, req: Request, code: string): Promise<void> {
  const { attempts, events } = stepup.context;
  const totp = totpService(stepup);
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
  // Recovery codes back up another factor; alone they would be a weak sole factor.
  const others = (await stepup.elevation.enrolledFactors(userId)).filter((f) => f !== 'recovery-code');
  if (recovery && others.length === 0) await recovery.reset(userId);
  await stepup.context.credentialsChanged(req, userId, 'totp_disabled');
  events.emitFor(req, 'totp.disabled', { userId });
  await stepup.context.notify(req, userId, 'factor_disabled', { factor: 'totp' });
}

/** A new set of recovery codes replacing the old (fresh factor needed), shown once. */
export async function regenerateRecoveryCodes(stepup: Stepup, req: Request): Promise<string[]> {
  const recovery = recoveryOf(stepup);
  if (!recovery) throw new StepupError('FACTOR_NOT_ENROLLED');
  const userId = await assertFreshMfa(stepup, req);
  const enrolled = await stepup.elevation.enrolledFactors(userId);
  if (enrolled.length === 0) {
    throw new StepupError('FACTOR_NOT_ENROLLED', {}, 'Set up an authenticator app before creating recovery codes.');
  }
  return recovery.generate(req, userId);
}
