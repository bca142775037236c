import type { Request, Response } from 'express';
import { runMiddleware } from './edge.js';
import { hostOf, type Hosted } from '../core/context.js';
import { StepupError } from '../core/errors.js';

/**
 * Signed in (authenticated or satisfied), for account endpoints. Returns the user id.
 * A pending session is not signed in (docs/architecture.md "Session states").
 */
export function assertSignedIn(stepup: Hosted, req: Request): string {
  const view = hostOf(stepup).mfaOf(req);
  // A bearer token never manages the account (docs/architecture.md, invariant 22).
  if (view.bearer) throw new StepupError('INTERACTIVE_SESSION_REQUIRED');
  if (
    (view.status !== 'authenticated' && view.status !== 'satisfied') ||
    view.userId === undefined
  ) {
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
export async function assertFreshMfa(stepup: Hosted, req: Request): Promise<string> {
  const host = hostOf(stepup);
  const userId = assertSignedIn(host, req);
  const enrolled = await host.enrolledFactors(userId);
  if (enrolled.length === 0) return userId;
  const view = host.mfaOf(req);
  const { options, now } = host.context;
  const freshMs = options.freshSeconds * 1000;
  const fresh =
    view.status === 'satisfied' &&
    view.factors.length > 0 &&
    view.mfaAt !== undefined &&
    now() - view.mfaAt <= freshMs;
  if (!fresh) {
    throw new StepupError(
      'MFA_REQUIRED',
      { reason: 'stale', factors: enrolled, maxAge: options.freshSeconds },
      'Confirm it is you: present a second factor, then retry within a few minutes.',
    );
  }
  return userId;
}

/**
 * Who may enrol a factor (TOTP, an email address): a pending login that `required` mode sent
 * to enrolment (docs/architecture.md "Session states" "When to ask"), or a signed-in user with a fresh second factor when
 * they already have one (changing factors needs re-authentication: invariant 11 (docs/architecture.md), ASVS 5.0
 * V6.4.x). A pending login that owes a second factor must present it first. Returns the user id.
 */
export async function assertCanEnroll(stepup: Hosted, req: Request): Promise<string> {
  const view = hostOf(stepup).mfaOf(req);
  if (view.status === 'pending' && view.next === 'enroll' && view.userId !== undefined)
    return view.userId;
  if (view.status === 'pending') throw new StepupError('MFA_REQUIRED', { reason: 'pending' });
  return assertFreshMfa(stepup, req);
}

/**
 * `assertFreshMfa`, or step up inline with a TOTP `code` in the body (the JSON contract (docs/http-api.md):
 * `POST /auth/mfa/recovery-codes/regenerate {code}`): the code goes through the `totp`
 * strategy exactly as `POST /auth/mfa/verify` would (lockout, replay, session id rotation).
 */
export async function assertFreshMfaOrCode(
  stepup: Hosted,
  req: Request,
  res: Response,
): Promise<string> {
  const host = hostOf(stepup);
  try {
    return await assertFreshMfa(host, req);
  } catch (err) {
    const code = (req.body as { code?: unknown } | undefined)?.code;
    if (!(err instanceof StepupError) || err.code !== 'mfa_required' || typeof code !== 'string')
      throw err;
    if (!host.context.factors.has('totp')) throw err;
    await runMiddleware(host.authenticate('totp'), req, res);
    return assertFreshMfa(host, req);
  }
}
