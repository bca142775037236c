/**
 * What passes along a sign-in or a step-up (docs/architecture.md, "Request flow"): whose second
 * factor is being checked, what a factor proved, what the session became, and the hooks that run
 * after the first factor and after a second one. Types only; they name nothing above core.
 */
import type { Request, Response } from 'express';
import type { Amr, SecondFactorName } from './types.js';

/** Whose second factor is being checked: the pending login, or the signed-in user stepping up. */
export interface Subject {
  /** Read from the session, never from the request body: a client cannot name another user. */
  readonly userId: string;
  /** `pending`: between password and second factor; otherwise a signed-in session stepping up. */
  readonly status: 'pending' | 'authenticated' | 'satisfied';
  /** Pending only: the login attempt this proof belongs to. */
  readonly loginId?: string;
}

/** What a successful factor tells `stepUp()` through Passport's `authInfo`. */
export interface FactorProof {
  /** Which step this proves: a first factor starts a login, a second one elevates it. */
  readonly kind: 'first' | 'second';
  /** Strategy name of the factor that passed (`password`, `totp`, …); recorded in the session. */
  readonly factor: string;
  /** The RFC 8176 method it adds to the session's `amr`. */
  readonly amr: Amr;
  /** Further RFC 8176 values this proof carries (a passkey: `user`, and `mfa` when passwordless). */
  readonly moreAmr?: readonly Amr[];
  /**
   * First factor only: a second factor proven in the same request (password + TOTP in one
   * field, or a passkey with user verification: possession and a PIN or biometric).
   */
  readonly alsoSecond?: {
    /** Strategy name of the second factor, as if it had passed on its own. */
    readonly factor: string;
    /** Its RFC 8176 method. */
    readonly amr: Amr;
  };
  /**
   * Second factor of a pending login: the user's login epoch, read in the same round trip as the
   * lockout state, so that `secondFactor` need not read it again; `null` when the MfaStore holds
   * none (lost), which voids the login.
   */
  readonly loginEpoch?: number | null;
}

/** What a login or verify request achieved (the `status` of the JSON contract). */
export type ElevationOutcome =
  | {
      /** Signed in: no second factor owed (or it just passed). */
      readonly status: 'authenticated';
      /** Every RFC 8176 method proven in the session so far. */
      readonly amr: readonly Amr[];
    }
  | {
      /** The password passed; the session is pending until a second factor passes. */
      readonly status: 'mfa_required';
      /** The user's enrolled second factors, in registration order: what to offer. */
      readonly factors: readonly SecondFactorName[];
      /** Seconds the pending login stays usable (`pendingTtlSeconds`). */
      readonly expiresIn: number;
    }
  | {
      /** Required mode and no factor enrolled: the pending login must enrol one first. */
      readonly status: 'enrollment_required';
      /** Seconds the pending login stays usable for enrolling (`pendingTtlSeconds`). */
      readonly expiresIn: number;
    };

/** Runs after a second factor passed through the router's verify endpoint. */
export type AfterVerifyHook = (
  req: Request,
  res: Response,
  info: { readonly userId: string; readonly factor: string; readonly rememberBrowser: boolean },
) => Promise<void>;

/**
 * A login-time rule consulted after the first factor, in order; the first answer other than
 * `default` wins. `remembered`: a remembered browser vouches (AAL1, amr `rb`); `skip`: no second
 * factor this time; `require`: a second factor (or enrolment) even in optional mode.
 */
export type LoginVerdict = 'remembered' | 'skip' | 'require' | 'default';
/**
 * A login-time rule (see {@link LoginVerdict}); `RememberedBrowsers.loginHook` is one. `user` is
 * the Passport user the first factor returned.
 */
export type LoginHook = (
  req: Request,
  userId: string,
  user: unknown,
) => Promise<LoginVerdict> | LoginVerdict;
