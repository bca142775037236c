import type { Request } from 'express';
import type { Stepup } from '../create-stepup.js';
import { StepupError } from '../errors.js';

/**
 * Signed in (authenticated or satisfied), for account endpoints. Returns the user id.
 * A pending session is not signed in (DESIGN §1).
 */
export function assertSignedIn(stepup: Stepup, req: Request): string {
  const view = stepup.mfaOf(req);
  if ((view.status !== 'authenticated' && view.status !== 'satisfied') || view.userId === undefined) {
    throw new StepupError('AUTHENTICATION_REQUIRED', { reason: 'not_authenticated' });
  }
  return view.userId;
}

/**
 * Changing factors (disable, re-enrol, regenerate recovery codes, change the email) needs a
 * second factor presented in this session within `freshSeconds` (default 5 minutes), when the
 * user has one. A remembered browser does not count. Otherwise a stolen, long-lived session
 * could swap the victim's authenticator for the attacker's (NIST SP 800-63B-4 §4.2.2 / §5.2.2
 * re-authentication; OWASP ASVS 5.0 V6.4.x: authentication factor changes need re-authentication).
 *
 * Returns the user id. A user with no factor yet may enrol the first one with the password alone.
 */
export async function assertFreshMfa(stepup: Stepup, req: Request): Promise<string> {
  const userId = assertSignedIn(stepup, req);
  const enrolled = await stepup.elevation.enrolledFactors(userId);
  if (enrolled.length === 0) return userId;
  const view = stepup.mfaOf(req);
  const freshMs = stepup.context.options.freshSeconds * 1000;
  const fresh =
    view.status === 'satisfied' &&
    view.factors.length > 0 &&
    view.mfaAt !== undefined &&
    stepup.context.now() - view.mfaAt <= freshMs;
  if (!fresh) {
    throw new StepupError(
      'MFA_REQUIRED',
      { reason: 'stale', factors: enrolled, maxAge: stepup.context.options.freshSeconds },
      'Confirm it is you: present a second factor, then retry within a few minutes.',
    );
  }
  return userId;
}
