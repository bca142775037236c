/**
 * What every part of the library is handed, as narrow interfaces (docs/architecture.md,
 * "Layers"): the `StepupContext` a factor gets, the `FactorHost` the routes and services of a
 * feature get, and the registry's typed factor lookup. The hook and proof types that pass
 * between them are in lib/core/login-flow.ts. Nothing here imports a feature, the router or the
 * composition root, so every layer above can depend on it.
 */
import type { Request, RequestHandler, Router } from 'express';
import type { AttemptCounter } from './attempts.js';
import type { StepupEvents } from './events.js';
import type { CredentialStore } from '../stores/credentials/types.js';
import type { MfaStore } from '../stores/types.js';
import type { SessionIndex } from './session-index.js';
import type { ViewPolicy } from './session-state.js';
import type { AfterVerifyHook, ElevationOutcome, FactorProof, Subject } from './login-flow.js';
import type { Amr, MfaView, SecondFactorName } from './types.js';

/** Kinds of security notice sent to a user (docs/architecture.md, invariant 11). */
export type NoticeKind =
  | 'factor_enabled'
  | 'factor_disabled'
  | 'recovery_code_used'
  | 'recovery_codes_regenerated'
  | 'remembered_browser_added'
  | 'admin_reset'
  | 'lockout'
  | 'mfa_suspended'
  | 'password_changed'
  | 'password_reset'
  | 'token_created';

/** A security notice about one user; never carries a code or a secret. */
export interface SecurityNotice {
  /** The user to tell (the account concerned, not an admin who acted on it). */
  readonly userId: string;
  /** What happened; decides the template of `emailNotifier`. */
  readonly kind: NoticeKind;
  /** When, in ms since the epoch (the `now` clock of `createStepup`). */
  readonly time: number;
  /** The address of the request that caused it (`req.ip`: set Express's `trust proxy`). */
  readonly ip?: string;
  /** The request's `User-Agent`, cut to 256 characters. */
  readonly userAgent?: string;
  /** Kind-specific fields, e.g. `factor` for `factor_enabled`, `remaining` for recovery codes. */
  readonly data: Readonly<Record<string, unknown>>;
}
/**
 * Receives every security notice (`createStepup({ notify })`), e.g. `emailNotifier(…)`. Notices
 * tell users that their account changed so they can react to a change they did not make
 * (NIST SP 800-63B-4 §4, authenticator events). A rejection is reported as a `notify.failed` event; it never undoes
 * the action or fails the request.
 */
export type Notifier = (notice: SecurityNotice) => void | Promise<void>;

/** `createStepup()` options after validation and defaults. */
export interface ResolvedOptions {
  /** `StepupOptions.mode`. */
  readonly mode: 'optional' | 'required';
  /** Passport strategy name of the first factor at `POST /auth/login`. */
  readonly firstFactor: string;
  /** Lifetime of a pending login in milliseconds (`pendingTtlSeconds` × 1000). */
  readonly pendingTtlMs: number;
  /** Same-origin path of the app's second-factor page, where guards redirect browsers. */
  readonly challengeUrl: string;
  /** Same-origin path of the app's login page. */
  readonly loginUrl: string;
  /** Same-origin path `returnTo` falls back to when it is absent or unsafe. */
  readonly defaultReturnTo: string;
  /** False: guards answer browsers with the 401 JSON body too (API-only apps). */
  readonly htmlRedirects: boolean;
  /** How a session record reads: assurance opt-in and reauthentication limits. */
  readonly view: ViewPolicy;
  /** Reads the id of a Passport user (`getUserId`; the default throws a TypeError without one). */
  readonly getUserId: (user: unknown) => string;
  /** Decides access to the admin endpoints; refuses everyone unless the app configured it. */
  readonly isAdmin: (req: Request) => boolean | Promise<boolean>;
  /** The app's user lookup for the admin reset (`userExists`); absent: the library's own rows. */
  readonly userExists?: (userId: string) => boolean | Promise<boolean>;
  /** Seconds a second factor stays fresh enough to change factors (`assertFreshMfa`). */
  readonly freshSeconds: number;
}

/**
 * A second factor as the registry holds it. `SecondFactorStrategy` (the Passport face) is the
 * usual implementation; the registry and the features only rely on this.
 */
export interface SecondFactor {
  /**
   * Registry key, Passport strategy name and the `factor` clients send to
   * `POST /auth/mfa/verify`; unique among the registered factors.
   */
  readonly name: SecondFactorName;
  /** The RFC 8176 method recorded in the session's `amr` when this factor passes. */
  readonly amr: Amr;
  /** True when this user can use the factor now (enrolled and confirmed). */
  isEnrolled(userId: string): Promise<boolean>;
  /**
   * False for a factor a user cannot set up as a first second factor: recovery codes back up
   * another factor and come with it. Guards leave such factors out of `not_enrolled` refusals.
   * @default true
   */
  readonly enrollable?: boolean;
  /** Optional: add this factor's endpoints (enrol, confirm, disable…) to the JSON router. */
  mountRoutes?(router: Router, host: FactorHost): void;
  /** Optional: fields this factor adds to `GET /auth/session` for a signed-in user. */
  sessionInfo?(userId: string): Promise<Record<string, unknown>>;
  /** Optional: remove every trace of this factor for the user (admin reset). */
  reset?(userId: string): Promise<void>;
  /**
   * Optional: a first-factor Passport strategy this factor also offers (passwordless sign-in
   * with a passkey); `createStepup` registers it with Passport under `name`.
   */
  readonly firstFactorStrategy?: {
    /** The Passport strategy name (`passkey-login` for passkeys); must not clash with another. */
    readonly name: string;
    /** The Passport strategy instance. */
    readonly strategy: unknown;
  };
}

/**
 * A typed handle on one registered factor: a feature declares the interface it needs of its
 * factor (`FactorKey<TotpFactor>`) and gets it back from `host.factor(key)` without a cast.
 * `is` checks at run time that the registered object really has that shape (an app may register
 * its own strategy under a built-in name).
 */
export interface FactorKey<T> {
  /** The registry name the factor is looked up under. */
  readonly name: SecondFactorName;
  /** True when the registered factor has every method the feature calls. */
  readonly is: (factor: SecondFactor) => boolean;
  /** Type carrier only; never set. */
  readonly _type?: T;
}

/** Build a `FactorKey` from a name and the methods the feature calls. */
export function factorKey<T>(name: SecondFactorName, methods: readonly string[]): FactorKey<T> {
  return {
    name,
    is: (factor) =>
      methods.every((m) => typeof (factor as unknown as Record<string, unknown>)[m] === 'function'),
  };
}

/** The one registry lookup: the factor registered under `key.name`, when it has the shape. */
export function lookupFactor<T>(
  factors: ReadonlyMap<string, SecondFactor>,
  key: FactorKey<T>,
): T | undefined {
  const factor = factors.get(key.name);
  // The only cast of a registered factor in the library: `key.is` has just checked the shape.
  return factor && key.is(factor) ? (factor as unknown as T) : undefined;
}

/**
 * Where unexpected conditions are reported (an undecryptable secret, a backend outage): one line
 * and a few fields, never a secret or a code. `createStepup({ logger })`; default console.error.
 */
export type Logger = (message: string, fields?: Readonly<Record<string, unknown>>) => void;

/** What every factor gets from `createStepup()`. */
export interface StepupContext {
  /** Short-lived state: counters, codes in flight, pending enrolments, remembered browsers. */
  readonly store: MfaStore;
  /** The durable record of enrolled authenticators (docs/architecture.md, "Where state lives"). */
  readonly credentials: CredentialStore;
  /** Where to report unexpected conditions (`createStepup({ logger })`). */
  readonly log: Logger;
  /** The clock, in ms since the epoch; use it rather than `Date.now` so tests can move time. */
  readonly now: () => number;
  /** Emit events with `events.emitFor(req, type, fields)`; never put a secret in `fields`. */
  readonly events: StepupEvents;
  /**
   * The account's lockout counter, shared by every second factor. A factor that checks codes
   * outside `SecondFactorStrategy` must go through `attempts.attempt(…)` so that its guesses
   * count too.
   */
  readonly attempts: AttemptCounter;
  /**
   * The users' active sessions (list, end one, end the others).
   * @internal Used by the session routes and the password change; not a stable API.
   */
  readonly sessions: SessionIndex;
  /** `createStepup()` options after validation and defaults. */
  readonly options: ResolvedOptions;
  /**
   * Whose second factor this request may prove, from the session: the pending login, or the
   * signed-in user stepping up; `undefined` for an anonymous session.
   */
  subjectOf(req: Request): Subject | undefined;
  /**
   * The user's credentials changed (factor disabled, password changed, recovery code used,
   * admin reset): bump the credential epoch so that every remembered browser issued before
   * fails without a scan.
   */
  credentialsChanged(req: Request | undefined, userId: string, reason: string): Promise<void>;
  /** Every registered second factor by name (filled as they are built). */
  readonly factors: ReadonlyMap<string, SecondFactor>;
  /** A registered factor through its typed key (see `FactorKey`). */
  factor<T>(key: FactorKey<T>): T | undefined;
  /** The user's credential epoch (0 when never bumped). */
  credentialEpoch(userId: string): Promise<number>;
  /**
   * The user's login epoch: moves on a password change, a reset and an admin reset. A pending
   * login started before it moved is void at its second factor (allauth-2fa #70: a thief holding
   * the old password must not finish a login after the victim changed it). `null` when the
   * MfaStore holds none: never started, or lost (a flushed or evicted key), which voids every
   * login and link that recorded one (docs/architecture.md, invariant 16).
   */
  loginEpoch(userId: string): Promise<number | null>;
  /**
   * The login epoch a new pending login or reset link records: the current one, started at a
   * random value when the MfaStore holds none, so that an epoch lost and started again never
   * repeats a value an older login recorded.
   */
  startLoginEpoch(userId: string): Promise<number>;
  /** The MFA-store key of the login epoch, to read it with other keys of the user at once. */
  loginEpochKey(userId: string): string;
  /** Send a security notice through the app's notifier; failures are reported, never thrown. */
  notify(
    req: Request | undefined,
    userId: string,
    kind: NoticeKind,
    data?: Record<string, unknown>,
  ): Promise<void>;
}

/** A factor as passed to `createStepup({ factors })`: built once the context exists. */
export type FactorFactory = (ctx: StepupContext) => SecondFactor;

/**
 * What the routes and services of a feature need from the library, and nothing more. The
 * composition root builds it; `Stepup` carries it under the `HOST` symbol so that the public
 * service functions (`beginTotp(stepup, req)`) accept the object apps already have.
 */
export interface FactorHost {
  /** The same context every factor is built with. */
  readonly context: StepupContext;
  /** The session's MFA state (`req.mfa`). */
  mfaOf(req: Request): MfaView;
  /** The registered factors this user has enrolled, in registration order. */
  enrolledFactors(userId: string): Promise<SecondFactorName[]>;
  /** Record a second factor proven outside Passport (a TOTP confirm): satisfied, new session id. */
  secondFactor(req: Request, proof: FactorProof): Promise<ElevationOutcome>;
  /** `passport.authenticate(name)` + `stepUp()`; the outcome lands in `res.locals.stepup`. */
  authenticate(strategy: string): RequestHandler;
  /** The hooks configured to run after a second factor passed (remember this browser…). */
  afterVerify: AfterVerifyHook;
  /** Note activity on a request a guard let through (`reauthentication.maxIdle`, sessions list). */
  touch(req: Request): void;
}

/** The key under which `Stepup` carries its `FactorHost`. */
export const HOST: unique symbol = Symbol.for('passport-stepup.host');

/** Anything that carries a host: the `Stepup` object an app holds. */
export interface HasHost {
  /** What the public service functions (`beginTotp(stepup, req)`) read; apps never use it. */
  readonly [HOST]: FactorHost;
}

/** What the public service functions accept: the app's `Stepup`, or a host. */
export type Hosted = HasHost | FactorHost;

/** The host of a `Stepup` (or a host itself). */
export function hostOf(from: Hosted): FactorHost {
  return HOST in from ? (from as HasHost)[HOST] : (from as FactorHost);
}
