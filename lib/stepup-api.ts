/**
 * The public shape of what `createStepup()` returns (lib/create-stepup.ts builds it): the
 * middleware, the guards, the router and the services behind them.
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response, Router } from 'express';
import type { LockoutState } from './core/attempts.js';
import type { HasHost, SecondFactor } from './core/context.js';
import type { LoginHook } from './core/login-flow.js';
import type { StepupEvents } from './core/events.js';
import type { MfaView, RequireMfaOptions } from './core/types.js';
import type { ChangePasswordInput, ChangePasswordResult } from './password/change.js';
import type { RememberedBrowsers } from './remember-browser/service.js';
import type { StepUpOptions } from './remember-browser/options.js';
import type { RouterOptions } from './router/create-router.js';
import type { ActiveSessions } from './sessions/service.js';
import type { CredentialStore } from './stores/credentials/types.js';
import type { MfaStore } from './stores/types.js';

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
  /**
   * A guard for routes that need a signed-in user, whatever the second factor: passes
   * `authenticated` and `satisfied` sessions. A pending login (password only) gets
   * `401 mfa_required`, nobody signed in `401 authentication_required` (a browser is redirected
   * to `challengeUrl` / `loginUrl` instead, unless `htmlRedirects` is false).
   */
  requireAuth(): RequestHandler;
  /**
   * A guard for routes that need a second factor in this session (NIST SP 800-63B-4 AAL2):
   * `maxAge` (seconds since the factor), `factors`, `phishingResistant`, `aal`,
   * `allowRememberBrowser`. Options are checked when the route is declared (a TypeError for a
   * bad one); a refusal is `401 mfa_required` with a `reason` and, for JSON clients, an RFC 9470
   * `WWW-Authenticate` challenge.
   */
  requireMfa(options?: RequireMfaOptions): RequestHandler;
  /**
   * The JSON API (`POST /login`, `/mfa/verify`, enrolment, factors, sessions, …) to mount under
   * a prefix: `app.use('/auth', stepup.router())`. It checks CSRF on every write and answers
   * errors in one JSON shape.
   */
  router(options?: RouterOptions): Router;
  /**
   * JSON errors in the router's shape for the app's own routes; mount it last. Unexpected errors
   * (500) go to the `logger`, then to `onInternal`.
   */
  errorHandler(onInternal?: (err: unknown) => void): ErrorRequestHandler;
  /** The session's MFA state, for code that has no `req.mfa` (the middleware is optional). */
  mfaOf(req: Request): MfaView;
  /**
   * Remove every second factor of a user (lost device): factors, recovery codes, lockout,
   * every remembered browser (the credential epoch moves), pending login, reset link and bearer
   * token. Emits `admin.mfa_reset` and notifies the user. The user's signed-in sessions end only
   * when `req` is given (the session store is reached through a request): call it from the
   * admin's request, as `POST /auth/admin/users/:id/mfa/reset` does.
   */
  adminReset(req: Request | undefined, userId: string, adminId?: string): Promise<void>;
  /**
   * The account's second-factor lockout: consecutive failures, seconds until the current lock
   * ends, and whether sign-in with a second factor is suspended (100 failures by default; only
   * `adminReset` reopens it). For an admin page or support tooling.
   */
  lockoutState(userId: string): Promise<LockoutState>;
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
