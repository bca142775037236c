/**
 * A second factor proven for a named user outside a session: the password reset (the account is
 * named by the reset link) and `POST /auth/token` (named by the password that just passed). The
 * check goes through the account's one attempt counter (`attemptOrThrow`: reserved before the
 * comparison, the same lockout, streak and notices as sign-in; docs/architecture.md, invariant
 * 19), and each factor's own check spends what it checks: a TOTP code moves the replay marker, a
 * recovery code is used up, a passkey challenge is taken. A code that opened one door therefore
 * cannot open another (sign-in, a reset, a token).
 */
import type { Request } from 'express';
import type { StepupContext } from './context.js';
import { PASSKEY_ASSERTION, RECOVERY_CODES, SMS_CODE, TOTP_CODE_CHECK } from './factor-keys.js';

/** What the request presents for the factor. */
export interface FactorEvidence {
  /** A TOTP, recovery or SMS code. */
  readonly code?: string | undefined;
  /** A passkey assertion (after options bound to this session and user). */
  readonly response?: unknown;
  /** SMS only: what the code was bound to when it was sent (never a login). */
  readonly smsBinding?: string;
}

/**
 * One attempt at `factor` for `userId`. Resolves when it passed; otherwise throws the refusal
 * (401 `invalid_code`, 429 `too_many_attempts`, 423 `mfa_suspended`) or a store outage (503).
 */
export async function proveSecondFactor(
  ctx: StepupContext,
  req: Request,
  userId: string,
  factor: string,
  evidence: FactorEvidence,
): Promise<void> {
  await ctx.attempts.attemptOrThrow(req, userId, factor, async () => {
    if (factor === 'passkey') {
      const passkey = ctx.factor(PASSKEY_ASSERTION);
      return evidence.response !== undefined && passkey
        ? passkey.verifyAssertion(req, userId, evidence.response)
        : false;
    }
    const { code } = evidence;
    if (code === undefined) return false;
    if (factor === 'sms-otp') {
      const sms = ctx.factor(SMS_CODE);
      return sms && evidence.smsBinding !== undefined
        ? sms.checkBound(userId, evidence.smsBinding, code)
        : false;
    }
    if (factor === 'totp') {
      const totp = ctx.factor(TOTP_CODE_CHECK);
      return totp ? totp.verifyCurrent(req, userId, code) : false;
    }
    if (factor === 'recovery-code') {
      const recovery = ctx.factor(RECOVERY_CODES);
      return recovery ? recovery.consume(req, userId, code) : false;
    }
    return false;
  });
}
