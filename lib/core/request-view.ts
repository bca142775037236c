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
import type { Request } from 'express';
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
