/**
 * The login handlers of the composition root: `stepUp()` after the app's own
 * `passport.authenticate()`, and `authenticate()` that runs a strategy and records what it
 * proved. Both hand the proof to the elevation rules (lib/step-up/elevation.ts), the one place
 * that decides what a session becomes (docs/architecture.md, "Session states").
 */
import type { Request, RequestHandler } from 'express';
import type { StepupContext } from './core/context.js';
import type { AfterVerifyHook, ElevationOutcome, FactorProof } from './core/login-flow.js';
import { StepupError } from './core/errors.js';
import { failureError, readProof, type PassportLike } from './core/passport-glue.js';
import { toStepupError } from './http/error-handler.js';
import { refuseRememberedBrowser } from './remember-browser/service.js';
import { resolveStepUpOptions, type StepUpOptions } from './remember-browser/options.js';
import type { Elevation } from './step-up/elevation.js';

export interface LoginHandlers {
  stepUp(options?: StepUpOptions): RequestHandler;
  authenticate(strategy: string, options?: StepUpOptions): RequestHandler;
  /**
   * `authenticate(strategy)` built once per strategy: the routes and guards ask for it on every
   * request, and building it checks options that cannot change after start-up.
   */
  handlerFor(strategy: string): RequestHandler;
}

/**
 * The handlers over the context every factor gets (its factors, events and `firstFactor`
 * option), the app's Passport, and the elevation rules.
 */
export function createLoginHandlers(
  ctx: StepupContext,
  passport: PassportLike,
  elevation: Elevation,
): LoginHandlers {
  const { factors, events } = ctx;
  const record = (req: Request, user: unknown, proof: FactorProof): Promise<ElevationOutcome> =>
    proof.kind === 'second'
      ? elevation.secondFactor(req, proof)
      : elevation.firstFactor(req, user, proof);

  // `allowRememberBrowser: false` marks the request (a WeakSet, not a client-settable field)
  // before the login hooks run; the remembered-browser hook then answers `default`.
  const stepUp = (stepUpOptions?: StepUpOptions): RequestHandler => {
    const allowRemembered = resolveStepUpOptions('stepUp', stepUpOptions);
    return (req, res, next) => {
      if (!allowRemembered) refuseRememberedBrowser(req);
      if (!req.user) {
        next(new StepupError('AUTHENTICATION_REQUIRED'));
        return;
      }
      // A strategy that is not ours proved a first factor (e.g. plain passport-local).
      const proof = readProof(req.authInfo) ?? {
        kind: 'first',
        factor: ctx.options.firstFactor,
        amr: 'pwd',
      };
      record(req, req.user, proof).then((outcome) => {
        res.locals.stepup = outcome;
        next();
      }, next);
    };
  };

  const authenticate = (strategy: string, stepUpOptions?: StepUpOptions): RequestHandler => {
    const allowRemembered = resolveStepUpOptions('authenticate', stepUpOptions);
    const isSecond = factors.has(strategy);
    return (req, res, next) => {
      if (!allowRemembered) refuseRememberedBrowser(req);
      const handler = passport.authenticate(
        strategy,
        { session: false },
        (err: unknown, user: unknown, info: unknown, status: unknown) => {
          if (err) {
            next(toStepupError(err));
            return;
          }
          if (!user) {
            const failure = failureError(info, status, isSecond);
            if (!isSecond) {
              const username = (req.body as { username?: unknown } | undefined)?.username;
              events.emitFor(req, 'login.failed', {
                factor: strategy,
                reason: failure.code,
                ...(typeof username === 'string' ? { username: username.slice(0, 256) } : {}),
              });
            }
            next(failure);
            return;
          }
          const proof = readProof(info) ?? { kind: 'first', factor: strategy, amr: 'pwd' };
          record(req, user, proof).then(
            (outcome) => {
              res.locals.stepup = outcome;
              next();
            },
            (e: unknown) => next(toStepupError(e)),
          );
        },
      ) as RequestHandler;
      handler(req, res, next);
    };
  };
  const built = new Map<string, RequestHandler>();
  const handlerFor = (strategy: string): RequestHandler => {
    let handler = built.get(strategy);
    if (!handler) built.set(strategy, (handler = authenticate(strategy)));
    return handler;
  };
  return { stepUp, authenticate, handlerFor };
}

/** The `afterVerify` hooks (new device, remember this browser) as one, run one after another. */
export function inOrder(hooks: readonly AfterVerifyHook[]): AfterVerifyHook {
  return async (req, res, info) => {
    for (const hook of hooks) await hook(req, res, info);
  };
}
