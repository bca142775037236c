/**
 * Public vocabulary shared by the middleware, the guards and the router (docs/architecture.md).
 */

/** Where a session stands. */
export type MfaStatus = 'anonymous' | 'pending' | 'authenticated' | 'satisfied';

/**
 * RFC 8176 authentication method references. A passkey is `hwk` (a device-bound key) or `swk`
 * (a synced, backed-up key), with `user` when the authenticator verified the user and `mfa`
 * when that one ceremony proved two factors (passwordless with user verification).
 */
export type Amr =
  'pwd' | 'otp' | 'email' | 'sms' | 'rc' | 'rb' | 'hwk' | 'swk' | 'user' | 'mfa' | (string & {});

/** Second-factor strategy names as the API uses them. Apps may register their own. */
export type SecondFactorName =
  'totp' | 'email-otp' | 'sms-otp' | 'recovery-code' | 'passkey' | (string & {});

/**
 * Factors that resist phishing (NIST SP 800-63B-4 §3.2.5): the authenticator signs the origin
 * it is talking to, so a relaying proxy on another origin gets nothing usable. Codes of any
 * kind can be relayed.
 */
export const PHISHING_RESISTANT_FACTORS: readonly SecondFactorName[] = ['passkey'];

/** The read-only view of a session's MFA state (`req.mfa`). */
export interface MfaView {
  /** Where the session stands; only `authenticated` and `satisfied` are signed in. */
  readonly status: MfaStatus;
  /** The user of a pending or signed-in session (from `getUserId`); absent when anonymous. */
  readonly userId?: string;
  /** RFC 8176 methods proven in this session, in order (`['pwd', 'otp', 'mfa']`). */
  readonly amr: readonly Amr[];
  /** Second factors proven in this session, by strategy name. */
  readonly factors: readonly SecondFactorName[];
  /** When the first factor passed, in ms since the epoch. */
  readonly authTime?: number;
  /** When a second factor last passed in this session, in ms since the epoch (`maxAge`). */
  readonly mfaAt?: number;
  /**
   * When each second factor last passed in this session, by strategy name (ms since the epoch):
   * a route's `maxAge` with `factors` or `phishingResistant` is measured from the newest factor
   * the route accepts (docs/architecture.md, invariant 20). Absent on a session signed in before
   * the library recorded it; such a session reads as stale on those routes.
   */
  readonly factorTimes?: Readonly<Partial<Record<SecondFactorName, number>>>;
  /** True when a remembered-browser cookie stood in for the second factor (AAL1 only). */
  readonly viaRememberedBrowser: boolean;
  /** True when an adaptive rule (`when`) skipped the second factor at login. */
  readonly viaSkip?: boolean;
  /** Required mode, still in the grace period: what is left of it. */
  readonly enrollmentGrace?: {
    /** Logins left before enrolment is enforced (`grace.logins`). */
    readonly loginsLeft?: number;
    /** When enrolment becomes enforced, in ms since the epoch (`grace.until`). */
    readonly until?: number;
  };
  /** When a pending session stops being usable (ms since epoch). */
  readonly pendingExpiresAt?: number;
  /** Pending only: what the user must do next. */
  readonly next?: 'mfa' | 'enroll';
  /** Pending only: the second factors the login offered (its `mfa_required` answer's `factors`). */
  readonly offered?: readonly SecondFactorName[];
  /**
   * Signed in only: the authenticator assurance level of this session (NIST SP 800-63B-4 §2;
   * the table is in docs/architecture.md, "Assurance").
   */
  readonly aal?: 1 | 2 | 3;
  /** Signed in only: a phishing-resistant factor (a passkey) passed in this session. */
  readonly phishingResistant?: boolean;
  /** Signed in only: last activity seen (ms since epoch), at the granularity of the check. */
  readonly lastSeenAt?: number;
  /** Signed in only: idle for longer than `reauthentication.maxIdle`; guards ask to step up. */
  readonly idle?: boolean;
  /**
   * Present when the request came with an `Authorization: Bearer` token (the cookie session is
   * then ignored for the request): which token, and of which kind. Such a request can never
   * manage factors, tokens, the password or sessions (docs/architecture.md, invariant 22).
   */
  readonly bearer?: {
    /** The token's id (as `GET /auth/tokens` lists it), not the token. */
    readonly id: string;
    /** `sign-in` (`POST /auth/token`) or `personal` (`POST /auth/tokens`). */
    readonly kind: 'sign-in' | 'personal';
    /** When it stops working, in ms since the epoch. */
    readonly expiresAt: number;
  };
}

/** What is kept in `req.session[sessionKey]`. Never a secret or a code. */
export interface SessionMfaRecord {
  v: 1;
  status: Exclude<MfaStatus, 'anonymous'>;
  userId: string;
  amr: Amr[];
  factors: SecondFactorName[];
  authTime: number;
  mfaAt?: number;
  /** When each second factor last passed, by strategy name (`MfaView.factorTimes`). */
  factorTimes?: Partial<Record<SecondFactorName, number>>;
  viaRememberedBrowser: boolean;
  viaSkip?: boolean;
  enrollmentGrace?: { loginsLeft?: number; until?: number };
  /** Pending only: `passport.serializeUser` output, restored with `deserializeUser` at login. */
  serializedUser?: unknown;
  pendingExpiresAt?: number;
  next?: 'mfa' | 'enroll';
  /** Pending only: the second factors the login offered. */
  offered?: SecondFactorName[];
  /** Pending only: one random id per login attempt; challenges (email codes) bind to it. */
  loginId?: string;
  /** Pending only: the user's login epoch when the password passed (see `loginEpoch`). */
  loginEpoch?: number;
  /** The session id the record was written in; a record copied into another session is void. */
  sid?: string;
  /** Signed in only: last activity seen (ms since epoch), updated at most once a minute. */
  lastSeenAt?: number;
  /** Signed in only: this login's handle in the user's sessions list (never the session id). */
  handle?: string;
}

/** Per-route policy of `requireMfa()` (docs/architecture.md "Session states"). */
export interface RequireMfaOptions {
  /**
   * Seconds: the last second factor must be at most this old. With `factors` or
   * `phishingResistant`, the newest factor the route accepts must be (a fresh TOTP code does not
   * renew a passkey route).
   */
  readonly maxAge?: number;
  /**
   * When false, a session satisfied only by a remembered browser does not pass
   * (NIST SP 800-63B-4 §5.1.1: such a cookie is worth AAL1 only).
   * @default true
   */
  readonly allowRememberBrowser?: boolean;
  /** Second factors that count for this route. @default every registered factor */
  readonly factors?: readonly SecondFactorName[];
  /**
   * Only a session in which a phishing-resistant factor (a passkey) passed opens this route
   * (NIST SP 800-63B-4 §2.2.2: AAL2 verifiers offer, and may require, phishing resistance).
   * @default false
   */
  readonly phishingResistant?: boolean;
  /**
   * The least authenticator assurance level that opens this route (NIST SP 800-63B-4 §2): 1, 2,
   * or 3 (only with `createStepup({ assurance: { aal3: true } })` and a passkeys factor).
   */
  readonly aal?: 1 | 2 | 3;
}

/**
 * Why a guard refused (`reason` of `401 mfa_required`, and of the HTML redirect):
 * - `not_authenticated`: nobody is signed in;
 * - `pending`: the password passed but the second factor (or enrolment) has not;
 * - `not_enrolled`: the route needs a second factor and the user has none;
 * - `stale`: the last second factor the route accepts is older than the route's `maxAge`;
 * - `remembered_browser_not_allowed`: only a remembered browser vouched, and the route refuses it;
 * - `factor_not_allowed`: none of the route's `factors` passed in this session;
 * - `phishing_resistant_required`: the route needs a passkey in this session;
 * - `aal_too_low`: the session's assurance level is below the route's `aal`;
 * - `idle`: longer than `reauthentication.maxIdle` without activity.
 */
export type MfaReason =
  | 'not_authenticated'
  | 'pending'
  | 'not_enrolled'
  | 'stale'
  | 'remembered_browser_not_allowed'
  | 'factor_not_allowed'
  | 'phishing_resistant_required'
  | 'aal_too_low'
  | 'idle'
  | 'password_reset';

/** Outcome of evaluating a route policy against a session. */
export type PolicyDecision =
  | {
      /** The session meets the policy: let the request through. */
      readonly ok: true;
    }
  | {
      /** The session does not meet the policy. */
      readonly ok: false;
      /** Which requirement failed; decides what the user must do. */
      readonly reason: MfaReason;
      /** The second factors that would satisfy the route, as `mfa_required` lists them. */
      readonly factors: readonly SecondFactorName[];
    };

/**
 * Events the library emits; none ever carries a secret, a password or a code. A closed union:
 * each member is emitted somewhere and tested (test/core/events.catalogue.test.ts).
 */
export interface StepupEvent {
  /** What happened; docs/configuration.md, "Events", lists them. */
  readonly type: StepupEventType;
  /** The account concerned, when there is one (absent for a failed login of an unknown user). */
  readonly userId?: string;
  /** `req.ip` of the request that caused it (set Express's `trust proxy` behind a proxy). */
  readonly ip?: string;
  /** The request's `User-Agent`, cut to 256 characters. */
  readonly userAgent?: string;
  /** When, in ms since the epoch (the `now` clock of `createStepup`). */
  readonly time: number;
  /** The factor's strategy name, for factor events (`mfa.failed`, `totp.enabled`, …). */
  readonly factor?: string;
  /** Machine-readable cause, for failures and refusals (`invalid_code`, `code_expired`, …). */
  readonly reason?: string;
  /** Type-specific fields (`lockSeconds`, `remaining`, …); never a secret or a code. */
  readonly [extra: string]: unknown;
}

/** Every event type the library emits (a closed list; each has a test). */
export type StepupEventType =
  | 'login.failed'
  | 'login.first_factor'
  | 'login.pending'
  | 'login.authenticated'
  | 'login.satisfied'
  | 'login.throttled'
  | 'mfa.failed'
  | 'mfa.locked'
  | 'mfa.suspended'
  | 'mfa.step_up'
  | 'logout'
  | 'totp.enabled'
  | 'totp.disabled'
  | 'totp.replay'
  | 'recovery.used'
  | 'recovery.regenerated'
  | 'session.ended'
  | 'passkey.registered'
  | 'passkey.counter_regressed'
  | 'remember.used'
  | 'remember.issued'
  | 'remember.revoked'
  | 'remember.rejected'
  | 'admin.mfa_reset'
  | 'otp.sent'
  | 'otp.delivery_failed'
  | 'email_otp.enabled'
  | 'email_otp.disabled'
  | 'notify.failed'
  | 'credentials.changed'
  | 'credential.undecryptable'
  | 'password.changed'
  | 'password.reset_requested'
  | 'password.reset'
  | 'password.rehashed'
  | 'password.rehash_failed'
  | 'token.created'
  | 'token.revoked'
  | 'token.rejected';
