/**
 * Contracts between features (docs/architecture.md, "Layers"): a feature never imports another
 * feature; when TOTP needs recovery codes (first codes at enrolment, a code to disable) or the
 * password field needs a TOTP check (appended code), it asks the registry for the interface
 * declared here, and gets `undefined` when the app did not register that factor.
 */
import type { Request } from 'express';
import { factorKey, type SecondFactor } from './context.js';

/** The recovery-code factor as the router, the TOTP services and server-rendered apps use it. */
export interface RecoveryCodeService extends SecondFactor {
  /**
   * A new set of codes for the user, replacing every earlier one; returns them in plaintext,
   * the only time they exist outside the user's hands (only digests are stored).
   */
  generate(req: Request | undefined, userId: string): Promise<string[]>;
  /** How many unused codes the user has left. */
  remaining(userId: string): Promise<number>;
  /**
   * Use up one code: true once per code, false when it is wrong or already used (atomic, so two
   * requests with the same code cannot both pass). Does not count on the lockout by itself.
   */
  consume(req: Request | undefined, userId: string, code: string): Promise<boolean>;
  /** Delete the user's codes (factor disabled, admin reset). */
  reset(userId: string): Promise<void>;
}
/** Registry key of the recovery-code factor: `ctx.factor(RECOVERY_CODES)`. */
export const RECOVERY_CODES = factorKey<RecoveryCodeService>('recovery-code', [
  'generate',
  'remaining',
  'consume',
  'reset',
]);

/** What another feature may ask of the TOTP factor: check (and consume) a current code. */
export interface TotpCodeCheck extends SecondFactor {
  /**
   * True when `code` is a current code of one of the user's authenticators; it is then marked
   * used (a replay is refused). Does not count on the lockout: call it inside
   * `ctx.attempts.attempt(…)`.
   */
  verifyCurrent(req: Request | undefined, userId: string, code: string): Promise<boolean>;
}
/** Registry key of the TOTP factor, seen through {@link TotpCodeCheck}. */
export const TOTP_CODE_CHECK = factorKey<TotpCodeCheck>('totp', ['isEnrolled', 'verifyCurrent']);

/**
 * What another feature may ask of the passkey factor: check a signed assertion of one of the
 * user's passkeys against the challenge this session asked for (the factors API accepts it
 * instead of a code to remove an authenticator).
 */
export interface PasskeyAssertionCheck extends SecondFactor {
  /**
   * True when `response` (the browser's `navigator.credentials.get()` result, as JSON) is a
   * valid assertion of one of the user's passkeys over the challenge issued to this session
   * (each challenge verifies at most once).
   */
  verifyAssertion(req: Request, userId: string, response: unknown): Promise<boolean>;
  /**
   * Request options over this user's passkeys, with a challenge bound to this session (the
   * password reset asks for one before the assertion; docs/architecture.md, invariant 21).
   */
  authenticationOptions(req: Request, userId: string): Promise<unknown>;
}
/** Registry key of the passkey factor, seen through {@link PasskeyAssertionCheck}. */
export const PASSKEY_ASSERTION = factorKey<PasskeyAssertionCheck>('passkey', [
  'isEnrolled',
  'verifyAssertion',
  'authenticationOptions',
]);

/**
 * What the password reset may ask of the SMS factor: send a code bound to something other than
 * a login (the reset's token digest), and check it. The phone is bound to the account, not to
 * the mailbox the reset link went to (docs/architecture.md, invariant 21).
 */
export interface BoundCodeSender extends SecondFactor {
  /** Send a code for `userId` bound to `binding`; `409 factor_not_enrolled` without a phone. */
  sendBound(
    req: Request,
    userId: string,
    binding: string,
  ): Promise<{ expiresIn: number; resendIn: number; destination: string }>;
  /** True once for the code sent with this binding (tries are counted by the engine). */
  checkBound(userId: string, binding: string, code: string): Promise<boolean>;
}
/** Registry key of the SMS factor, seen through {@link BoundCodeSender}. */
export const SMS_CODE = factorKey<BoundCodeSender>('sms-otp', [
  'isEnrolled',
  'sendBound',
  'checkBound',
]);
