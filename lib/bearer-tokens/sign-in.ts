/**
 * `POST /auth/token`: a CLI or script signs in and gets a bearer token, with no cookie and no
 * CSRF token (docs/architecture.md, invariant 22). The same two steps as a browser sign-in, in
 * one request: the password through the first-factor strategy (its throttle, its equal work for
 * unknown users), then the second factor through the account's attempt counter
 * (`proveSecondFactor`: reserved before the comparison, the lockout, the 100 cap, replay). So a
 * code that signed a browser in cannot mint a token, nor the reverse, and of two parallel
 * requests with one code exactly one gets a token (IBM Zowe's documented reuse, closed).
 *
 * The password may carry the TOTP code at its end (`password + "123456"`, as mainframe users
 * type it) when the password factor has `appendedTotp`; HTTP Basic works as for `/login`.
 * Adaptive rules (`when`), grace periods and remembered browsers never weaken a token: a user
 * with a second factor always presents it.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { withMfa } from '../core/assurance.js';
import { StepupError } from '../core/errors.js';
import { proveSecondFactor } from '../core/factor-proof.js';
import type { FactorProof } from '../core/login-flow.js';
import { failureError, readProof } from '../core/passport-glue.js';
import type { SecondFactor } from '../core/context.js';
import type { Amr, SecondFactorName } from '../core/types.js';
import { basicCredentials } from '../http/csrf.js';
import { toStepupError } from '../http/error-handler.js';
import { parseBody, text } from '../http/edge.js';
import type { BearerTokens, IssuedToken } from './service.js';

/** `POST /auth/token`; with HTTP Basic, `username` and `password` come from the header. */
export const tokenBody = z.object({
  username: text(256).optional(),
  password: text(1024).optional(),
  code: text(128).optional(),
  factor: text(64).optional(),
});

/** The factors a token request carries: codes a person types at a prompt. */
export const TOKEN_FACTORS: readonly SecondFactorName[] = ['totp', 'recovery-code'];

/** Check the password, then the second factor, and mint a sign-in token. */
export async function signInForToken(
  tokens: BearerTokens,
  req: Request,
  res: Response,
): Promise<IssuedToken> {
  const ctx = tokens.host.context;
  const body = parseBody(tokenBody, req.body);
  const basic = basicCredentials(req);
  const username = basic?.username ?? body.username;
  const password = basic?.password ?? body.password;
  if (username === undefined || password === undefined) {
    throw new StepupError(
      'INVALID_REQUEST',
      { fields: ['username', 'password'] },
      'Send username and password (JSON, a form, or HTTP Basic).',
    );
  }
  // The first-factor strategy reads them from the body (passport-local's fields).
  req.body = { username, password };
  const { user, proof } = await firstFactor(tokens, req, res);
  const userId = ctx.options.getUserId(user);
  let factors: SecondFactorName[] = [];
  let amr: Amr[] = [proof.amr];
  if (proof.alsoSecond) {
    factors = [proof.alsoSecond.factor];
    amr = withMfa([proof.amr, proof.alsoSecond.amr]);
  } else {
    const enrolled = await tokens.host.enrolledFactors(userId);
    if (enrolled.length === 0 && ctx.options.mode === 'required') {
      throw new StepupError(
        'MFA_REQUIRED',
        { reason: 'not_enrolled', factors: [] },
        'Set up a second factor in the browser first; then sign in here with it.',
      );
    }
    if (enrolled.length > 0) {
      const factor = chooseFactor(enrolled, body);
      await proveSecondFactor(ctx, req, userId, factor, { code: body.code });
      factors = [factor];
      // The factor's own RFC 8176 method (chooseFactor picks among the registered ones).
      amr = withMfa([proof.amr, (ctx.factors.get(factor) as SecondFactor).amr]);
    }
  }
  return tokens.mint(req, {
    kind: 'sign-in',
    userId,
    user,
    label: null,
    ttlMs: tokens.options.signInTtlMs,
    amr,
    factors,
    authTime: ctx.now(),
  });
}

/**
 * The factor to check: the one named, else TOTP when enrolled, else a recovery code. No code
 * yet: 401 `mfa_required` listing what may be sent (the CLI prompts and sends again).
 */
function chooseFactor(
  enrolled: readonly SecondFactorName[],
  body: z.infer<typeof tokenBody>,
): SecondFactorName {
  const usable = enrolled.filter((f) => TOKEN_FACTORS.includes(f));
  if (usable.length === 0) {
    // A passkey or an emailed code needs a browser: a personal token is made there.
    throw new StepupError(
      'FACTOR_NOT_ALLOWED',
      { factors: [] },
      'This account signs in with a passkey or an emailed code: create a personal access token on its security page instead.',
    );
  }
  if (body.code === undefined) {
    throw new StepupError(
      'MFA_REQUIRED',
      { reason: 'pending', factors: usable },
      'The account has a second factor: send its code as `code` (and `factor`).',
    );
  }
  const named = body.factor ?? usable[0];
  if (named === undefined || !usable.includes(named)) {
    throw new StepupError('FACTOR_NOT_ALLOWED', { factors: usable }, 'Use one of `factors`.');
  }
  return named;
}

/** The first-factor strategy (the `password` one, or the app's own) as a promise. */
function firstFactor(
  tokens: BearerTokens,
  req: Request,
  res: Response,
): Promise<{ user: unknown; proof: FactorProof }> {
  const ctx = tokens.host.context;
  const strategy = ctx.options.firstFactor;
  return new Promise((resolve, reject) => {
    const handler = tokens.passport.authenticate(
      strategy,
      { session: false },
      (err: unknown, user: unknown, info: unknown, status: unknown) => {
        if (err) {
          reject(toStepupError(err));
          return;
        }
        if (!user) {
          const failure = failureError(info, status, false);
          ctx.events.emitFor(req, 'login.failed', { factor: strategy, reason: failure.code });
          reject(failure);
          return;
        }
        const given = readProof(info);
        const proof: FactorProof =
          given?.kind === 'first' ? given : { kind: 'first', factor: strategy, amr: 'pwd' };
        resolve({ user, proof });
      },
    ) as (req: Request, res: Response, next: (err?: unknown) => void) => void;
    handler(req, res, (err?: unknown) => reject(toStepupError(err)));
  });
}
