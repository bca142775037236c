/**
 * The recovery-code endpoints of the JSON router (DESIGN §4), mounted by the strategy's
 * `mountRoutes`. Using a code to sign in goes through `POST /auth/mfa/verify
 * {factor:"recovery-code", code}` like every factor; these two manage the set.
 */
import type { Request, Response, Router } from 'express';
import type { Stepup } from '../create-stepup.js';
import { StepupError } from '../errors.js';
import { assertFreshMfaOrCode, assertSignedIn } from '../router/guards.js';
import { csrfToken } from '../csrf.js';
import { route } from '../router/handler.js';

/** What the routes need from the strategy (kept narrow so this file does not import it). */
export interface RecoveryCodeService {
  remaining(userId: string): Promise<number>;
  generate(req: Request | undefined, userId: string): Promise<string[]>;
}

export function mountRecoveryRoutes(
  router: Router,
  stepup: Stepup,
  codes: RecoveryCodeService,
): void {
  // How many are left, so the UI can nudge the user before they run out. A count, never codes.
  router.get(
    '/mfa/recovery-codes',
    route(async (req, res) => {
      const userId = assertSignedIn(stepup, req);
      res.json({ remaining: await codes.remaining(userId) });
    }),
  );

  // A new set replaces every old one and is shown once. It needs a second factor presented in
  // this session within `freshSeconds` (a remembered browser does not count), or a current TOTP
  // `code` in the body that steps the session up inline, and a CSRF token:
  // a stolen session must not be able to mint itself a fresh way in (NIST SP 800-63B-4 §4.2.2
  // re-authentication, OWASP ASVS 5.0 V6.4.x, DESIGN §5.11).
  router.post(
    '/mfa/recovery-codes/regenerate',
    route(async (req, res) => {
      const recoveryCodes = await regenerateRecoveryCodes(stepup, req, res, codes);
      res.json({ recoveryCodes, remaining: recoveryCodes.length, csrfToken: csrfToken(req) });
    }),
  );
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
  const factor = stepup.factors.get('recovery-code') as Partial<RecoveryCodeService> | undefined;
  if (!factor || typeof factor.generate !== 'function') {
    throw new StepupError('FACTOR_NOT_ENROLLED', {}, 'The recovery-code factor is not configured.');
  }
  return factor as RecoveryCodeService;
}
