/**
 * Where email and SMS codes may be used. Both are weak second factors: NIST SP 800-63B-4
 * §3.1.3.1 does not accept email as an out-of-band authenticator at all (it proves no
 * possession of a device), and §3.1.3.3 makes SMS/voice a restricted one. So:
 *   - `assertEmailNotAlone`: as in Auth0, email codes can only be switched on next to another
 *     factor type, and an email code never counts as two factors (it is never a first factor);
 *   - `requireStrongerFactor`: offer email/SMS only to users who also have a stronger factor
 *     (OWASP ASVS 5.0 V6.6.1: phone codes only with a stronger alternative offered);
 *   - a route refuses them with `requireMfa({ factors: ['totp', 'recovery-code'] })`.
 */
import type { SecondFactor } from '../core/context.js';

/** Factors that are not "stronger" than an email or SMS code. */
export const WEAK_FACTORS: ReadonlySet<string> = new Set(['email-otp', 'sms-otp', 'recovery-code']);

/**
 * Throw a TypeError when `email-otp` is registered without another factor type (recovery
 * codes back up another factor; they do not count), or is used as the first factor.
 * `createStepup` calls it with the registered factor names.
 */
export function assertEmailNotAlone(factorNames: readonly string[], firstFactor?: string): void {
  if (firstFactor === 'email-otp') {
    throw new TypeError(
      "createStepup: 'email-otp' cannot be the first factor: " +
        'an email code never counts as two factors.',
    );
  }
  if (!factorNames.includes('email-otp')) return;
  const others = factorNames.filter((n) => n !== 'email-otp' && n !== 'recovery-code');
  if (others.length === 0) {
    throw new TypeError(
      'createStepup: email-otp cannot be the only second factor. Register another factor type ' +
        'too, e.g. factors: [totp(), emailOtp(...)]. Email is not an out-of-band ' +
        'authenticator for NIST SP 800-63B-4 (§3.1.3.1); as in Auth0, it only backs up a ' +
        'stronger factor.',
    );
  }
}

/** True when the user has an enrolled factor that is not weak (e.g. TOTP). */
export async function hasStrongerFactor(
  factors: ReadonlyMap<string, SecondFactor>,
  userId: string,
): Promise<boolean> {
  for (const [name, factor] of factors) {
    if (!WEAK_FACTORS.has(name) && (await factor.isEnrolled(userId))) return true;
  }
  return false;
}
