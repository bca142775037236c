/**
 * What the TOTP services and routes need of the registered `totp` factor. `TotpStrategy`
 * (strategies/totp.ts) implements it; the services find it through `TOTP` in the registry, so
 * this folder never imports the Passport face.
 */
import type { Request } from 'express';
import type { CodeCheck } from '../core/attempts.js';
import { factorKey } from '../core/context.js';
import type { TotpCodeCheck } from '../core/factor-keys.js';

/** What `POST /mfa/totp/enroll` answers: nothing is active until a code confirms it. */
export interface TotpEnrollment {
  /**
   * The new Base32 secret in plaintext. Everything here carries it: show it to the enrolling
   * user only, never log or cache it (it is stored encrypted).
   */
  readonly secret: string;
  /** The secret in groups of four (`JBSW Y3DP …`), for typing it into an app by hand. */
  readonly secretGrouped: string;
  /** The `otpauth://totp/…` URI (issuer, account, algorithm, digits, period all stated). */
  readonly otpauthUrl: string;
  /** A QR code of `otpauthUrl` as a PNG data URL, for `<img src>` and JSON clients. */
  readonly qrCodeDataUrl: string;
  /** The same QR code as an SVG document, for server-rendered pages. */
  readonly qrCodeSvg: string;
}

/** The TOTP factor: what any feature may ask of it ({@link TotpCodeCheck}), and its enrolment. */
export interface TotpFactor extends TotpCodeCheck {
  /** A new secret, kept aside (encrypted) until `confirmEnrollment`; `add` keeps the others. */
  beginEnrollment(userId: string, options?: { readonly add?: boolean }): Promise<TotpEnrollment>;
  /** The enrolment waiting for its code, shown again; undefined when none is pending. */
  pendingEnrollment(userId: string): Promise<TotpEnrollment | undefined>;
  /** Activate the pending secret with a code of it; refused for a wrong or reused code, or none pending. */
  confirmEnrollment(req: Request, userId: string, code: string, label?: string): Promise<CodeCheck>;
  /** Remove the authenticator and any pending enrolment. */
  reset(userId: string): Promise<void>;
}

/** Registry key of the TOTP factor, seen through {@link TotpFactor}. */
export const TOTP = factorKey<TotpFactor>('totp', [
  'beginEnrollment',
  'pendingEnrollment',
  'confirmEnrollment',
  'verifyCurrent',
  'reset',
]);
