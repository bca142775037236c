/**
 * The view of a request that came with `Authorization: Bearer` (docs/architecture.md,
 * invariant 22). Once a bearer-aware guard has checked the token, the request's view is the
 * token's, kept here for the request's lifetime (a WeakMap: nothing a client can set); until
 * then, and when the token is refused, the request is anonymous. The cookie session is never
 * consulted for such a request, so a token and a cookie cannot mix into one identity (the
 * Nextcloud bug where a bearer token skipped the 2FA middleware came from such a mix).
 */
import type { Request } from 'express';
import type { MfaView } from './types.js';

const views = new WeakMap<Request, MfaView>();

/** The `Authorization` header's scheme is `Bearer` (RFC 6750 §2.1; the scheme is case-blind). */
export function hasBearerHeader(req: Request): boolean {
  const header = req.headers.authorization;
  return typeof header === 'string' && /^bearer(?:\s|$)/i.test(header);
}

/** The token after `Bearer `, or undefined when the header is not a bearer one. */
export function bearerCredential(req: Request): string | undefined {
  if (!hasBearerHeader(req)) return undefined;
  return (req.headers.authorization as string).slice(6).trim();
}

/** The view a guard established for this request's token, if any. */
export function bearerViewOf(req: Request): MfaView | undefined {
  return views.get(req);
}

/** Record the token's view for this request (the bearer guard, after the token checked out). */
export function setBearerView(req: Request, view: MfaView): void {
  views.set(req, view);
}
