/**
 * Personal access tokens (docs/architecture.md, invariant 22), made from a signed-in browser
 * session and shown once: `createPersonalToken(stepup, req, { label, expiresInDays })`, also
 * `POST /auth/tokens`. A stolen session must not turn into a 90-day credential silently, so
 * creating one needs what changing a factor needs (a second factor in the last `freshSeconds`,
 * NIST SP 800-63B-4 §2.2.3 reauthentication; OWASP ASVS 5.0 V6.4.x), at the account's highest
 * level (a user with a passkey uses it), and the user is told by mail. The token carries only
 * the factors that were fresh, from the time of the oldest of them, so it never claims more
 * than was proven when it was made.
 */
import type { Request } from 'express';
import { z } from 'zod';
import { hostOf, type FactorHost, type Hosted } from '../core/context.js';
import { StepupError } from '../core/errors.js';
import type { Amr, SecondFactorName } from '../core/types.js';
import { assertFreshMfa, assertSignedIn } from '../http/guards.js';
import { labelField, parseBody } from '../http/edge.js';
import type { BearerTokens, IssuedToken, TokenSummary } from './service.js';

const registry = new WeakMap<FactorHost, BearerTokens>();

/** Called by `createStepup` when `bearerTokens` is set. @internal */
export function attachBearerTokens(host: FactorHost, tokens: BearerTokens): void {
  registry.set(host, tokens);
}

function tokensOf(stepup: Hosted): BearerTokens {
  const tokens = registry.get(hostOf(stepup));
  if (!tokens) {
    throw new TypeError(
      'passport-stepup: bearer tokens are off: pass createStepup({ bearerTokens: {} })',
    );
  }
  return tokens;
}

/** What `createPersonalToken` takes (a form's or a JSON body's fields, checked inside). */
export interface PersonalTokenInput {
  /** What the user calls it ("laptop backup script"): 1–255 characters. */
  readonly label: unknown;
  /** Whole days, 1 to `bearerTokens.personalMaxDays` (default 90). */
  readonly expiresInDays: unknown;
}

/**
 * Create a personal token for the signed-in user of `req`; the answer is the only time the
 * token is shown. @throws StepupError 401 `authentication_required` / `mfa_required` (stale,
 * or `phishing_resistant_required` for a user with a passkey), 400 `invalid_request`, 403
 * `interactive_session_required` (a bearer request).
 */
export function createPersonalToken(
  stepup: Hosted,
  req: Request,
  input: PersonalTokenInput,
): Promise<IssuedToken> {
  return createPersonalTokenWith(tokensOf(stepup), req, input);
}

/** `createPersonalToken` on the feature itself (the router's route). @internal */
export async function createPersonalTokenWith(
  tokens: BearerTokens,
  req: Request,
  input: PersonalTokenInput,
): Promise<IssuedToken> {
  const { host } = tokens;
  const { now, options } = host.context;
  const body = parseBody(
    z.object({
      label: labelField,
      expiresInDays: z.coerce.number().int().min(1).max(tokens.options.personalMaxDays),
    }),
    input,
  );
  const userId = await assertFreshMfa(host, req);
  const view = host.mfaOf(req);
  const at = now();
  const freshMs = options.freshSeconds * 1000;
  const enrolled = await host.enrolledFactors(userId);
  if (enrolled.includes('passkey') && view.phishingResistant !== true) {
    throw new StepupError(
      'MFA_REQUIRED',
      { reason: 'phishing_resistant_required', factors: ['passkey'] },
      'Confirm it is you with your passkey, then create the token.',
    );
  }
  const fresh = view.factors.filter((f) => at - (view.factorTimes?.[f] ?? 0) <= freshMs);
  if (enrolled.length === 0 && at - (view.authTime ?? 0) > freshMs) {
    // No second factor to ask for: a recent password then.
    throw new StepupError(
      'AUTHENTICATION_REQUIRED',
      { reason: 'stale' },
      'Sign in again, then create the token within a few minutes.',
    );
  }
  const times = fresh.map((f) => view.factorTimes?.[f] ?? at);
  const issued = await tokens.mint(req, {
    kind: 'personal',
    userId,
    user: req.user,
    label: body.label,
    ttlMs: body.expiresInDays * 86_400_000,
    amr: view.amr.filter((a) => a !== 'rb') as Amr[],
    factors: fresh as SecondFactorName[],
    authTime: times.length > 0 ? Math.min(...times) : (view.authTime ?? at),
  });
  await host.context.notify(req, userId, 'token_created', { label: body.label });
  return issued;
}

/** The signed-in user's live tokens (never the tokens themselves). */
export async function listTokens(stepup: Hosted, req: Request): Promise<TokenSummary[]> {
  const tokens = tokensOf(stepup);
  return tokens.list(assertSignedIn(tokens.host, req));
}

/** Revoke one of the signed-in user's tokens; false when it is not theirs or does not exist. */
export async function revokeToken(stepup: Hosted, req: Request, id: string): Promise<boolean> {
  const tokens = tokensOf(stepup);
  const userId = assertSignedIn(tokens.host, req);
  return (await tokens.revoke(req, userId, [id])) > 0;
}
