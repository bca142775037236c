/**
 * `requireAuth()` and `requireMfa()` with `Authorization: Bearer` (docs/architecture.md,
 * invariant 22). When the header is there, the token decides and the cookie session is ignored
 * for the request: the token is read (one store round trip), its view becomes `req.mfa`, and the
 * route's own guard then judges that view exactly as it judges a session, so a token too weak or
 * too old gets the RFC 9470 challenge (`insufficient_user_authentication` with `acr_values` or
 * `max_age`). A token that is malformed, unknown, expired or revoked gets RFC 6750 §3.1's
 * `invalid_token`.
 */
import type { RequestHandler, Response } from 'express';
import { hasBearerHeader } from '../core/bearer-view.js';
import { ERROR_CODES } from '../core/error-codes.js';
import type { BearerTokens } from './service.js';

/** 401 `invalid_token` with its RFC 6750 challenge. Always JSON: the client holds a token. */
export function refuseToken(res: Response): void {
  const { code, message, status } = ERROR_CODES.BEARER_TOKEN_INVALID;
  res.set('Cache-Control', 'no-store');
  res.set('WWW-Authenticate', `Bearer error="invalid_token", error_description="${message}"`);
  res.status(status).json({ error: code, message });
}

/** Wrap a guard factory so that its guards accept bearer tokens. */
export function bearerAware<A extends unknown[]>(
  make: (...args: A) => RequestHandler,
  tokens: BearerTokens | undefined,
): (...args: A) => RequestHandler {
  if (!tokens) return make;
  return (...args) => {
    const guard = make(...args);
    return (req, res, next) => {
      if (!hasBearerHeader(req)) {
        guard(req, res, next);
        return;
      }
      tokens.authenticate(req).then((view) => {
        if (view) guard(req, res, next);
        else refuseToken(res);
      }, next);
    };
  };
}
