/**
 * Every error the library answers with, in one map. The `code` is the public, stable
 * identifier of the JSON contract (docs/http-api.md): clients branch on it, never on the message text.
 */
/**
 * How one error answers over HTTP. `createErrorHandler()` and the router send
 * `status` with the body `{ "error": code, "message": message, ...details }`.
 */
export interface ErrorDefinition<Status extends number = number, Code extends string = string> {
  /** HTTP status of the answer. */
  readonly status: Status;
  /** The body's `error`: stable snake_case, part of the JSON contract; clients branch on it. */
  readonly code: Code;
  /**
   * Default English sentence for the body's `message` (a throw site may pass a more precise
   * one). Wording may change in any release: show it, never parse it.
   */
  readonly message: string;
}

/**
 * The type of {@link ERROR_CODES}: every error key with its status and code, and when the
 * library answers with it.
 */
export interface ErrorCodes {
  /**
   * The body, query or URL failed validation (zod schemas, malformed JSON, a body over the
   * size limit, a URL that cannot be decoded). `field` or `fields` name what was wrong when
   * known; a refused new password carries `reasons`.
   */
  readonly INVALID_REQUEST: ErrorDefinition<400, 'invalid_request'>;
  /**
   * The first factor failed: unknown user, wrong password, locked account or a passkey that
   * did not verify, with one answer for all so that it does not tell which (no user
   * enumeration, OWASP ASVS 5.0 V6.3.8).
   */
  readonly INVALID_CREDENTIALS: ErrorDefinition<401, 'invalid_credentials'>;
  /**
   * A second-factor code (or passkey assertion) was wrong or already used; counts on the
   * account's lockout. A replayed TOTP code carries `reason: 'code_already_used'` and
   * `nextCodeIn`.
   */
  readonly INVALID_CODE: ErrorDefinition<401, 'invalid_code'>;
  /**
   * A password-reset token that is missing, malformed, unknown, expired, already used, or
   * voided (a newer request, a password change or reset, an admin reset). One answer for all.
   */
  readonly INVALID_TOKEN: ErrorDefinition<400, 'invalid_token'>;
  /**
   * A password reset for an account whose only second factor is the mailbox the reset link
   * went to (email codes): the link and the code would be one proof twice, so the account
   * cannot be recovered alone. Send the user to support for an admin reset
   * (docs/architecture.md, invariant 21).
   */
  readonly RECOVERY_NEEDS_ADMIN: ErrorDefinition<403, 'recovery_needs_admin'>;
  /**
   * An `Authorization: Bearer` token that is malformed, unknown, expired or revoked (RFC 6750
   * §3.1 `invalid_token`; the answer carries `WWW-Authenticate: Bearer error="invalid_token"`).
   * One answer for all, so that a probe learns nothing (docs/architecture.md, invariant 22).
   */
  readonly BEARER_TOKEN_INVALID: ErrorDefinition<401, 'invalid_token'>;
  /**
   * The request came with a bearer token, and this action needs a signed-in browser session:
   * managing factors, tokens, the password or sessions, admin actions and step-ups are never
   * done with a token (docs/architecture.md, invariant 22).
   */
  readonly INTERACTIVE_SESSION_REQUIRED: ErrorDefinition<403, 'interactive_session_required'>;
  /**
   * The code sent by email or SMS expired or was never issued for this login (an expired code
   * does not count on the lockout), or the passkey challenge is gone. Ask for a new one.
   */
  readonly CODE_EXPIRED: ErrorDefinition<410, 'code_expired'>;
  /**
   * A second-factor step without a usable pending login: none in the session, it expired
   * (`pendingTtlSeconds`), or it was voided by a password change or an admin reset.
   */
  readonly MFA_SESSION_EXPIRED: ErrorDefinition<401, 'mfa_session_expired'>;
  /**
   * A guard or service needs a (fresh, or stronger) second factor first. Always carries
   * `reason` (an {@link MfaReason}), usually `factors`, and `maxAge` for `stale`.
   */
  readonly MFA_REQUIRED: ErrorDefinition<401, 'mfa_required'>;
  /** Nobody is signed in; the guards and services add `reason: 'not_authenticated'`. */
  readonly AUTHENTICATION_REQUIRED: ErrorDefinition<401, 'authentication_required'>;
  /**
   * The account's second-factor lockout, or the password throttle, is in force. `retryAfter`
   * is in seconds and is also sent as the `Retry-After` header.
   */
  readonly TOO_MANY_ATTEMPTS: ErrorDefinition<429, 'too_many_attempts'>;
  /**
   * The account reached `lockout.suspendAfter` consecutive second-factor failures (100 by
   * default, NIST SP 800-63B-4 §3.2.2): no code is checked any more, whatever the factor, until
   * an admin reset. No `retryAfter`: waiting does not help.
   */
  readonly MFA_SUSPENDED: ErrorDefinition<423, 'mfa_suspended'>;
  /** A new email or SMS code was asked for within the resend interval; `retryAfter` in seconds. */
  readonly RESEND_TOO_SOON: ErrorDefinition<429, 'resend_too_soon'>;
  /**
   * `POST /auth/mfa/verify` named a registered factor the user has not enrolled, so it cannot
   * prove anything for them.
   */
  readonly FACTOR_NOT_ALLOWED: ErrorDefinition<403, 'factor_not_allowed'>;
  /**
   * The operation needs a factor that is not registered with `createStepup` or that the user
   * has not set up (a code sent to no enrolled address, recovery codes before any other
   * factor); `factors` lists what the user has when it matters.
   */
  readonly FACTOR_NOT_ENROLLED: ErrorDefinition<409, 'factor_not_enrolled'>;
  /**
   * A `POST`/`DELETE` without the session's CSRF token. The token changes whenever the session
   * id rotates, so the usual cause is a client still sending an old one.
   */
  readonly CSRF_INVALID: ErrorDefinition<403, 'csrf_invalid'>;
  /** An admin endpoint called by someone `isAdmin` refuses. */
  readonly FORBIDDEN: ErrorDefinition<403, 'forbidden'>;
  /**
   * The factor, session or remembered browser named in the URL does not exist among the
   * caller's own (another user's id answers the same, so ids cannot be probed).
   */
  readonly NOT_FOUND: ErrorDefinition<404, 'not_found'>;
  /**
   * The mailer or SMS sender failed (a {@link DeliveryError}); the undelivered code was
   * dropped and nothing counts. `retryAfter` in seconds.
   */
  readonly DELIVERY_FAILED: ErrorDefinition<503, 'delivery_failed'>;
  /**
   * A backend (MFA store, credential store, session store) cannot be reached: the request is
   * refused rather than decided without its state (fail closed, docs/architecture.md,
   * invariant 9). `Retry-After` is sent.
   */
  readonly SERVICE_UNAVAILABLE: ErrorDefinition<503, 'service_unavailable'>;
}

/**
 * Every error the library answers with, by key: its HTTP status, its public `error` code and
 * its default message. Use it to list or match codes without hard-coding strings, e.g.
 * `err.code === ERROR_CODES.MFA_REQUIRED.code`.
 */
export const ERROR_CODES: ErrorCodes = {
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
  INVALID_TOKEN: {
    status: 400,
    code: 'invalid_token',
    message: 'The reset link is invalid, expired or already used. Ask for a new one.',
  },
  RECOVERY_NEEDS_ADMIN: {
    status: 403,
    code: 'recovery_needs_admin',
    message:
      'This account can only be recovered by support: its only second factor is the email ' +
      'address the reset link was sent to. Contact an administrator for a reset.',
  },
  BEARER_TOKEN_INVALID: {
    status: 401,
    code: 'invalid_token',
    message: 'The access token is invalid, expired or revoked. Sign in again for a new one.',
  },
  INTERACTIVE_SESSION_REQUIRED: {
    status: 403,
    code: 'interactive_session_required',
    message:
      'An access token cannot do this: sign in to the web page and do it from a browser session.',
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
  MFA_SUSPENDED: {
    status: 423,
    code: 'mfa_suspended',
    message:
      'Too many wrong codes: sign-in with a second factor is suspended for this account. ' +
      'Ask an administrator to reset it.',
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
};

/** A key of {@link ERROR_CODES}, as `StepupError` takes it (`new StepupError('INVALID_CODE')`). */
export type ErrorKey = keyof ErrorCodes;
/** Every public `error` code of the JSON contract (`'invalid_code'`, `'mfa_required'`, …). */
export type ErrorCode = ErrorCodes[ErrorKey]['code'];
