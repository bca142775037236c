/**
 * `createStepup({ bearerTokens })`: off unless set, because it opens a second way in (a token
 * endpoint) that an app should choose. Checked when the app starts: unknown keys and values out
 * of range are a TypeError.
 *
 * Lifetimes: OWASP ASVS 5.0 V10.4.8/V10.4.9 ask for an absolute expiry and revocation by the
 * user; a sign-in token lives 8 hours by default (IBM Zowe's JWT default, a working day), a
 * personal token at most 90 days (Zowe's personal access tokens' ceiling).
 */
import { assertKnownKeys, wholeNumber } from '../core/validate.js';

/** Options of `createStepup({ bearerTokens })`. */
export interface BearerTokenOptions {
  /** Lifetime of a token from `POST /auth/token`, in seconds (300 to 2,592,000). @default 28800 */
  readonly signInTtlSeconds?: number;
  /** Longest `expiresInDays` of a personal token (1 to 366). @default 90 */
  readonly personalMaxDays?: number;
  /**
   * Most live tokens a user may hold (1 to 1000); minting one more ends the oldest sign-in
   * token (never a personal one: creating a personal token over the limit is refused).
   * @default 50
   */
  readonly maxPerUser?: number;
}

export interface ResolvedBearerTokenOptions {
  readonly signInTtlMs: number;
  readonly personalMaxDays: number;
  readonly maxPerUser: number;
}

function whole(name: string, value: unknown, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  return wholeNumber(`createStepup: bearerTokens.${name}`, value, min, max);
}

export function resolveBearerTokenOptions(
  options: BearerTokenOptions | true,
): ResolvedBearerTokenOptions {
  const given: BearerTokenOptions = options === true ? {} : options;
  if (typeof given !== 'object' || given === null) {
    throw new TypeError('createStepup: bearerTokens must be true or an object');
  }
  assertKnownKeys(
    'createStepup bearerTokens',
    given,
    new Set(['signInTtlSeconds', 'personalMaxDays', 'maxPerUser']),
  );
  return {
    signInTtlMs: whole('signInTtlSeconds', given.signInTtlSeconds, 300, 2_592_000, 28_800) * 1000,
    personalMaxDays: whole('personalMaxDays', given.personalMaxDays, 1, 366, 90),
    maxPerUser: whole('maxPerUser', given.maxPerUser, 1, 1000, 50),
  };
}
