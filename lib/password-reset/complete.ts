/**
 * Step 2 of "forgot password": `resetPassword(stepup, req, { token, newPassword, factor?, code?
 * | response? })` (docs/architecture.md, invariant 21: no way into an account skips its second
 * factor).
 *
 * The emailed link proves only the mailbox. NIST SP 800-63B-4 §4.2 (account recovery) and OWASP
 * ASVS 5.0 V6.4.3 ask that a reset keep the account's strength: when the account has a second
 * factor, one bound to the account and not to that mailbox (TOTP, a recovery code, a passkey)
 * must pass too; email codes would be the same mailbox twice, so such an account is recovered by
 * an administrator. Order: token read (not used up), policy, factor (through the account's
 * lockout, `attemptOrThrow`), then the token taken atomically: of two parallel requests with one
 * token, exactly one resets. Afterwards every session, remembered browser, pending login and
 * link of the user is void, and the user is told; nobody is signed in (ASVS 5.0 V6.3.7, V7.4.3).
 */
import type { Request } from 'express';
import { z } from 'zod';
import { StepupError } from '../core/errors.js';
import type { FactorKey, Hosted } from '../core/context.js';
import { PASSKEY_ASSERTION, SMS_CODE } from '../core/factor-keys.js';
import { proveSecondFactor } from '../core/factor-proof.js';
import { regenerateSession } from '../core/session-state.js';
import { parseBody, text } from '../http/edge.js';
import type { LiveToken } from './tokens.js';
import { passwordResetOf, type PasswordReset } from './service.js';

/** `POST /auth/password/reset`. */
export const resetBody = z.object({
  token: text(128),
  newPassword: z.unknown(),
  factor: text(64).optional(),
  code: text(128).optional(),
  response: z.record(z.string(), z.unknown()).optional(),
});

/** What `resetPassword` answers on success. */
export interface PasswordResetDone {
  /** Always `password_reset`; nobody is signed in. */
  readonly status: 'password_reset';
  /** Sessions of the user that were ended. */
  readonly sessionsEnded: number;
}

/** Factors that prove the account and not the mailbox the link went to. */
export const RESET_FACTORS = ['totp', 'recovery-code', 'passkey', 'sms-otp'] as const;

/** The binding of an SMS code sent for a reset: the token's digest, never a login. */
function smsBinding(live: LiveToken): string {
  return `password-reset:${live.digest}`;
}

/**
 * Check the token, then (when the account has a second factor) the factor, then the new
 * password, and reset it. Signs nobody in.
 * @throws StepupError 400 `invalid_token`, 401 `mfa_required` (token kept), 403
 * `recovery_needs_admin`, 403 `factor_not_allowed`, 401 `invalid_code`, 429
 * `too_many_attempts`, 423 `mfa_suspended`, 400 `invalid_request` (policy `reasons`), 503.
 */
export async function resetPassword(
  stepup: Hosted,
  req: Request,
  input: PasswordResetInput,
): Promise<PasswordResetDone> {
  return resetWith(passwordResetOf(stepup), req, input);
}

/** What `resetPassword` takes (a form's or a JSON body's fields, checked inside). */
export interface PasswordResetInput {
  /** The token of the link. */
  readonly token: unknown;
  /** The new password; the same policy as a password change. */
  readonly newPassword: unknown;
  /** `totp`, `recovery-code` or `passkey`; inferred when left out. */
  readonly factor?: unknown;
  /** A TOTP or recovery code. */
  readonly code?: unknown;
  /** A passkey assertion (after `passwordResetPasskeyOptions`). */
  readonly response?: unknown;
}

/** `resetPassword` on the feature itself (the router's route). @internal */
export async function resetWith(
  reset: PasswordReset,
  req: Request,
  input: PasswordResetInput,
): Promise<PasswordResetDone> {
  const body = parseBody(resetBody, input);
  const live = await reset.tokens.peek(body.token);
  if (!live) throw new StepupError('INVALID_TOKEN');
  const factor = await factorFor(reset, live.userId, body);
  // The same policy as a change; the username the link was asked for is refused inside it.
  reset.passwords.check(
    body.newPassword,
    live.username !== undefined ? { username: live.username } : {},
  );
  if (factor !== undefined) await proveFactor(reset, req, live, factor, body);
  // The slow hash before the take, so that the token is used up just before the writes.
  const hash = await reset.passwords.hash(body.newPassword as string);
  // Taken only now: the factor and the policy passed. One caller wins the take.
  if (!(await reset.tokens.take(live))) throw new StepupError('INVALID_TOKEN');
  return finish(reset, req, live, hash);
}

/**
 * The factor to check: none for an account without a second factor; else the one named (or
 * the first usable for a code), among the account's usable ones. The token is kept on refusal.
 */
async function factorFor(
  reset: PasswordReset,
  userId: string,
  body: z.infer<typeof resetBody>,
): Promise<string | undefined> {
  const enrolled = await reset.host.enrolledFactors(userId);
  if (enrolled.length === 0) return undefined;
  const usable = enrolled.filter((f) => (RESET_FACTORS as readonly string[]).includes(f));
  if (usable.length === 0) throw new StepupError('RECOVERY_NEEDS_ADMIN');
  if (body.code === undefined && body.response === undefined) {
    throw new StepupError(
      'MFA_REQUIRED',
      { reason: 'password_reset', factors: usable },
      'The account has a second factor: send one of `factors` with the token.',
    );
  }
  const named = body.factor ?? (body.response !== undefined ? 'passkey' : usable[0]);
  if (named === undefined || !usable.includes(named)) {
    throw new StepupError('FACTOR_NOT_ALLOWED', undefined, 'Use one of the factors listed.');
  }
  return named;
}

/** One attempt on the account's lockout, the same counter as sign-in (invariant 17). */
function proveFactor(
  reset: PasswordReset,
  req: Request,
  live: LiveToken,
  factor: string,
  body: z.infer<typeof resetBody>,
): Promise<void> {
  // Only an SMS code sent for this token (POST /password/reset/sms/send) matches.
  return proveSecondFactor(reset.host.context, req, live.userId, factor, {
    code: body.code,
    response: body.response,
    smsBinding: smsBinding(live),
  });
}

async function finish(
  reset: PasswordReset,
  req: Request,
  live: LiveToken,
  hash: string,
): Promise<PasswordResetDone> {
  const { host, options, passwords } = reset;
  const ctx = host.context;
  const { userId } = live;
  // Both epochs move first: remembered browsers and pending logins of the user are void, and
  // so is every other link issued before (they carry the old login epoch). Should the store
  // fail here, the password is unchanged and only old credentials were voided (fail closed).
  await ctx.credentialsChanged(req, userId, 'password_reset');
  await reset.tokens.voidFor(userId);
  await options.setPasswordHash(userId, hash);
  let sessionsEnded = await passwords.endSessions(req, userId);
  // The request's own session keeps nothing of the user either: nobody is signed in after a
  // reset, the client signs in afresh with the new password.
  if (host.mfaOf(req).userId === userId) {
    await regenerateSession(req);
    sessionsEnded++;
  }
  ctx.events.emitFor(req, 'password.reset', { userId, sessionsEnded });
  await ctx.notify(req, userId, 'password_reset', {});
  return { status: 'password_reset', sessionsEnded };
}

/**
 * The link's account (checked, not used up) and its factor behind `key`, for the steps a reset
 * takes before its factor is proven (passkey options, an SMS code bound to the link).
 * @throws StepupError 400 `invalid_token`, 409 `factor_not_enrolled`.
 */
async function linkAndFactor<F extends { isEnrolled(userId: string): Promise<boolean> }>(
  reset: PasswordReset,
  input: { readonly token: unknown },
  key: FactorKey<F>,
): Promise<{ live: LiveToken; factor: F }> {
  const { token } = parseBody(z.object({ token: text(128) }), input);
  const live = await reset.tokens.peek(token);
  if (!live) throw new StepupError('INVALID_TOKEN');
  const factor = reset.host.context.factor(key);
  if (!factor || !(await factor.isEnrolled(live.userId))) {
    throw new StepupError('FACTOR_NOT_ENROLLED');
  }
  return { live, factor };
}

/**
 * Request options for a passkey assertion during a reset: the token is checked (not used up)
 * and the challenge is bound to this session and the token's user.
 * @throws StepupError 400 `invalid_token`, 409 `factor_not_enrolled`.
 */
export async function passwordResetPasskeyOptions(
  stepup: Hosted,
  req: Request,
  input: { readonly token: unknown },
): Promise<unknown> {
  return passkeyOptionsWith(passwordResetOf(stepup), req, input);
}

/** `passwordResetPasskeyOptions` on the feature itself. @internal */
export async function passkeyOptionsWith(
  reset: PasswordReset,
  req: Request,
  input: { readonly token: unknown },
): Promise<unknown> {
  const { live, factor: passkey } = await linkAndFactor(reset, input, PASSKEY_ASSERTION);
  return passkey.authenticationOptions(req, live.userId);
}

/** What `passwordResetSendSms` answers. */
export interface ResetSmsSent {
  /** Seconds the code stays valid. */
  readonly expiresIn: number;
  /** Seconds before another code may be sent. */
  readonly resendIn: number;
  /** The phone number, masked. */
  readonly destination: string;
}

/**
 * Send an SMS code for a reset, bound to the token (checked, not used up), to the account's
 * phone. The code then goes to `resetPassword` with `factor: 'sms-otp'`.
 * @throws StepupError 400 `invalid_token`, 409 `factor_not_enrolled`, 429 `resend_too_soon`,
 * 503 `delivery_failed`.
 */
export async function passwordResetSendSms(
  stepup: Hosted,
  req: Request,
  input: { readonly token: unknown },
): Promise<ResetSmsSent> {
  return sendSmsWith(passwordResetOf(stepup), req, input);
}

/** `passwordResetSendSms` on the feature itself. @internal */
export async function sendSmsWith(
  reset: PasswordReset,
  req: Request,
  input: { readonly token: unknown },
): Promise<ResetSmsSent> {
  const { live, factor: sms } = await linkAndFactor(reset, input, SMS_CODE);
  return sms.sendBound(req, live.userId, smsBinding(live));
}
