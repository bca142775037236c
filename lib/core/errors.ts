/**
 * `StepupError`, the one error type of every refusal, and the details each code carries in its
 * JSON body. The codes, their HTTP statuses and default messages are in the map of
 * lib/core/error-codes.ts.
 */
import { ERROR_CODES, type ErrorCodes, type ErrorKey } from './error-codes.js';
import type { MfaReason } from './types.js';

/** What a refusal of a second factor says to do (the details of `mfa_required`). */
export interface MfaRequiredDetails {
  /** Why the request was refused, and so what the client should do next. */
  readonly reason: MfaReason;
  /**
   * The second factors that would satisfy the route (registered, enrolled by the user and
   * allowed by its policy); empty with `not_enrolled`.
   */
  readonly factors?: readonly string[];
  /** With `stale`: seconds within which the second factor must have passed. */
  readonly maxAge?: number;
}

/**
 * The details each code carries in its JSON body, typed per code: a client (and our own code)
 * can rely on `retryAfter` being a number of seconds on every 429, on `reason` on every
 * `mfa_required`, and so on. Codes not listed carry no details of a fixed shape.
 */
export interface ErrorDetails {
  /** Details of `invalid_request`. */
  INVALID_REQUEST: {
    /** The one field that was wrong. */
    readonly field?: string;
    /** Every field that was wrong, when validation found several. */
    readonly fields?: readonly string[];
    /** The factors the request could have named (an unknown `factor`). */
    readonly factors?: readonly string[];
    /** Why a new password was refused (`checkPasswordPolicy` reasons). */
    readonly reasons?: readonly string[];
    /** A limit the request would exceed (`tokens`: the most a user may hold). */
    readonly limit?: number;
  };
  /** Details of `invalid_code`. */
  INVALID_CODE: {
    /** `code_already_used`: a right code of a time step already accepted (TOTP replay). */
    readonly reason?: 'code_already_used';
    /** Seconds until the authenticator shows a code that can be accepted. */
    readonly nextCodeIn?: number;
  };
  /** Details of `too_many_attempts`. */
  TOO_MANY_ATTEMPTS: {
    /** Seconds until the lock or throttle ends (also the `Retry-After` header). */
    readonly retryAfter: number;
  };
  /** Details of `resend_too_soon`. */
  RESEND_TOO_SOON: {
    /** Seconds until a new code may be sent. */
    readonly retryAfter: number;
  };
  /** Details of `delivery_failed`. */
  DELIVERY_FAILED: {
    /** Seconds to wait before asking for the code again. */
    readonly retryAfter: number;
  };
  /** Details of `mfa_required`. */
  MFA_REQUIRED: MfaRequiredDetails;
  /** Details of `authentication_required`. */
  AUTHENTICATION_REQUIRED: {
    /**
     * `not_authenticated`, as in `mfa_required`, so that clients can switch on `reason`;
     * `stale`: signed in, but too long ago for this action (a personal token of an account
     * without a second factor needs a recent password).
     */
    readonly reason: 'not_authenticated' | 'stale';
  };
  /** Details of `factor_not_allowed`. */
  FACTOR_NOT_ALLOWED: {
    /** The factors this request may use instead. */
    readonly factors?: readonly string[];
  };
  /** Details of `factor_not_enrolled`. */
  FACTOR_NOT_ENROLLED: {
    /** The factors the user has enrolled and could use instead. */
    readonly factors?: readonly string[];
  };
}
/** The details type of one error key: its entry in {@link ErrorDetails}, or no fields. */
export type DetailsOf<K extends ErrorKey> = K extends keyof ErrorDetails
  ? ErrorDetails[K]
  : Readonly<Record<string, never>>;

/**
 * Every refusal the library throws or passes to `next()`: the router, the guards, the
 * strategies and the service functions (`beginTotp`, `assertFreshMfa`, …). `createErrorHandler()`
 * (`stepup.errorHandler()`) answers it with `status` and `toJSON()`; anything that is not a
 * `StepupError` (nor a backend outage) answers 500 without details. Throw one from your own
 * routes to answer in the same shape.
 *
 * @typeParam K - the error key; narrows `code` and `details`.
 */
export class StepupError<K extends ErrorKey = ErrorKey> extends Error {
  /** Always `'StepupError'`; survives serialisation where `instanceof` does not. */
  override readonly name = 'StepupError';
  /** HTTP status the error handler answers with (400, 401, 403, 404, 409, 410, 429 or 503). */
  readonly status: number;
  /** The public `error` code of the JSON body; clients branch on it, never on `message`. */
  readonly code: ErrorCodes[K]['code'];
  /**
   * Extra fields merged into the JSON body (`retryAfter`, `reason`, `factors`, …), typed per
   * code by {@link ErrorDetails}. Never holds a secret or a code.
   */
  readonly details: Readonly<Record<string, unknown>> & Partial<DetailsOf<K>>;

  /**
   * @param key - which error of {@link ERROR_CODES}.
   * @param details - fields for the JSON body; required where the code has mandatory ones
   *   (`retryAfter` on every 429, `reason` on `mfa_required`).
   * @param message - replaces the default message of the key.
   */
  constructor(key: K, details?: DetailsOf<K>, message?: string) {
    const def = ERROR_CODES[key];
    super(message ?? def.message);
    this.status = def.status;
    this.code = def.code;
    this.details = (details ?? {}) as Readonly<Record<string, unknown>> & Partial<DetailsOf<K>>;
  }

  /** The JSON body: `{ error: code, message, ...details }`. */
  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.details };
  }
}

/** `instanceof StepupError`, as a type guard for `catch (err: unknown)`. */
export function isStepupError(err: unknown): err is StepupError {
  return err instanceof StepupError;
}
