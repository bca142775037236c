import { assertKnownKeys } from '../core/validate.js';
import {
  PHISHING_RESISTANT_FACTORS,
  type MfaView,
  type PolicyDecision,
  type RequireMfaOptions,
  type SecondFactorName,
} from '../core/types.js';

/** A `requireMfa()` policy after validation, as `evaluatePolicy` reads it. */
export interface ResolvedRoutePolicy {
  /**
   * `maxAge` in milliseconds: the last second factor must be at most this old; with `factors` or
   * `phishingResistant`, the newest one the route accepts (docs/architecture.md, invariant 20).
   */
  readonly maxAgeMs?: number;
  /** False: a session only a remembered browser satisfied does not pass (it is AAL1). */
  readonly allowRememberBrowser: boolean;
  /** The second factors that count for the route; absent: any registered one. */
  readonly factors?: ReadonlySet<SecondFactorName>;
  /** Only a session in which a passkey passed opens the route. */
  readonly phishingResistant: boolean;
  /** The least assurance level (1 means no requirement beyond a second-factor policy). */
  readonly aal?: 1 | 2 | 3;
}

const KNOWN = new Set(['maxAge', 'allowRememberBrowser', 'factors', 'phishingResistant', 'aal']);

/** What a policy is checked against when the guard is made. */
export interface PolicyContext {
  /** `createStepup({ assurance: { aal3: true } })`. */
  readonly aal3: boolean;
}

/**
 * Validate a route policy when the guard is created (never per request): a typo such as
 * `maxage` or an unknown factor name throws a TypeError that says what is valid.
 */
export function resolveRoutePolicy(
  options: RequireMfaOptions,
  registered: readonly SecondFactorName[],
  context: PolicyContext = { aal3: false },
): ResolvedRoutePolicy {
  assertKnownKeys('requireMfa', options, KNOWN);
  const { maxAge, allowRememberBrowser = true, factors, phishingResistant = false } = options;
  const { aal } = options;
  if (aal !== undefined && aal !== 1 && aal !== 2 && aal !== 3) {
    throw new TypeError(`requireMfa: aal must be 1, 2 or 3, got ${JSON.stringify(aal)}`);
  }
  if (aal === 3 && !context.aal3) {
    // Fail at start-up: without the opt-in no session reaches AAL3, so the route never opens.
    throw new TypeError(
      'requireMfa: aal 3 needs createStepup({ assurance: { aal3: true } }) (device-bound passkeys with user verification)',
    );
  }
  if (aal === 3 && !registered.some((f) => PHISHING_RESISTANT_FACTORS.includes(f))) {
    throw new TypeError(
      'requireMfa: aal 3 needs a passkeys factor: register passkeys({ rpId, rpName, origins })',
    );
  }
  if (typeof phishingResistant !== 'boolean') {
    throw new TypeError('requireMfa: phishingResistant must be true or false');
  }
  if (phishingResistant && !registered.some((f) => PHISHING_RESISTANT_FACTORS.includes(f))) {
    // Fail at start-up: such a route could never open.
    throw new TypeError(
      'requireMfa: phishingResistant needs a phishing-resistant factor: register passkeys({ rpId, rpName, origins })',
    );
  }
  if (
    maxAge !== undefined &&
    (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge <= 0)
  ) {
    throw new TypeError(
      `requireMfa: maxAge must be a positive number of seconds, got ${String(maxAge)}`,
    );
  }
  if (typeof allowRememberBrowser !== 'boolean') {
    throw new TypeError('requireMfa: allowRememberBrowser must be true or false');
  }
  let factorSet: Set<SecondFactorName> | undefined;
  if (factors !== undefined) {
    if (!Array.isArray(factors) || factors.length === 0) {
      throw new TypeError('requireMfa: factors must be a non-empty array of factor names');
    }
    for (const f of factors) {
      if (!registered.includes(f)) {
        throw new TypeError(
          `requireMfa: unknown factor ${JSON.stringify(f)}. Registered factors: ${registered.join(', ') || '(none)'}`,
        );
      }
    }
    factorSet = new Set(factors);
  }
  return {
    ...(maxAge !== undefined ? { maxAgeMs: maxAge * 1000 } : {}),
    allowRememberBrowser,
    ...(factorSet ? { factors: factorSet } : {}),
    phishingResistant,
    ...(aal !== undefined && aal > 1 ? { aal } : {}),
  };
}

/**
 * Decide whether a session meets a route policy. Pure and synchronous: a satisfied session on a
 * guarded route costs no store round trip.
 *
 * Order matters: each reason tells the client the one thing to do next.
 */
export function evaluatePolicy(
  view: MfaView,
  policy: ResolvedRoutePolicy,
  allowed: readonly SecondFactorName[],
  now: number,
): PolicyDecision {
  const deny = (reason: Exclude<PolicyDecision, { ok: true }>['reason']): PolicyDecision => ({
    ok: false,
    reason,
    factors: allowed,
  });
  switch (view.status) {
    case 'anonymous':
      return deny('not_authenticated');
    case 'pending':
      return deny(view.next === 'enroll' ? 'not_enrolled' : 'pending');
    case 'authenticated':
      // Signed in with one factor; the caller refines this to `stale` when the user has a factor.
      return deny('not_enrolled');
    case 'satisfied':
      break;
  }
  // NIST SP 800-63B-4 §2.2.3: after the inactivity limit, a second factor again (or a login).
  if (view.idle) return deny('idle');
  const realFactors = view.factors;
  // NIST SP 800-63B-4 §3.2.5: only an authenticator that binds its output to the origin resists
  // a phishing proxy; a code, a remembered browser or a skipped factor never counts here.
  if (
    policy.phishingResistant &&
    !realFactors.some((f) => PHISHING_RESISTANT_FACTORS.includes(f))
  ) {
    return deny('phishing_resistant_required');
  }
  // The assurance asked for, computed in one place (lib/core/assurance.ts).
  if (policy.aal !== undefined && (view.aal ?? 1) < policy.aal) return deny('aal_too_low');
  if (realFactors.length === 0 && view.viaSkip) {
    // An adaptive rule skipped the second factor: fine for ordinary routes, never for a route
    // that asks for a recent or a real factor (docs/architecture.md "Session states" "When to ask").
    if (!policy.allowRememberBrowser || policy.maxAgeMs !== undefined) return deny('stale');
    if (policy.factors) return deny('factor_not_allowed');
    return { ok: true };
  }
  if (realFactors.length === 0) {
    // Only a remembered browser vouched. NIST SP 800-63B-4 §5.1.1: that is AAL1, so a route
    // that refuses it, or demands a recent factor, must see a real one.
    if (!policy.allowRememberBrowser) return deny('remembered_browser_not_allowed');
    if (policy.maxAgeMs !== undefined) return deny('stale');
    if (policy.factors) return deny('factor_not_allowed');
    return { ok: true };
  }
  if (policy.factors && !realFactors.some((f) => policy.factors?.has(f))) {
    return deny('factor_not_allowed');
  }
  if (policy.maxAgeMs !== undefined) {
    const at = restricted(policy) ? newestAccepted(view, policy) : view.mfaAt;
    if (at === undefined || now - at > policy.maxAgeMs) return deny('stale');
  }
  return { ok: true };
}

/** The route accepts only some factors: `factors`, `phishingResistant`, or both. */
function restricted(policy: ResolvedRoutePolicy): boolean {
  return policy.factors !== undefined || policy.phishingResistant;
}

/**
 * When the newest factor the route accepts (one of its `factors`, and phishing resistant when it
 * asks for that) passed in this session. NIST SP 800-63B-4 §2.2.3 reauthentication asks for the
 * authenticator the route trusts: a fresh TOTP code says nothing about who holds the passkey, so
 * it must not renew a passkey route (docs/architecture.md, invariant 20). Undefined when none
 * did, or for a record written before per-factor times existed: stale, never open.
 */
function newestAccepted(view: MfaView, policy: ResolvedRoutePolicy): number | undefined {
  const times = view.factorTimes;
  if (times === undefined) return undefined;
  let newest: number | undefined;
  for (const [name, at] of Object.entries(times)) {
    if (policy.factors && !policy.factors.has(name)) continue;
    if (policy.phishingResistant && !PHISHING_RESISTANT_FACTORS.includes(name)) continue;
    if (at !== undefined && (newest === undefined || at > newest)) newest = at;
  }
  return newest;
}
