import type { Request } from 'express';
import defaultPassport from 'passport';
import { AttemptCounter } from './core/attempts.js';
import { createErrorHandler } from './http/error-handler.js';
import { StepupEvents } from './core/events.js';
import { HOST, type FactorHost, type SecondFactor, type StepupContext } from './core/context.js';
import type { AfterVerifyHook } from './core/login-flow.js';
import { createContext } from './core/stepup-context.js';
import { createLoginHandlers, inOrder } from './login-handlers.js';
import { resolveOptions, type StepupOptions } from './options.js';
import { changePassword, endUserSessions } from './password/change.js';
import { hashPassword } from './password/hash.js';
import { checkPasswordPolicy } from './password/policy.js';
import { resolvePasswordReset } from './password-reset/options.js';
import { attachPasswordReset, PasswordReset } from './password-reset/service.js';
import { StepupError } from './core/errors.js';
import type { PassportLike } from './core/passport-glue.js';
import { createRequireAuth, createRequireMfa } from './step-up/require-mfa.js';
import { createRouter, type RouterHost } from './router/create-router.js';
import { ActiveSessions } from './sessions/service.js';
import { defaultLogger, warnMemoryCredentials } from './create-stepup-defaults.js';
import { bearerAware } from './bearer-tokens/guard.js';
import { attachBearerTokens } from './bearer-tokens/personal.js';
import { BearerTokens } from './bearer-tokens/service.js';
import { resolveBearerTokenOptions } from './bearer-tokens/options.js';
import { createRequestViews } from './core/request-view.js';
import { Elevation } from './step-up/elevation.js';
import { createRememberedBrowsers } from './remember-browser/service.js';
import { DeviceRegistry } from './step-up/when-rules.js';
import { assertEmailNotAlone } from './one-time-code/policy.js';
import { MemoryStore } from './stores/memory.js';
import { RedisStore } from './stores/redis.js';
import { MemoryCredentialStore } from './stores/credentials/memory.js';
import { storeKey } from './stores/types.js';
import { PasswordStrategy } from '../strategies/password.js';
import type { SecondFactorName } from './core/types.js';
import type { Stepup, StepupInternals } from './stepup-api.js';

export type { AfterVerifyHook } from './core/login-flow.js';
export type { Stepup, StepupInternals } from './stepup-api.js';

/**
 * The one entry point: wires the store, the clock, the factors, the events and the guards.
 *
 * @throws TypeError at start-up for an unknown or malformed option (it names the option), a
 * factor registered twice, or `credentials` left out in production.
 */
export function createStepup(options: StepupOptions = {}): Stepup {
  return buildStepup(options, {});
}

/** `createStepup` with test seams (lib/stepup-api.ts, `StepupInternals`). @internal */
export function buildStepup(options: StepupOptions, internals: StepupInternals): Stepup {
  const resolved = resolveOptions(options);
  const now = options.now ?? Date.now;
  const store = options.store ?? new MemoryStore({ now });
  const credentials = options.credentials ?? new MemoryCredentialStore();
  const log = options.logger ?? defaultLogger;
  // The Redis client the store made reports its outages here too (once per outage).
  if (store instanceof RedisStore) store.adoptLogger(log);
  const passport: PassportLike = options.passport ?? (defaultPassport as unknown as PassportLike);
  const events = new StepupEvents(now, options.onEvent);
  // The lockout notice tells the real user that someone holding their password guesses codes;
  // the credential store keeps the streak of failures durably (docs/architecture.md, inv. 19).
  const attempts = new AttemptCounter(
    store,
    events,
    options.lockout,
    (req, userId, factor, kind) => context.notify(req, userId, kind, { factor }),
    now,
    credentials,
  );
  const bearerOn = options.bearerTokens !== undefined;
  const views = createRequestViews({
    bearerTokens: bearerOn,
    now,
    getUserId: resolved.getUserId,
    policy: resolved.view,
  });
  const { mfaOf, touch } = views;

  const factors = new Map<string, SecondFactor>();
  const context: StepupContext = createContext({
    store,
    credentials,
    log,
    now,
    events,
    attempts,
    options: resolved,
    factors,
    notify: options.notify,
    mfaOf,
  });

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
  const elevation = new Elevation(context, passport, {
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
    devices,
  });
  // Run by `POST /mfa/verify` (and an app's own verify page) after a second factor passed:
  // newDevice() learns this browser; the remember-this-browser cookie is issued when asked.
  const afterVerifyHooks: AfterVerifyHook[] = [
    ...(options.when
      ? ([(req, res, info) => devices.remember(req, res, info.userId)] as AfterVerifyHook[])
      : []),
    ...(rememberedBrowsers ? [rememberedBrowsers.afterVerify] : []),
  ];
  const afterVerify = inOrder(afterVerifyHooks);

  const enrolledFactors = (userId: string) => elevation.enrolledFactors(userId);
  const { stepUp, authenticate, handlerFor } = createLoginHandlers(context, passport, elevation);

  if (!options.credentials) warnMemoryCredentials();
  const host: FactorHost = {
    context,
    mfaOf,
    enrolledFactors,
    secondFactor: (req, proof) => elevation.secondFactor(req, proof),
    authenticate: handlerFor,
    afterVerify,
    touch,
  };

  // "Forgot password" reuses the password feature's policy, hash and session ending; the
  // feature gets them as functions (a feature never imports another, docs/architecture.md).
  const passwordReset = options.passwordReset
    ? new PasswordReset(host, resolvePasswordReset(options.passwordReset, store), {
        check(newPassword, account) {
          const verdict = checkPasswordPolicy(newPassword, {
            ...(account.username ? { username: account.username } : {}),
            ...(account.email ? { email: account.email } : {}),
          });
          if (!verdict.ok) {
            throw new StepupError(
              'INVALID_REQUEST',
              { field: 'newPassword', reasons: verdict.reasons },
              `The new password is not acceptable: ${verdict.reasons.join(', ')}.`,
            );
          }
        },
        // The password factor's parameters, so that the next login does not rehash at once.
        hash: (newPassword) => hashPassword(newPassword, options.password?.params),
        endSessions: (req, userId) => endUserSessions(context, req, userId),
      })
    : undefined;
  if (passwordReset) attachPasswordReset(host, passwordReset);
  const bearerTokens = bearerOn
    ? new BearerTokens(host, resolveBearerTokenOptions(options.bearerTokens ?? {}), passport)
    : undefined;
  if (bearerTokens) attachBearerTokens(host, bearerTokens);

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
    // A reset link sent before is void too (it also carries the old login epoch).
    await passwordReset?.tokens.voidFor(userId);
    // The user's sessions end too: whoever held them had the factors that were just removed.
    if (req) await context.sessions.endOthers(req, userId);
    // The audit trail names who acted (OWASP ASVS 5.0 V16.3, security events): the caller's
    // id, else the user signed in on the request that asked for it.
    const actor = adminId ?? (req ? mfaOf(req).userId : undefined);
    events.emitFor(req, 'admin.mfa_reset', { userId, adminId: actor });
    await context.notify(req, userId, 'admin_reset', {});
  }
  const sessions = new ActiveSessions(context.sessions, resolved.view);
  const routerHost: RouterHost = {
    ...host,
    factors,
    events,
    rememberedBrowsers,
    sessions,
    passwordReset,
    bearerTokens,
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
    middleware: () => views.middleware,
    stepUp,
    authenticate,
    rememberedBrowsers,
    sessions,
    requireAuth: bearerAware(createRequireAuth(host), bearerTokens),
    requireMfa: bearerAware(createRequireMfa(host), bearerTokens),
    router: (routerOptions) => createRouter(routerHost, routerOptions),
    errorHandler: (onInternal) => createErrorHandler(onInternal, log),
    mfaOf,
    changePassword: (req, input) => changePassword(context, req, input),
    adminReset,
    lockoutState: (userId) => attempts.state(userId),
  };
}
