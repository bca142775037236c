/**
 * Step 1 of "forgot password": `requestPasswordReset(stepup, req, { username })`.
 *
 * The answer is the same for an unknown user, a user without an address, a locked one, a
 * throttled one and a real one: same status, body and headers, and the same work before it
 * (the app's lookup and two counters); issuing and mailing the link happen after the answer,
 * so their time tells nothing (OWASP ASVS 5.0 V6.3.8; docs/architecture.md, invariant 21).
 */
import type { Request } from 'express';
import type { Hosted } from '../core/context.js';
import { parseBody, text } from '../http/edge.js';
import { renderEmail, DEFAULT_RESET_LINK_EMAIL } from '../mail/templates.js';
import { globalKey, storeKey } from '../stores/types.js';
import { z } from 'zod';
import { passwordResetOf, type PasswordReset } from './service.js';

const HOUR_MS = 3600 * 1000;

/** `POST /auth/password/forgot`. */
export const forgotBody = z.object({ username: text(256) });

/** What `requestPasswordReset` answers, whatever the account. */
export interface PasswordResetRequested {
  /** Always `reset_requested`: the answer says nothing about the account. */
  readonly status: 'reset_requested';
}

type Outcome = 'sent' | 'unknown' | 'no_address' | 'locked' | 'throttled';

/**
 * Ask for a reset link. Always `{ status: 'reset_requested' }`; the link is sent in the
 * background when the account exists, has an address, is not locked and neither the account
 * nor the IP is over its hourly limit.
 * @throws StepupError 400 `invalid_request` for a missing or malformed username; 503 when the
 * store is down (for every account alike).
 */
export async function requestPasswordReset(
  stepup: Hosted,
  req: Request,
  input: { readonly username: unknown },
): Promise<PasswordResetRequested> {
  return requestResetWith(passwordResetOf(stepup), req, input);
}

/** `requestPasswordReset` on the feature itself (the router's route). @internal */
export async function requestResetWith(
  reset: PasswordReset,
  req: Request,
  input: { readonly username: unknown },
): Promise<PasswordResetRequested> {
  const { username } = parseBody(forgotBody, input);
  const { context: ctx } = reset.host;
  const { options } = reset;
  const account = await options.findAccount(username);
  // Both counters are counted for every request, known account or not: the same store work.
  // Keyed like the tokens: the name of an unknown account is never stored in clear.
  const nameDigest = reset.tokens.digestOf(username);
  const [byIp, byAccount] = await Promise.all([
    ctx.store.increment(globalKey('password-reset-ip', req.ip ?? 'unknown'), HOUR_MS),
    ctx.store.increment(
      account
        ? storeKey(account.id, 'password-reset-sent')
        : globalKey('password-reset-name', nameDigest),
      HOUR_MS,
    ),
  ]);
  let outcome: Outcome = 'sent';
  if (!account) outcome = 'unknown';
  else if (account.locked === true) outcome = 'locked';
  else if (typeof account.email !== 'string' || account.email === '') outcome = 'no_address';
  else if (byIp > options.perIpPerHour || byAccount > options.perAccountPerHour)
    outcome = 'throttled';
  // The event says what happened for the app's audit trail; never the address or the token.
  ctx.events.emitFor(req, 'password.reset_requested', {
    ...(account ? { userId: account.id } : {}),
    reason: outcome,
  });
  if (outcome === 'sent' && account && typeof account.email === 'string') {
    reset.track(sendLink(reset, account.id, account.email, account.username ?? username));
  }
  return { status: 'reset_requested' };
}

async function sendLink(
  reset: PasswordReset,
  userId: string,
  to: string,
  username: string,
): Promise<void> {
  const { context: ctx } = reset.host;
  try {
    const token = await reset.tokens.issue(userId, username);
    const message = renderEmail(
      {
        url: reset.options.resetUrl(token),
        minutes: Math.round(reset.options.ttlMs / 60000),
        appName: reset.options.appName,
      },
      DEFAULT_RESET_LINK_EMAIL,
      reset.options.template,
    );
    await reset.options.mailer.send({ to, ...message });
  } catch (err) {
    // After the answer: nobody to tell but the log (never the token or the address).
    ctx.log('password reset link not sent', {
      userId,
      error: err instanceof Error ? err.name : 'error',
    });
  }
}
