import type { Request, Response } from 'express';
import { hostOf, type Hosted } from '../core/context.js';
import { StepupError } from '../core/errors.js';
import { RECOVERY_CODES, type RecoveryCodeService } from '../core/factor-keys.js';
import { assertFreshMfaOrCode } from '../http/guards.js';

export type { RecoveryCodeService } from '../core/factor-keys.js';

/** The registered `recovery-code` factor, or undefined when the app did not enable it. */
export function recoveryCodesOf(stepup: Hosted): RecoveryCodeService | undefined {
  return hostOf(stepup).context.factor(RECOVERY_CODES);
}

/**
 * A new set replacing every old code, shown once. It needs a second factor presented in this
 * session within `freshSeconds` (a remembered browser does not count), or a current TOTP
 * `code` in the body that steps the session up inline: a stolen session must not be able to
 * mint itself a fresh way in (NIST SP 800-63B-4 §4.2.2 re-authentication, OWASP ASVS 5.0
 * V6.4.x; docs/architecture.md, invariant 11).
 */
export async function regenerateRecoveryCodes(
  stepup: Hosted,
  req: Request,
  res: Response,
  codes: RecoveryCodeService = serviceOf(stepup),
): Promise<string[]> {
  const host = hostOf(stepup);
  const userId = await assertFreshMfaOrCode(host, req, res);
  // assertFreshMfa lets a user with no factor through (to enrol a first one). Recovery codes
  // are a backup for another factor: minting them alone would turn on MFA for that account
  // with a factor the user may not even have saved, so ask for a real factor first.
  const enrolled = await host.enrolledFactors(userId);
  if (enrolled.length === 0) {
    throw new StepupError(
      'FACTOR_NOT_ENROLLED',
      { factors: [] },
      'Set up a second factor (e.g. an authenticator app) before creating recovery codes.',
    );
  }
  return codes.generate(req, userId);
}

function serviceOf(stepup: Hosted): RecoveryCodeService {
  const codes = recoveryCodesOf(stepup);
  if (!codes) {
    throw new StepupError('FACTOR_NOT_ENROLLED', {}, 'The recovery-code factor is not configured.');
  }
  return codes;
}
