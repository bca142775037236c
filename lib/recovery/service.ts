import type { Request, Response } from 'express';
import type { Stepup } from '../create-stepup.js';
import { StepupError } from '../core/errors.js';
import { assertFreshMfaOrCode } from '../http/guards.js';

/**
 * The recovery-code factor as a service for the router, the TOTP services and apps with
 * server-rendered forms. Kept as a narrow interface so that lib/ does not import the strategy.
 */
export interface RecoveryCodeService {
  generate(req: Request | undefined, userId: string): Promise<string[]>;
  remaining(userId: string): Promise<number>;
  consume(req: Request | undefined, userId: string, code: string): Promise<boolean>;
  reset(userId: string): Promise<void>;
}

/** The registered `recovery-code` factor, or undefined when the app did not enable it. */
export function recoveryCodesOf(stepup: Stepup): RecoveryCodeService | undefined {
  const factor = stepup.factors.get('recovery-code') as Partial<RecoveryCodeService> | undefined;
  return factor && typeof factor.generate === 'function' ? (factor as RecoveryCodeService) : undefined;
}

/**
 * A new set replacing every old code, shown once. It needs a second factor presented in this
 * session within `freshSeconds` (a remembered browser does not count), or a current TOTP
 * `code` in the body that steps the session up inline: a stolen session must not be able to
 * mint itself a fresh way in (NIST SP 800-63B-4 §4.2.2 re-authentication, OWASP ASVS 5.0
 * V6.4.x, DESIGN §5.11).
 */
export async function regenerateRecoveryCodes(
  stepup: Stepup,
  req: Request,
  res: Response,
  codes: RecoveryCodeService = serviceOf(stepup),
): Promise<string[]> {
  const userId = await assertFreshMfaOrCode(stepup, req, res);
  // assertFreshMfa lets a user with no factor through (to enrol a first one). Recovery codes
  // are a backup for another factor: minting them alone would turn on MFA for that account
  // with a factor the user may not even have saved, so ask for a real factor first.
  const enrolled = await stepup.elevation.enrolledFactors(userId);
  if (enrolled.length === 0) {
    throw new StepupError(
      'FACTOR_NOT_ENROLLED',
      { factors: [] },
      'Set up a second factor (e.g. an authenticator app) before creating recovery codes.',
    );
  }
  return codes.generate(req, userId);
}

function serviceOf(stepup: Stepup): RecoveryCodeService {
  const codes = recoveryCodesOf(stepup);
  if (!codes) {
    throw new StepupError('FACTOR_NOT_ENROLLED', {}, 'The recovery-code factor is not configured.');
  }
  return codes;
}
