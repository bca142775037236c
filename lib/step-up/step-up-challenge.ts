/**
 * RFC 9470 (OAuth 2.0 Step-Up Authentication Challenge), §3: an API that needs a stronger or
 * fresher authentication answers 401 with
 *   WWW-Authenticate: Bearer error="insufficient_user_authentication",
 *     error_description="…", acr_values="…"   (a level or phishing resistance is missing)
 *                                           or max_age="…" (the last authentication is too old)
 * so that a client (a CLI, a mobile app) can tell its user what to do without parsing our body.
 * Values are quoted strings (RFC 6750 §3); ours never contain a quote or a backslash, and the
 * description is reduced to printable ASCII to be sure.
 */
import { acrValueFor, type Aal } from '../core/assurance.js';
import type { MfaReason } from '../core/types.js';

export interface ChallengeInput {
  readonly reason: MfaReason;
  readonly description: string;
  /** Seconds, for `stale` (the route's maxAge) and `idle` (the inactivity limit). */
  readonly maxAge?: number;
  readonly aal?: Aal;
  readonly phishingResistant?: boolean;
}

const quoted = (value: string): string => `"${value.replace(/[^\x20-\x7e]|["\\]/g, '')}"`;

export function stepUpChallenge(input: ChallengeInput): string {
  const parts = [
    'Bearer error="insufficient_user_authentication"',
    `error_description=${quoted(input.description)}`,
  ];
  if ((input.reason === 'stale' || input.reason === 'idle') && input.maxAge !== undefined) {
    parts.push(`max_age=${quoted(String(Math.floor(input.maxAge)))}`);
  } else if (input.reason === 'aal_too_low' || input.reason === 'phishing_resistant_required') {
    parts.push(
      `acr_values=${quoted(acrValueFor({ aal: input.aal, phishingResistant: input.reason === 'phishing_resistant_required' || input.phishingResistant }))}`,
    );
  }
  return parts.join(', ');
}
