import type { Request } from 'express';
import { hostOf, type FactorHost, type Hosted } from '../core/context.js';
import { StepupError } from '../core/errors.js';
import { enableFactor, removeFactor } from '../core/factor-lifecycle.js';
import type { Amr } from '../core/types.js';
import { assertCanEnroll, assertFreshMfa } from '../http/guards.js';
import { parseLabel } from '../http/edge.js';
import { TOTP, type TotpEnrollment, type TotpFactor } from './contract.js';

/**
 * TOTP enrolment and removal as services, shared by the JSON router (lib/totp/routes.ts) and
 * apps with server-rendered forms (the example app), so both run the same checks in the same
 * order. Every code check goes through the one attempt path (`attempts.attemptOrThrow`).
 */

function totpOf(host: FactorHost): TotpFactor {
  const factor = host.context.factor(TOTP);
  if (!factor)
    throw new StepupError('FACTOR_NOT_ENROLLED', {}, 'The totp factor is not configured.');
  return factor;
}

/** A new secret, QR code and otpauth URI; nothing is active until `confirmTotp`. */
export async function beginTotp(
  stepup: Hosted,
  req: Request,
  options: { readonly add?: boolean } = {},
): Promise<TotpEnrollment> {
  const host = hostOf(stepup);
  const totp = totpOf(host);
  return totp.beginEnrollment(await assertCanEnroll(host, req), options);
}

/**
 * The enrolment `beginTotp` started and no code has confirmed yet: the same secret and QR code,
 * for a page that keeps them on screen after a wrong code (undefined when none is pending or it
 * expired). The same checks as `beginTotp`: showing the secret again is showing it to the same
 * user, in a session that may enrol.
 */
export async function resumeTotp(
  stepup: Hosted,
  req: Request,
): Promise<TotpEnrollment | undefined> {
  const host = hostOf(stepup);
  return totpOf(host).pendingEnrollment(await assertCanEnroll(host, req));
}

/**
 * Turn the pending secret on with a code from the app. Returns the first recovery codes when
 * the user had none (shown once). Confirming proved possession in this session, so it counts
 * as a second factor: a pending enrolment login becomes satisfied and the session id rotates.
 */
export async function confirmTotp(
  stepup: Hosted,
  req: Request,
  code: string,
  label?: string,
): Promise<{
  /** The first recovery codes in plaintext when the user had none (show them once), else empty. */
  readonly recoveryCodes: string[];
  /** The session's RFC 8176 methods after the confirmation counted as a second factor. */
  readonly amr: readonly Amr[];
}> {
  // Validated before the pending enrolment is taken: a label the store cannot keep must not
  // cost the user their enrolment and an attempt (docs/architecture.md, invariant 8).
  const cleanLabel = parseLabel(label);
  const host = hostOf(stepup);
  const { attempts, events } = host.context;
  const totp = totpOf(host);
  const userId = await assertCanEnroll(host, req);
  const replaced = await totp.isEnrolled(userId);
  await attempts.attemptOrThrow(req, userId, 'totp', () =>
    totp.confirmEnrollment(req, userId, code, cleanLabel),
  );
  events.emitFor(req, 'totp.enabled', { userId, replaced });
  return enableFactor(
    host,
    req,
    userId,
    { kind: 'second', factor: 'totp', amr: 'otp' },
    { replaced },
  );
}

/**
 * Remove the authenticator: a fresh second factor AND a current TOTP or recovery code
 * (docs/architecture.md, invariant 11). Bumps the credential epoch, so every remembered browser
 * dies with it.
 */
export async function disableTotp(stepup: Hosted, req: Request, code: string): Promise<void> {
  const host = hostOf(stepup);
  const totp = totpOf(host);
  const userId = await assertFreshMfa(host, req);
  if (!(await totp.isEnrolled(userId))) throw new StepupError('FACTOR_NOT_ENROLLED');
  await removeFactor(host, req, userId, {
    factor: 'totp',
    proof: { code },
    remove: () => totp.reset(userId),
    reason: 'totp_disabled',
    afterRemove: () => host.context.events.emitFor(req, 'totp.disabled', { userId }),
  });
}
