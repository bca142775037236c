import type { ErrorRequestHandler, Request } from 'express';
import type { Logger } from '../core/context.js';
import { StepupError } from '../core/errors.js';
import { StoreUnavailableError } from '../stores/types.js';

/**
 * True for errors that mean "a backend (MFA store or session store) cannot be reached".
 * Those answer 503 and never grant anything (invariant 9 (docs/architecture.md): fail closed). connect-redis and
 * ioredis do not share an error class, so their well-known failures are matched too.
 */
export function isBackendUnavailable(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  if (err.name === 'MaxRetriesPerRequestError' || err.name === 'ClusterAllFailedError') return true;
  const code = (err as { code?: unknown }).code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'EPIPE')
    return true;
  return /Connection is closed|enableOfflineQueue|Stream isn't writeable|ECONNREFUSED|Command timed out/i.test(
    err.message,
  );
}

/** Map any thrown value to the public error it must show. Unknown errors stay unknown (500). */
export function toStepupError(err: unknown): StepupError | Error {
  if (err instanceof StepupError) return err;
  if (isBackendUnavailable(err)) return new StepupError('SERVICE_UNAVAILABLE');
  const e = err as { code?: unknown; type?: unknown; status?: unknown } | null;
  if (e?.code === 'EBADCSRFTOKEN') return new StepupError('CSRF_INVALID');
  // Express answers a path that cannot be percent-decoded (`/browsers/%zz`) with a URIError.
  if (err instanceof URIError || (e?.status === 400 && e.type === undefined)) {
    return new StepupError('INVALID_REQUEST', {}, 'The request URL is not valid.');
  }
  // body-parser: malformed JSON, too large, bad charset. A 1 MB password is refused here,
  // before anything hashes it.
  if (
    typeof e?.type === 'string' &&
    typeof e.status === 'number' &&
    e.status >= 400 &&
    e.status < 500
  ) {
    const reason =
      e.type === 'entity.too.large'
        ? 'The request body is too large.'
        : 'The request body is not valid JSON.';
    return new StepupError('INVALID_REQUEST', {}, reason);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Where unexpected errors go when no logger is given: stderr, like the library's default. */
const consoleLogger: Logger = (message, fields) => {
  console.error(`passport-stepup: ${message}`, fields ?? {});
};

/**
 * JSON error responses in the shape of the JSON contract (docs/http-api.md): `{ error, message, ...details }`.
 * Mount it last (`app.use(stepup.errorHandler())`) to give the app's own routes the same
 * shape, including 503 when the session store is down. Internal errors never leak details to
 * the client, and always reach `log` (the `logger` of `createStepup`; stderr without one),
 * then `onInternal` (OWASP ASVS 5.0 V16.5: errors handled and logged, never shown).
 */
export function createErrorHandler(
  onInternal?: (err: unknown) => void,
  log: Logger = consoleLogger,
): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const mapped = toStepupError(err);
    if (mapped instanceof StepupError) {
      res.set('Cache-Control', 'no-store');
      if (mapped.status === 429 || mapped.status === 503) {
        const retry = mapped.details.retryAfter;
        res.set('Retry-After', String(typeof retry === 'number' ? retry : 5));
      }
      res.status(mapped.status).json(mapped.toJSON());
      return;
    }
    log('unexpected error, answered 500 internal_error', describe(err, req));
    onInternal?.(err);
    res.status(500).json({ error: 'internal_error', message: 'Something went wrong.' });
  };
}

/**
 * What a log line says about an unexpected error: the route and the error, never the body or
 * the query (they may hold a code or a password: invariant 7, docs/architecture.md).
 */
function describe(err: unknown, req: Request): Record<string, unknown> {
  const e = err instanceof Error ? err : new Error(String(err));
  return { method: req.method, path: req.path, error: e.name, message: e.message, stack: e.stack };
}
