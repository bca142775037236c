/**
 * Every error the library answers with, in one map. The `code` is the public, stable
 * identifier of the JSON contract (README.md): clients branch on it, never on the message text.
 */
import type { MfaReason } from './types.js';

export const ERROR_CODES = {
  INVALID_REQUEST: {
    status: 400,
    code: 'invalid_request',
    message: 'The request body is not valid.',
  },
  INVALID_CREDENTIALS: {
    status: 401,
    code: 'invalid_credentials',
    message: 'The username or password is incorrect.',
  },
  INVALID_CODE: {
    status: 401,
    code: 'invalid_code',
    message: 'The code is incorrect or was already used.',
  },
  CODE_EXPIRED: {
    status: 410,
    code: 'code_expired',
    message: 'The code has expired. Ask for a new one.',
  },
  MFA_SESSION_EXPIRED: {
    status: 401,
    code: 'mfa_session_expired',
    message: 'The sign-in attempt has expired or does not exist. Sign in again with your password.',
  },
  MFA_REQUIRED: {
    status: 401,
    code: 'mfa_required',
    message: 'A second factor is required for this request.',
  },
  AUTHENTICATION_REQUIRED: {
    status: 401,
    code: 'authentication_required',
    message: 'Sign in first.',
  },
  TOO_MANY_ATTEMPTS: {
    status: 429,
    code: 'too_many_attempts',
    message: 'Too many failed attempts. Wait before trying again.',
  },
  RESEND_TOO_SOON: {
    status: 429,
    code: 'resend_too_soon',
    message: 'A code was sent recently. Wait before asking for another.',
  },
  FACTOR_NOT_ALLOWED: {
    status: 403,
    code: 'factor_not_allowed',
    message: 'This factor cannot be used here.',
  },
  FACTOR_NOT_ENROLLED: {
    status: 409,
    code: 'factor_not_enrolled',
    message: 'This factor is not set up for this account.',
  },
  CSRF_INVALID: {
    status: 403,
    code: 'csrf_invalid',
    // The usual cause is a client still sending the token of a session that rotated.
    message:
      'The CSRF token is missing or wrong. It changes with the session (sign-in, second factor, ' +
      'step-up, enrolment): send the csrfToken of the latest answer that had one, or get the ' +
      'current one from GET /auth/csrf, in the x-csrf-token header.',
  },
  FORBIDDEN: { status: 403, code: 'forbidden', message: 'You are not allowed to do this.' },
  NOT_FOUND: { status: 404, code: 'not_found', message: 'Not found.' },
  DELIVERY_FAILED: {
    status: 503,
    code: 'delivery_failed',
    message: 'The code could not be sent. Nothing was used up: try again in a moment.',
  },
  SERVICE_UNAVAILABLE: {
    status: 503,
    code: 'service_unavailable',
    message: 'The authentication service is temporarily unavailable. Try again shortly.',
  },
} as const;

export type ErrorKey = keyof typeof ERROR_CODES;
export type ErrorCode = (typeof ERROR_CODES)[ErrorKey]['code'];

/** What a refusal of a second factor says to do (`reason` of `mfa_required`). */
type MfaRequiredDetails = {
  readonly reason: MfaReason;
  readonly factors?: readonly string[];
  readonly maxAge?: number;
};

/**
 * The details each code carries in its JSON body, typed per code: a client (and our own code)
 * can rely on `retryAfter` being a number of seconds on every 429, on `reason` on every
 * `mfa_required`, and so on. Codes not listed carry no details of a fixed shape.
 */
export interface ErrorDetails {
  INVALID_REQUEST: {
    readonly field?: string;
    readonly fields?: readonly string[];
    readonly factors?: readonly string[];
    /** Why a new password was refused (`checkPasswordPolicy` reasons). */
    readonly reasons?: readonly string[];
  };
  INVALID_CODE: {
    /** `code_already_used`: a right code of a time step already accepted (TOTP replay). */
    readonly reason?: 'code_already_used';
    /** Seconds until the authenticator shows a code that can be accepted. */
    readonly nextCodeIn?: number;
  };
  TOO_MANY_ATTEMPTS: { readonly retryAfter: number };
  RESEND_TOO_SOON: { readonly retryAfter: number };
  DELIVERY_FAILED: { readonly retryAfter: number };
  MFA_REQUIRED: MfaRequiredDetails;
  AUTHENTICATION_REQUIRED: { readonly reason: 'not_authenticated' };
  FACTOR_NOT_ENROLLED: { readonly factors?: readonly string[] };
}
export type DetailsOf<K extends ErrorKey> = K extends keyof ErrorDetails
  ? ErrorDetails[K]
  : Readonly<Record<string, never>>;

/** An error with an HTTP status and a public code; details are merged into the JSON body. */
export class StepupError<K extends ErrorKey = ErrorKey> extends Error {
  override readonly name = 'StepupError';
  readonly status: number;
  readonly code: (typeof ERROR_CODES)[K]['code'];
  readonly details: Readonly<Record<string, unknown>> & Partial<DetailsOf<K>>;

  constructor(key: K, details?: DetailsOf<K>, message?: string) {
    const def = ERROR_CODES[key];
    super(message ?? def.message);
    this.status = def.status;
    this.code = def.code;
    this.details = (details ?? {}) as Readonly<Record<string, unknown>> & Partial<DetailsOf<K>>;
  }

  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.details };
  }
}

export function isStepupError(err: unknown): err is StepupError {
  return err instanceof StepupError;
}
