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
  generate(req: Request | undefined, userId: string): Promise<string[]>;
  remaining(userId: string): Promise<number>;
  consume(req: Request | undefined, userId: string, code: string): Promise<boolean>;
  reset(userId: string): Promise<void>;
}
export const RECOVERY_CODES = factorKey<RecoveryCodeService>('recovery-code', [
  'generate',
  'remaining',
  'consume',
  'reset',
]);

/** What another feature may ask of the TOTP factor: check (and consume) a current code. */
export interface TotpCodeCheck extends SecondFactor {
  verifyCurrent(req: Request | undefined, userId: string, code: string): Promise<boolean>;
}
export const TOTP_CODE_CHECK = factorKey<TotpCodeCheck>('totp', ['isEnrolled', 'verifyCurrent']);

/**
 * What another feature may ask of the passkey factor: check a signed assertion of one of the
 * user's passkeys against the challenge this session asked for (the factors API accepts it
 * instead of a code to remove an authenticator).
 */
export interface PasskeyAssertionCheck extends SecondFactor {
  verifyAssertion(req: Request, userId: string, response: unknown): Promise<boolean>;
}
export const PASSKEY_ASSERTION = factorKey<PasskeyAssertionCheck>('passkey', [
  'isEnrolled',
  'verifyAssertion',
]);
