/**
 * What a code is bound to (OWASP ASVS 5.0 V6.6.2: an out-of-band code works only for the
 * authentication request it was made for, never for an earlier or a later one):
 *   - a pending login: its `loginId`, a random id the password step wrote into the session;
 *   - a signed-in user stepping up: a random value this module keeps in the session. Not the
 *     session id: the id changes at every elevation (docs/architecture.md, invariant 3), the value moves with it and
 *     dies with the session (logout, regenerate).
 * A code asked for in login A is refused in login B, even for the same user.
 */
import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import type { Subject } from '../core/login-flow.js';
import { sessionBag } from '../core/session-state.js';

const SESSION_FIELD = 'stepupOtpBinding';

/**
 * The binding of this request's subject; `create` makes one for a signed-in session that has
 * none yet (when sending). Undefined when there is nothing to bind to.
 */
export function bindingOf(req: Request, subject: Subject, create: boolean): string | undefined {
  if (subject.status === 'pending') return subject.loginId ? `login:${subject.loginId}` : undefined;
  const session = sessionBag(req);
  if (!session) return undefined;
  let value = session[SESSION_FIELD];
  if (typeof value !== 'string') {
    if (!create) return undefined;
    value = randomBytes(16).toString('base64url');
    session[SESSION_FIELD] = value;
  }
  return `session:${value as string}`;
}
