/**
 * `req.mfa`: the session's MFA view, computed when read. The getter lives on the request's
 * prototype (Express's per-app `app.request`), defined once, and each request carries only the
 * function that computes its view under a symbol. Defining an accessor on every request object
 * instead gives each request object its own hidden class; the guard microbenchmark in bench/
 * went from about 6.7 to 3.2 µs per call (docs/architecture.md, "Performance").
 *
 * Guards never read `req.mfa` (they call the view function themselves), so a request that
 * somehow had it overwritten could not open a route; still, on a request our middleware saw,
 * assigning `req.mfa` throws, as it did before. Other requests may keep a `req.mfa` of their own.
 */
import type { Request, RequestHandler } from 'express';
import { bearerViewOf, hasBearerHeader } from './bearer-view.js';
import { ANONYMOUS, mfaOfSession, touchActivity, type ViewPolicy } from './session-state.js';
import type { MfaView } from './types.js';

const VIEW_OF = Symbol('passport-stepup.mfaOf');

type WithView = Request & { [VIEW_OF]?: (req: Request) => MfaView };

const prepared = new WeakSet<object>();

function prepare(proto: object): void {
  if (prepared.has(proto)) return;
  prepared.add(proto);
  Object.defineProperty(proto, 'mfa', {
    configurable: true,
    enumerable: false,
    get(this: WithView): MfaView | undefined {
      return this[VIEW_OF]?.(this);
    },
    set(this: WithView, value: unknown) {
      if (this[VIEW_OF]) throw new TypeError('req.mfa is read-only (passport-stepup)');
      Object.defineProperty(this, 'mfa', {
        value,
        writable: true,
        configurable: true,
        enumerable: true,
      });
    },
  });
}

/** Give `req.mfa` to this request: `mfaOf(req)` runs on each read. */
export function exposeView(req: Request, mfaOf: (req: Request) => MfaView): void {
  const proto: unknown = Object.getPrototypeOf(req);
  if (proto !== null && typeof proto === 'object' && proto !== Object.prototype) {
    prepare(proto);
    // An own `mfa` the app set earlier would shadow the getter.
    if (Object.prototype.hasOwnProperty.call(req, 'mfa')) delete (req as { mfa?: unknown }).mfa;
    (req as WithView)[VIEW_OF] = mfaOf;
    return;
  }
  // A request object without a prototype of its own (a test double): an own accessor.
  Object.defineProperty(req, 'mfa', {
    get: () => mfaOf(req),
    configurable: true,
    enumerable: false,
  });
}

/** How a request's MFA view is read and kept: built once by `createStepup`. */
export interface RequestViews {
  /** The request's view (what `req.mfa` reads, and the guards ask directly). */
  readonly mfaOf: (req: Request) => MfaView;
  /** Record the session's activity for the idle limit; a bearer request has no session. */
  readonly touch: (req: Request) => void;
  /** `stepup.middleware()`: record the activity, then give the request its `req.mfa`. */
  readonly middleware: RequestHandler;
}

/**
 * With bearer tokens on, a request that carries one is judged by its token alone: anonymous
 * until a guard has checked it, never by the cookie session (docs/architecture.md, inv. 22).
 */
export function createRequestViews(options: {
  readonly bearerTokens: boolean;
  readonly now: () => number;
  readonly getUserId: (user: unknown) => string;
  readonly policy: ViewPolicy;
}): RequestViews {
  const { bearerTokens, now, getUserId, policy } = options;
  const mfaOf = (req: Request): MfaView =>
    bearerTokens && hasBearerHeader(req)
      ? (bearerViewOf(req) ?? ANONYMOUS)
      : mfaOfSession(req, now(), getUserId, policy);
  const touch = (req: Request): void => {
    if (!bearerTokens || !hasBearerHeader(req)) touchActivity(req, now(), policy);
  };
  return {
    mfaOf,
    touch,
    middleware: (req, _res, next) => {
      touch(req);
      exposeView(req, mfaOf);
      next();
    },
  };
}
