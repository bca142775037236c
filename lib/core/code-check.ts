/**
 * The outcome of one second-factor check, as every factor reports it to the attempt counter
 * (docs/architecture.md, "Each rule once"), and the error a failed one answers with.
 */
import { StepupError, type ErrorDetails } from './errors.js';
import type { ErrorKey } from './error-codes.js';
import type { Amr } from './types.js';

/** The outcome of checking one code. */
export type CodeCheck =
  | {
      /** The code (or assertion) was right and has been consumed. */
      readonly ok: true;
      /** What this check proved when it depends on the authenticator (a passkey: hwk or swk). */
      readonly amr?: Amr;
      /** Further RFC 8176 values it proved (`user` after user verification). */
      readonly moreAmr?: readonly Amr[];
    }
  | {
      /** The check failed. */
      readonly ok: false;
      /** The error the refusal answers with: 401 `invalid_code` or 410 `code_expired`. */
      readonly error: Extract<ErrorKey, 'INVALID_CODE' | 'CODE_EXPIRED'>;
      /** False when the attempt compared nothing and must not count on the lockout. @default true */
      readonly countsAsFailure?: boolean;
      /** What the refusal tells the client beyond the code (merged into the JSON body). */
      readonly details?: ErrorDetails['INVALID_CODE'];
      /** A sentence that says what to do, instead of the code's default message. */
      readonly message?: string;
    };

/** The error a failed `CodeCheck` answers with. */
export function refusal(check: Extract<CodeCheck, { ok: false }>): StepupError {
  return new StepupError(check.error, check.details ?? {}, check.message);
}
