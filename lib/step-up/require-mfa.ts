import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { hasBearerHeader } from '../core/bearer-view.js';
import type { FactorHost, ResolvedOptions } from '../core/context.js';
import { ERROR_CODES } from '../core/error-codes.js';
import { safeReturnTo } from './return-to.js';
import { stepUpChallenge } from './step-up-challenge.js';
import { evaluatePolicy, resolveRoutePolicy, type ResolvedRoutePolicy } from './route-policy.js';
import {
  PHISHING_RESISTANT_FACTORS,
  type MfaReason,
  type RequireMfaOptions,
  type SecondFactorName,
} from '../core/types.js';

/**
 * What the guards read of the host, worked out once when the guard is made: the registered
 * factors, the ones a user can set up (not recovery codes: they back up another factor), and the
 * option fields a refusal names.
 */
interface Guarding {
  readonly registered: readonly SecondFactorName[];
  /** The registered factors a user can set up: what a `not_enrolled` refusal lists. */
  readonly enrollable: readonly SecondFactorName[];
  readonly options: ResolvedOptions;
  /** `reauthentication.maxIdle` in seconds, reported as `max_age` of an `idle` refusal. */
  readonly maxIdleSeconds: number | undefined;
}

function guarding(host: FactorHost): Guarding {
  const { factors, options } = host.context;
  return {
    registered: [...factors.keys()],
    enrollable: [...factors.values()].filter((f) => f.enrollable !== false).map((f) => f.name),
    options,
    maxIdleSeconds:
      options.view.maxIdleMs === undefined ? undefined : options.view.maxIdleMs / 1000,
  };
}

const MFA_REQUIRED = ERROR_CODES.MFA_REQUIRED.code;

const REASON_MESSAGES: Record<MfaReason, string> = {
  not_authenticated: 'Sign in first.',
  pending: 'Finish signing in: present a second factor.',
  not_enrolled: 'Set up a second factor to open this page.',
  stale: 'Confirm it is you: present a second factor again.',
  remembered_browser_not_allowed:
    'A remembered browser is not enough here: present a second factor in this session.',
  factor_not_allowed: 'Present one of the factors this page accepts.',
  phishing_resistant_required: 'This page needs a passkey: sign in or confirm with one.',
  aal_too_low: 'This page needs a stronger sign-in: present a second factor.',
  idle: 'You have been away for a while: present a second factor again.',
  password_reset: 'A password reset needs a second factor of the account besides the reset link.',
};

/** JSON clients: `Accept: application/json` (preferred over HTML) or an XHR. */
export function wantsJson(req: Request): boolean {
  // A client holding a bearer token is a program: it gets the RFC 9470 answer, not a page.
  if (req.xhr || hasBearerHeader(req)) return true;
  return req.accepts(['html', 'json']) === 'json';
}

/** `requireAuth()`: signed in (any status but anonymous and pending). */
export function createRequireAuth(host: FactorHost): () => RequestHandler {
  const deps = guarding(host);
  return () => (req, res, next) => {
    const view = host.mfaOf(req);
    if (view.status === 'authenticated' || view.status === 'satisfied') {
      host.touch(req);
      next();
      return;
    }
    const reason: MfaReason = view.status === 'pending' ? 'pending' : 'not_authenticated';
    const error =
      reason === 'pending'
        ? ERROR_CODES.MFA_REQUIRED.code
        : ERROR_CODES.AUTHENTICATION_REQUIRED.code;
    refuse(req, res, deps, reason, view.status === 'pending' ? (view.offered ?? []) : [], error);
  };
}

/** `requireMfa(policy)`: options are validated here, once, when the route is declared. */
export function createRequireMfa(
  host: FactorHost,
): (options?: RequireMfaOptions) => RequestHandler {
  const deps = guarding(host);
  return (options = {}) => {
    const policy: ResolvedRoutePolicy = resolveRoutePolicy(options, deps.registered, {
      aal3: deps.options.view.aal3,
    });
    const allowed = deps.registered.filter(
      (f) =>
        (!policy.factors || policy.factors.has(f)) &&
        (!policy.phishingResistant || PHISHING_RESISTANT_FACTORS.includes(f)),
    );
    const toEnrol = allowed.filter((f) => deps.enrollable.includes(f));
    return (req: Request, res: Response, next: NextFunction) => {
      const view = host.mfaOf(req);
      const decision = evaluatePolicy(view, policy, allowed, host.context.now());
      if (decision.ok) {
        host.touch(req);
        next();
        return;
      }
      // What the refusal lists is what the user can do next: the factors the login offered
      // (pending), the ones to set up (not_enrolled: never recovery codes, which only back up
      // another factor), or the user's usable ones.
      const userId = view.userId;
      if (view.status === 'pending') {
        const factors =
          decision.reason === 'not_enrolled'
            ? toEnrol
            : allowed.filter((f) => view.offered?.includes(f));
        refuse(req, res, deps, decision.reason, factors, MFA_REQUIRED, policy);
        return;
      }
      if (userId === undefined) {
        refuse(req, res, deps, decision.reason, decision.factors, MFA_REQUIRED, policy);
        return;
      }
      // Only a refused request costs a store round trip: which factors can this user use?
      host.enrolledFactors(userId).then(
        (enrolled) => {
          const usable = allowed.filter((f) => enrolled.includes(f));
          let reason = decision.reason;
          if (view.status === 'authenticated' && usable.length > 0) reason = 'stale';
          const factors =
            usable.length > 0 ? usable : reason === 'not_enrolled' ? toEnrol : allowed;
          refuse(req, res, deps, reason, factors, MFA_REQUIRED, policy);
        },
        (err: unknown) => next(err),
      );
    };
  };
}

function refuse(
  req: Request,
  res: Response,
  deps: Guarding,
  reason: MfaReason,
  factors: readonly SecondFactorName[],
  error: string,
  policy?: ResolvedRoutePolicy,
): void {
  res.set('Cache-Control', 'no-store');
  // An API-only app has no page to send a browser to: a redirect would land on a 404.
  if (!deps.options.htmlRedirects || wantsJson(req)) {
    const body: Record<string, unknown> = {
      error,
      message: REASON_MESSAGES[reason],
      reason,
      factors,
    };
    const routeMaxAge = policy?.maxAgeMs === undefined ? undefined : policy.maxAgeMs / 1000;
    const maxAge = reason === 'idle' ? deps.maxIdleSeconds : routeMaxAge;
    if (maxAge !== undefined) body.maxAge = maxAge;
    if (reason === 'aal_too_low' && policy?.aal !== undefined) body.aal = policy.aal;
    if (error === MFA_REQUIRED) {
      res.set(
        'WWW-Authenticate',
        stepUpChallenge({
          reason,
          description: REASON_MESSAGES[reason],
          ...(maxAge !== undefined ? { maxAge } : {}),
          ...(policy?.aal !== undefined ? { aal: policy.aal } : {}),
          phishingResistant: policy?.phishingResistant ?? false,
        }),
      );
    }
    res.status(401).json(body);
    return;
  }
  const { loginUrl, challengeUrl, defaultReturnTo } = deps.options;
  const target = reason === 'not_authenticated' ? loginUrl : challengeUrl;
  const returnTo = safeReturnTo(req.originalUrl, defaultReturnTo);
  const params = new URLSearchParams({ returnTo, reason });
  res.redirect(302, `${target}?${params.toString()}`);
}
