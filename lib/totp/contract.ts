/**
 * What the TOTP services and routes need of the registered `totp` factor. `TotpStrategy`
 * (strategies/totp.ts) implements it; the services find it through `TOTP` in the registry, so
 * this folder never imports the Passport face.
 */
import type { Request } from 'express';
import type { CodeCheck } from '../core/attempts.js';
import { factorKey, type SecondFactor } from '../core/context.js';

/** What `POST /mfa/totp/enroll` answers: nothing is active until a code confirms it. */
export interface TotpEnrollment {
  readonly secret: string;
  readonly secretGrouped: string;
  readonly otpauthUrl: string;
  readonly qrCodeDataUrl: string;
  readonly qrCodeSvg: string;
}

export interface TotpFactor extends SecondFactor {
  /** A new secret, kept aside (encrypted) until `confirmEnrollment`; `add` keeps the others. */
  beginEnrollment(userId: string, options?: { readonly add?: boolean }): Promise<TotpEnrollment>;
  /** The enrolment waiting for its code, shown again; undefined when none is pending. */
  pendingEnrollment(userId: string): Promise<TotpEnrollment | undefined>;
  /** Activate the pending secret with a code of it; refused for a wrong or reused code, or none pending. */
  confirmEnrollment(req: Request, userId: string, code: string, label?: string): Promise<CodeCheck>;
  /** Check (and consume) a current code of the enabled authenticator. */
  verifyCurrent(req: Request | undefined, userId: string, code: string): Promise<boolean>;
  /** Remove the authenticator and any pending enrolment. */
  reset(userId: string): Promise<void>;
}

export const TOTP = factorKey<TotpFactor>('totp', [
  'beginEnrollment',
  'pendingEnrollment',
  'confirmEnrollment',
  'verifyCurrent',
  'reset',
]);
