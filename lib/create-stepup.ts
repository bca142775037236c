import type { ErrorRequestHandler, Request, RequestHandler, Response, Router } from 'express';
import defaultPassport from 'passport';
import { AttemptCounter } from './core/attempts.js';
import { createErrorHandler, toStepupError } from './http/error-handler.js';
import { StepupError } from './core/errors.js';
import { StepupEvents } from './core/events.js';
import {
  HOST,
  lookupFactor,
  type AfterVerifyHook,
  type ElevationOutcome,
  type FactorHost,
  type FactorProof,
  type HasHost,
  type LoginHook,
  type Logger,
  type SecondFactor,
  type StepupContext,
  type Subject,
  parseEpoch,
} from './core/context.js';
import { resolveOptions, type StepupOptions } from './options.js';
import {
  changePassword,
  type ChangePasswordInput,
  type ChangePasswordResult,
} from './password/change.js';
import type { PassportLike } from './core/passport-glue.js';
import { createRequireAuth, createRequireMfa, type GuardDeps } from './step-up/require-mfa.js';
import { createRouter, type RouterHost, type RouterOptions } from './router/create-router.js';
import { SessionIndex } from './core/session-index.js';
import { ActiveSessions } from './sessions/service.js';
import { readRecord, touchActivity, viewOf } from './core/session-state.js';
import { Elevation } from './step-up/elevation.js';
import {
  createRememberedBrowsers,
  refuseRememberedBrowser,
  type RememberedBrowsers,
} from './remember-browser/service.js';
import { resolveStepUpOptions, type StepUpOptions } from './remember-browser/options.js';
import { DeviceRegistry } from './step-up/when-rules.js';
import { assertEmailNotAlone } from './one-time-code/policy.js';
import { MemoryStore } from './stores/memory.js';
import { RedisStore } from './stores/redis.js';
import { MemoryCredentialStore } from './stores/credentials/memory.js';
import type { CredentialStore } from './stores/credentials/types.js';
import { storeKey, type MfaStore } from './stores/types.js';
import { PasswordStrategy } from '../strategies/password.js';
import type { MfaView, RequireMfaOptions, SecondFactorName } from './core/types.js';

export type { AfterVerifyHook } from './core/context.js';

/** What `createStepup()` returns: middleware, guards, the router and the services behind them. */
export interface Stepup extends HasHost {
  /** Where short-lived MFA state lives (the `store` option, or the default MemoryStore). */
  readonly store: MfaStore;
  /** Where enrolled factors live (the `credentials` option, or an in-memory store). */
  readonly credentials: CredentialStore;
  /** Create or update the credential store's tables (idempotent); await it at start-up. */
  migrate(): Promise<void>;
  /** Subscribe to security events: `stepup.events.on('event', fn)`. */
  readonly events: StepupEvents;
  /** Registered second factors by name. */
  readonly factors: ReadonlyMap<string, SecondFactor>;
  /** The registered factors this user has enrolled, in registration order. */
  enrolledFactors(userId: string): Promise<string[]>;
  /**
   * For an app's own verify page (server-rendered forms): run what `POST /auth/mfa/verify` runs
   * after a second factor passed (the remember-this-browser cookie when asked, the device
   * registry of `newDevice()`).
   */
  afterVerify(
    req: Request,
    res: Response,
    info: { readonly userId: string; readonly factor: string; readonly rememberBrowser: boolean },
  ): Promise<void>;
  /** Exposes `req.mfa`, a read-only view of the session's MFA state. */
  middleware(): RequestHandler;
  /**
   * After `passport.authenticate(name, { session: false })`: record the factor it proved.
   * `{ allowRememberBrowser: false }`: on this login route a remembered browser never skips the
   * second factor.
   */
  stepUp(options?: StepUpOptions): RequestHandler;
  /** `passport.authenticate(name)` + `stepUp()`; the outcome lands in `res.locals.stepup`. */
  authenticate(strategy: string, options?: StepUpOptions): RequestHandler;
  /**
   * "Remember this browser": list and revoke a user's remembered browsers
   * (`list(userId, req?)`, `revoke(userId, id)`, `revokeAll(userId)`). Undefined when
   * `rememberBrowser.enabled` is false.
   */
  readonly rememberedBrowsers: RememberedBrowsers | undefined;
  /** The users' active sessions, for server-rendered pages (the router has the JSON API). */
  readonly sessions: ActiveSessions;
  requireAuth(): RequestHandler;
  requireMfa(options?: RequireMfaOptions): RequestHandler;
  router(options?: RouterOptions): Router;
  /** JSON errors in the router's shape for the app's own routes; mount it last. */
  errorHandler(onInternal?: (err: unknown) => void): ErrorRequestHandler;
  /** The session's MFA state, for code that has no `req.mfa` (the middleware is optional). */
  mfaOf(req: Request): MfaView;
  /**
   * Remove every second factor of a user (lost device): factors, recovery codes, lockout,
   * and every remembered browser (the credential epoch moves). Emits `admin.mfa_reset` and
   * notifies the user.
   */
  adminReset(req: Request | undefined, userId: string, adminId?: string): Promise<void>;
  /**
   * Change a password: policy check, argon2id hash saved through `setPasswordHash`, the user's
   * other sessions ended (when the session store can list them), remembered browsers revoked.
   */
  changePassword(req: Request, input: ChangePasswordInput): Promise<ChangePasswordResult>;
}

/** Test seams that are not options of the public API. @internal */
export interface StepupInternals {
  /** Extra login-time rules, consulted after the built-in ones (tests: a remembered-browser stand-in). */
  readonly loginHooks?: readonly LoginHook[];
}

/** The one entry point: wires the store, the clock, the factors, the events and the guards. */
export function createStepup(options: StepupOptions = {}, internals: StepupInternals = {}): Stepup {
  const resolved = resolveOptions(options);
  const now = options.now ?? Date.now;
  const store = options.store ?? new MemoryStore({ now });
  const credentials = options.credentials ?? new MemoryCredentialStore();
  const log = options.logger ?? defaultLogger;
  // The Redis client the store made reports its outages here too (once per outage).
  if (store instanceof RedisStore) store.adoptLogger(log);
  const passport: PassportLike = options.passport ?? (defaultPassport as unknown as PassportLike);
  const events = new StepupEvents(now, options.onEvent);
  // The lockout notice tells the real user that someone holding their password guesses codes.
  const attempts = new AttemptCounter(
    store,
    events,
    options.lockout,
    (req, userId, factor) => context.notify(req, userId, 'lockout', { factor }),
    now,
  );
  const mfaOf = (req: Request): MfaView => viewOf(req, now(), resolved.getUserId, resolved.view);
  const touch = (req: Request): void => touchActivity(req, now(), resolved.view);

  const epochKey = (userId: string) => storeKey(userId, 'credential-epoch');
  const loginEpochKey = (userId: string) => storeKey(userId, 'login-epoch');
  const factors = new Map<string, SecondFactor>();
  const context: StepupContext = {
    store,
    credentials,
    log,
    now,
    events,
    attempts,
    sessions: new SessionIndex(store),
    options: resolved,
    async credentialsChanged(req, userId, reason) {
      // The counter's TTL is fixed when it is born (increment() never extends it). Should it
      // expire, it would restart at 0 and a later bump would reach a value an old, revoked
      // remembered browser carries, trusting it again. So the TTL is ~100 years: in effect none.
      await store.increment(epochKey(userId), EPOCH_TTL_MS);
      if (reason === 'password_changed' || reason === 'admin_reset') {
        await store.increment(loginEpochKey(userId), EPOCH_TTL_MS);
      }
      events.emitFor(req, 'credentials.changed', { userId, reason });
    },
    factors,
    factor: (key) => lookupFactor(factors, key),
    async loginEpoch(userId) {
      return parseEpoch(await store.get(loginEpochKey(userId)));
    },
    loginEpochKey,
    async credentialEpoch(userId) {
      return parseEpoch(await store.get(epochKey(userId)));
    },
    async notify(req, userId, kind, data = {}) {
      if (!options.notify) return;
      try {
        await options.notify({
          userId,
          kind,
          time: now(),
          data,
          ...(req?.ip ? { ip: req.ip } : {}),
          ...(req?.get('user-agent') ? { userAgent: req.get('user-agent')?.slice(0, 256) } : {}),
        });
      } catch (err) {
        // A mail outage must not undo a security action that already happened; it is reported.
        events.emitFor(req, 'notify.failed', {
          userId,
          kind,
          reason: err instanceof Error ? err.name : 'error',
        });
      }
    },
    subjectOf(req: Request): Subject | undefined {
      const view = mfaOf(req);
      if (view.status === 'anonymous' || view.userId === undefined) return undefined;
      const record = readRecord(req);
      return {
        userId: view.userId,
        status: view.status,
        ...(view.status === 'pending' && record?.loginId ? { loginId: record.loginId } : {}),
      };
    },
  };

  for (const make of options.factors ?? []) {
    const factor = make(context);
    if (factor.name === resolved.firstFactor || factors.has(factor.name)) {
      throw new TypeError(`createStepup: factor name ${JSON.stringify(factor.name)} is used twice`);
    }
    factors.set(factor.name, factor);
    passport.use(factor.name, factor as unknown as Parameters<PassportLike['use']>[1]);
    // A factor that also signs users in on its own (passwordless passkeys) brings a
    // first-factor strategy; it runs through `authenticate()` like the password.
    const first = factor.firstFactorStrategy;
    if (first) {
      if (first.name === resolved.firstFactor || factors.has(first.name)) {
        throw new TypeError(
          `createStepup: strategy name ${JSON.stringify(first.name)} is used twice`,
        );
      }
      passport.use(first.name, first.strategy as Parameters<PassportLike['use']>[1]);
    }
  }
  if (options.password)
    passport.use(resolved.firstFactor, new PasswordStrategy(context, options.password));
  const registered: SecondFactorName[] = [...factors.keys()];
  assertEmailNotAlone(registered, resolved.firstFactor);
  // After the factors, so that their own option errors surface first.
  const rememberedBrowsers = createRememberedBrowsers(context, options.rememberBrowser);
  const devices = new DeviceRegistry(store, process.env.NODE_ENV === 'production');
  const grace = options.grace;
  const elevation = new Elevation(context, passport, factors, {
    loginHooks: [
      ...(rememberedBrowsers ? [rememberedBrowsers.loginHook] : []),
      ...(internals.loginHooks ?? []),
    ],
    when: options.when,
    grace: grace && {
      ...(grace.logins !== undefined ? { logins: grace.logins } : {}),
      ...(grace.until !== undefined
        ? { until: grace.until instanceof Date ? grace.until.getTime() : grace.until }
        : {}),
    },
    deviceBinding: (userId) => ({ registry: devices, userId }),
  });
  // Run by `POST /mfa/verify` (and an app's own verify page) after a second factor passed:
  // newDevice() learns this browser; the remember-this-browser cookie is issued when asked.
  const afterVerifyHooks: AfterVerifyHook[] = [
    ...(options.when
      ? ([(req, res, info) => devices.remember(req, res, info.userId)] as AfterVerifyHook[])
      : []),
    ...(rememberedBrowsers ? [rememberedBrowsers.afterVerify] : []),
  ];
  const afterVerify: AfterVerifyHook = async (req, res, info) => {
    for (const hook of afterVerifyHooks) await hook(req, res, info);
  };

  const guardDeps: GuardDeps = {
    now,
    registered,
    enrollable: registered.filter((name) => factors.get(name)?.enrollable !== false),
    loginUrl: resolved.loginUrl,
    challengeUrl: resolved.challengeUrl,
    defaultReturnTo: resolved.defaultReturnTo,
    htmlRedirects: resolved.htmlRedirects,
    aal3: resolved.view.aal3,
    ...(resolved.view.maxIdleMs !== undefined
      ? { maxIdleSeconds: resolved.view.maxIdleMs / 1000 }
      : {}),
    viewOf: mfaOf,
    touch,
    enrolledFactors: (userId) => elevation.enrolledFactors(userId),
  };

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
        factor: resolved.firstFactor,
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

  if (!options.credentials) warnMemoryCredentials();
  const enrolledFactors = (userId: string) => elevation.enrolledFactors(userId);
  const host: FactorHost = {
    context,
    mfaOf,
    enrolledFactors,
    secondFactor: (req, proof) => elevation.secondFactor(req, proof),
    authenticate: (strategy) => authenticate(strategy),
    afterVerify,
  };

  async function adminReset(
    req: Request | undefined,
    userId: string,
    adminId?: string,
  ): Promise<void> {
    for (const factor of factors.values()) await factor.reset?.(userId);
    await attempts.clear(userId);
    // The epoch bump below already kills every remembered browser; deleting the records too
    // leaves nothing of the old state behind (and empties the user's browser list).
    await rememberedBrowsers?.revokeAll(userId, req);
    await store.delete(storeKey(userId, 'devices'), storeKey(userId, 'grace-logins'));
    await context.credentialsChanged(req, userId, 'admin_reset');
    // The user's sessions end too: whoever held them had the factors that were just removed.
    if (req) await context.sessions.endOthers(req, userId);
    events.emitFor(req, 'admin.mfa_reset', { userId, adminId });
    await context.notify(req, userId, 'admin_reset', {});
  }
  const sessions = new ActiveSessions(context.sessions, resolved.view);
  const routerHost: RouterHost = {
    ...host,
    factors,
    events,
    rememberedBrowsers,
    sessions,
    adminReset,
  };

  return {
    [HOST]: host,
    store,
    credentials,
    migrate: () => credentials.migrate(),
    events,
    factors,
    enrolledFactors,
    afterVerify,
    middleware: () => (req, _res, next) => {
      touch(req);
      Object.defineProperty(req, 'mfa', {
        get: () => mfaOf(req),
        configurable: true,
        enumerable: false,
      });
      next();
    },
    stepUp,
    authenticate,
    rememberedBrowsers,
    sessions,
    requireAuth: createRequireAuth(guardDeps),
    requireMfa: createRequireMfa(guardDeps),
    router: (routerOptions) => createRouter(routerHost, routerOptions),
    errorHandler: (onInternal) => createErrorHandler(onInternal),
    mfaOf,
    changePassword: (req, input) => changePassword(context, req, input),
    adminReset,
  };
}

/** Epoch counters are in effect permanent (see credentialsChanged). */
const EPOCH_TTL_MS = 100 * 365 * 24 * 3600 * 1000;

/** Unexpected conditions go to stderr unless the app gives a logger; never a secret or a code. */
const defaultLogger: Logger = (message, fields) => {
  console.error(`passport-stepup: ${message}`, fields ?? {});
};

let warnedMemoryCredentials = false;

/**
 * Enrolled factors in memory die with the process: a restart would silently turn every enrolled
 * account back into a password-only one. Refused in production; one warning elsewhere (not under
 * the test runner, where every test builds its own instance on purpose).
 */
function warnMemoryCredentials(): void {
  if (process.env.NODE_ENV === 'production') {
    throw new TypeError(
      'createStepup: credentials is required in production: enrolled factors kept in memory are ' +
        'lost at every restart, and enrolled users would sign in with the password alone. Pass ' +
        "credentials: sqlCredentialStore({ url: 'postgres://user@db/app' }) and await " +
        'stepup.migrate() at start-up.',
    );
  }
  if (warnedMemoryCredentials || process.env.NODE_ENV === 'test') return;
  warnedMemoryCredentials = true;
  process.emitWarning(
    'passport-stepup: no credentials store; enrolled factors are kept in memory and lost at ' +
      'restart. Use sqlCredentialStore() for anything but a demo.',
    { code: 'PASSPORT_STEPUP_MEMORY_CREDENTIALS' },
  );
}

function readProof(info: unknown): FactorProof | undefined {
  const proof = (info as { stepup?: FactorProof } | null | undefined)?.stepup;
  if (!proof || (proof.kind !== 'first' && proof.kind !== 'second')) return undefined;
  return proof;
}

/** A strategy's `fail()` becomes a public error; unknown failures never say which part was wrong. */
function failureError(info: unknown, status: unknown, isSecond: boolean): StepupError {
  if (info instanceof StepupError) return info;
  if (status === 429) return new StepupError('TOO_MANY_ATTEMPTS');
  if (status === 400) return new StepupError('INVALID_REQUEST');
  return new StepupError(isSecond ? 'INVALID_CODE' : 'INVALID_CREDENTIALS');
}
