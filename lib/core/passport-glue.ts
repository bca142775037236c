import type { Request } from 'express';
import { StepupError } from './errors.js';
import type { FactorProof } from './login-flow.js';
import { regenerateSession, sessionBag, toError } from './session-state.js';

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
  /** Registers each factor's strategy under its name when `createStepup` runs. */
  use(name: string, strategy: unknown): unknown;
  /**
   * Runs a strategy with a custom callback, so that the library, not Passport, decides what the
   * session becomes (pending or signed in).
   */
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

/** Passport's own session manager, as `passport.initialize()` puts it on the request. */
interface PassportSessionManager {
  readonly _key: string;
  _serializeUser(user: unknown, req: Request, done: Callback<unknown>): void;
}

function sessionManagerOf(req: Request): PassportSessionManager | undefined {
  const sm = (req as { _sessionManager?: Partial<PassportSessionManager> })._sessionManager;
  return sm && typeof sm._key === 'string' && typeof sm._serializeUser === 'function'
    ? (sm as PassportSessionManager)
    : undefined;
}

/**
 * `req.login()` without its session write: a new session id (session fixation defence, OWASP
 * ASVS 5.0 V7.2.4; the old id is destroyed in the session store), the user serialized into it
 * by the app's `serializeUser`, `req.user` set. What Passport 0.7's SessionManager.logIn does,
 * minus its `session.save()`: the caller writes its own record into the new session and saves
 * once (`saveSession`), instead of two writes a few microseconds apart.
 *
 * Another session manager than Passport's (an app that replaced it) gets the plain
 * `req.login()`, whose extra write is harmless.
 */
export async function logIn(req: Request, user: unknown): Promise<void> {
  const sm = sessionManagerOf(req);
  if (!sm || !sessionBag(req)) {
    await new Promise<void>((resolve, reject) => {
      req.login(user as Express.User, (err: unknown) => (err ? reject(toError(err)) : resolve()));
    });
    return;
  }
  const property = (req as { _userProperty?: string })._userProperty ?? 'user';
  const target = req as unknown as Record<string, unknown>;
  target[property] = user;
  try {
    await regenerateSession(req);
    const obj = await new Promise<unknown>((resolve, reject) => {
      sm._serializeUser(user, req, (err, value) => (err ? reject(toError(err)) : resolve(value)));
    });
    const session = sessionBag(req) as Record<string, unknown>;
    const existing = session[sm._key];
    session[sm._key] = { ...(existing && typeof existing === 'object' ? existing : {}), user: obj };
  } catch (err) {
    target[property] = null;
    throw err;
  }
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

/** The three ways a Passport strategy ends a request (passport-strategy's augmented methods). */
interface SettlingStrategy {
  fail(challenge: unknown, status: number): void;
  success(user: unknown, info: unknown): void;
  error(err: Error): void;
}

/**
 * End a strategy's `authenticate()` with the outcome of `work`: a refusal (a `StepupError`,
 * returned or thrown) is `fail` with its status, a user and proof is `success`, anything else
 * is `error` (the router answers 503 or 500, never a sign-in).
 */
export function settleStrategy(
  strategy: SettlingStrategy,
  work: Promise<StepupError | { user: unknown; proof: unknown }>,
): void {
  work.then(
    (outcome) => {
      if (outcome instanceof StepupError) strategy.fail(outcome, outcome.status);
      else strategy.success(outcome.user, { stepup: outcome.proof });
    },
    (err: unknown) => {
      if (err instanceof StepupError) strategy.fail(err, err.status);
      else strategy.error(err instanceof Error ? err : new Error(String(err)));
    },
  );
}

/** What a strategy proved, from Passport's `info` (`{ stepup: proof }`), when it is ours. */
export function readProof(info: unknown): FactorProof | undefined {
  const proof = (info as { stepup?: FactorProof } | null | undefined)?.stepup;
  if (!proof || (proof.kind !== 'first' && proof.kind !== 'second')) return undefined;
  return proof;
}

/** A strategy's `fail()` becomes a public error; unknown failures never say which part was wrong. */
export function failureError(info: unknown, status: unknown, isSecond: boolean): StepupError {
  if (info instanceof StepupError) return info;
  if (status === 429) return new StepupError('TOO_MANY_ATTEMPTS');
  if (status === 400) return new StepupError('INVALID_REQUEST');
  return new StepupError(isSecond ? 'INVALID_CODE' : 'INVALID_CREDENTIALS');
}
