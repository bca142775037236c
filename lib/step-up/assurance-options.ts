/**
 * `createStepup({ assurance, reauthentication })`, checked when the app starts.
 *
 * Reauthentication limits, NIST SP 800-63B-4 §2.2.3 (AAL2): a session SHALL be reauthenticated
 * at least once per 24 hours, and SHOULD be after 1 hour of inactivity (§2.3.3, AAL3: 12 hours
 * and 15 minutes). These are the recommended values (`NIST_AAL2_REAUTHENTICATION`); the library
 * enforces none unless the app sets them, because a session's lifetime is the app's decision.
 * - `maxSessionAge` (seconds since the login): past it the session opens nothing, sign in again.
 * - `maxIdle` (seconds without a request that passed a guard): past it `requireMfa` answers
 *   `reason: "idle"` until a second factor passes again.
 */
import type { ViewPolicy } from '../core/session-state.js';
import { assertKnownKeys, wholeNumber } from '../core/validate.js';

/** `createStepup({ assurance })`: how `req.mfa.aal` is counted. */
export interface AssuranceSettings {
  /**
   * Count a device-bound passkey (not backed up) with user verification as AAL3. Only when the
   * authenticators you accept are hardware (an attestation policy, managed devices). @default false
   */
  readonly aal3?: boolean;
}

/**
 * `createStepup({ reauthentication })`: whole seconds from 60 to 31,536,000 (a year), else a
 * TypeError at start-up. Neither limit applies unless set.
 */
export interface ReauthenticationSettings {
  /** Seconds from the login after which the session is over. NIST AAL2: 86400. */
  readonly maxSessionAge?: number;
  /** Seconds of inactivity after which a second factor is needed again. NIST AAL2: 3600. */
  readonly maxIdle?: number;
}

/** NIST SP 800-63B-4 §2.2.3's limits for AAL2, as a ready-made setting. */
export const NIST_AAL2_REAUTHENTICATION: Readonly<Required<ReauthenticationSettings>> =
  Object.freeze({ maxSessionAge: 24 * 3600, maxIdle: 3600 });

function seconds(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  return wholeNumber(`createStepup: reauthentication.${name} (seconds)`, value, 60, 31_536_000);
}

export function resolveAssurance(
  assurance: AssuranceSettings | undefined,
  reauthentication: ReauthenticationSettings | undefined,
): ViewPolicy {
  if (assurance !== undefined) {
    if (typeof assurance !== 'object' || assurance === null) {
      throw new TypeError('createStepup: assurance must be an object, e.g. { aal3: true }');
    }
    assertKnownKeys('createStepup assurance', assurance, new Set(['aal3']));
    if (assurance.aal3 !== undefined && typeof assurance.aal3 !== 'boolean') {
      throw new TypeError('createStepup: assurance.aal3 must be true or false');
    }
  }
  if (reauthentication !== undefined) {
    if (typeof reauthentication !== 'object' || reauthentication === null) {
      throw new TypeError(
        'createStepup: reauthentication must be an object, e.g. { maxSessionAge: 86400, maxIdle: 3600 }',
      );
    }
    assertKnownKeys(
      'createStepup reauthentication',
      reauthentication,
      new Set(['maxSessionAge', 'maxIdle']),
    );
  }
  const maxSessionAge = seconds('maxSessionAge', reauthentication?.maxSessionAge);
  const maxIdle = seconds('maxIdle', reauthentication?.maxIdle);
  if (maxSessionAge !== undefined && maxIdle !== undefined && maxIdle > maxSessionAge) {
    throw new TypeError('createStepup: reauthentication.maxIdle must not exceed maxSessionAge');
  }
  return {
    aal3: assurance?.aal3 ?? false,
    ...(maxSessionAge !== undefined ? { maxSessionAgeMs: maxSessionAge * 1000 } : {}),
    ...(maxIdle !== undefined ? { maxIdleMs: maxIdle * 1000 } : {}),
  };
}
