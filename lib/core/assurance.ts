/**
 * How sure we are who this is, computed in one place from what passed in a session
 * (docs/architecture.md, "Assurance"). NIST SP 800-63B-4:
 * - §2.1 AAL1: one factor. The password alone, a remembered browser (a bearer cookie standing in
 *   for the second factor, §5.1.1) and an adaptive rule that skipped the second factor are AAL1.
 * - §2.2 AAL2: two distinct factors: a password with a TOTP code, an email or SMS code (email is a
 *   weak out-of-band channel, see docs/factors.md) or a recovery code (a look-up secret, §3.1.2);
 *   a passkey with the password, or a passkey with user verification alone (a multi-factor
 *   cryptographic authenticator, §3.1.7). §3.2.5: only a passkey resists phishing here (it signs
 *   the origin); every code can be relayed by a proxy.
 * - §2.3 AAL3: a hardware-bound, non-exportable key with user verification. A passkey that is
 *   not backed up (`hwk`, not `swk`) with user verification is, when its authenticator really
 *   is hardware; the library cannot know that, so it counts only when the app opts in
 *   (`assurance: { aal3: true }`, having restricted the authenticators it accepts).
 */
import { PHISHING_RESISTANT_FACTORS, type Amr, type SecondFactorName } from './types.js';

/** An authenticator assurance level of NIST SP 800-63B-4 §2 (see {@link Assurance}). */
export type Aal = 1 | 2 | 3;

/** How sure the library is of who is signed in, from what passed in the session. */
export interface Assurance {
  /**
   * 1: one factor (a password, a remembered browser, a skipped second factor); 2: two factors;
   * 3: a device-bound passkey with user verification, and only with `assurance: { aal3: true }`.
   */
  readonly aal: Aal;
  /** A passkey passed in this session (it signs the origin; codes can be relayed, §3.2.5). */
  readonly phishingResistant: boolean;
}

export interface AssuranceOptions {
  /** Count a device-bound passkey with user verification as AAL3. @default false */
  readonly aal3: boolean;
}

/**
 * The assurance of a signed-in session from its factors and amr. `factors` are the second
 * factors that passed in this session (a remembered browser or a skip adds none).
 */
export function assuranceOf(
  session: { readonly factors: readonly SecondFactorName[]; readonly amr: readonly Amr[] },
  options: AssuranceOptions,
): Assurance {
  if (session.factors.length === 0) return { aal: 1, phishingResistant: false };
  const phishingResistant = session.factors.some((f) => PHISHING_RESISTANT_FACTORS.includes(f));
  const deviceBoundVerified = session.amr.includes('hwk') && session.amr.includes('user');
  const aal: Aal = options.aal3 && phishingResistant && deviceBoundVerified ? 3 : 2;
  return { aal, phishingResistant };
}

/**
 * RFC 9470 `acr_values` for what a route asks: one URN per assurance step, documented in
 * docs/step-up.md ("Step-up signals for APIs"), so an API client can tell what to ask its user for.
 */
export function acrValueFor(required: { aal?: Aal; phishingResistant?: boolean }): string {
  const aal = required.aal ?? 2;
  return required.phishingResistant && aal < 3
    ? `urn:passport-stepup:aal${aal}:phishing-resistant`
    : `urn:passport-stepup:aal${aal}`;
}

/**
 * RFC 8176 `mfa`: authentication by two factors of different kinds. Added when a password
 * (something you know) and a second factor (something you have) both passed in the session; a
 * passkey with user verification adds it itself (one ceremony, two factors).
 */
export function withMfa(amr: readonly Amr[]): Amr[] {
  const out = [...amr];
  const secondKinds: readonly Amr[] = ['otp', 'email', 'sms', 'rc', 'hwk', 'swk'];
  if (out.includes('pwd') && out.some((a) => secondKinds.includes(a)) && !out.includes('mfa')) {
    out.push('mfa');
  }
  return out;
}
