import type { Request } from 'express';
import { toError } from './session-state.js';

/**
 * Promise wrappers over the parts of Passport that `stepUp()` drives. The app's own
 * `serializeUser`/`deserializeUser` stay in charge of what a session holds.
 */
type Callback<T> = (err: unknown, value?: T) => void;

/**
 * The parts of a Passport `Authenticator` this library uses. Structural, so that the
 * `passport` singleton, `new Passport()` and both majors of @types/passport all fit.
 */
export interface PassportLike {
  use(name: string, strategy: unknown): unknown;
  authenticate(strategy: string, options: object, callback: (...args: unknown[]) => void): unknown;
}

interface SerializingPassport {
  serializeUser(user: unknown, req: Request, done: Callback<unknown>): void;
  deserializeUser(obj: unknown, req: Request, done: Callback<unknown>): void;
}

export function serializeUser(
  passport: PassportLike,
  req: Request,
  user: unknown,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    (passport as unknown as SerializingPassport).serializeUser(user, req, (err, obj) =>
      err ? reject(toError(err)) : resolve(obj),
    );
  });
}

export function deserializeUser(
  passport: PassportLike,
  req: Request,
  obj: unknown,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    (passport as unknown as SerializingPassport).deserializeUser(obj, req, (err, user) =>
      err ? reject(toError(err)) : resolve(user),
    );
  });
}

/**
 * `req.login()`: Passport ≥ 0.6 regenerates the session here (session fixation defence,
 * OWASP ASVS 5.0 V7.2.4), which destroys the old id in the session store.
 */
export function logIn(req: Request, user: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    req.login(user as Express.User, (err: unknown) => (err ? reject(toError(err)) : resolve()));
  });
}

export function logOut(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    if (typeof req.logout !== 'function') {
      resolve();
      return;
    }
    req.logout((err: unknown) => (err ? reject(toError(err)) : resolve()));
  });
}
