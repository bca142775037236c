import { bearerViewOf } from '../core/bearer-view.js';
import type { Request } from 'express';
import { hashPassword, type Argon2Params } from './hash.js';
import { StepupError } from '../core/errors.js';
import type { StepupContext } from '../core/context.js';
import { checkPasswordPolicy, type PasswordPolicyContext } from './policy.js';
import { SESSION_KEY, sessionIdOf, toError } from '../core/session-state.js';

/** What `stepup.changePassword(req, input)` needs. */
export interface ChangePasswordInput {
  /** Whose password changes; the caller has already decided they may. */
  readonly userId: string;
  /**
   * The new password as received (any value: a non-string is refused by the policy with
   * 400 `invalid_request`, `reasons: ['not_a_string']`).
   */
  readonly newPassword: unknown;
  /** Saves the new hash in the app's user table. */
  readonly setPasswordHash: (userId: string, hash: string) => void | Promise<void>;
  /** Context for the policy (username/email refused inside the password, limits, blocklist). */
  readonly policy?: PasswordPolicyContext;
  /**
   * argon2id parameters of the new hash. Not taken from the `password` factor's options: pass
   * the same ones if you changed them. @default DEFAULT_ARGON2_PARAMS
   */
  readonly params?: Argon2Params;
}

/** What `stepup.changePassword` did besides storing the hash. */
export interface ChangePasswordResult {
  /**
   * Other sessions of this user that were ended: those on the user's sessions list (any session
   * store), plus any older ones a listable store (memory, connect-redis) still held.
   */
  readonly otherSessionsEnded: number;
}

interface ListableStore {
  all(cb: (err: unknown, sessions?: Record<string, unknown> | unknown[] | null) => void): void;
  destroy(sid: string, cb: (err?: unknown) => void): void;
}

/**
 * Change a password: the policy check (NIST SP 800-63B-4 §3.1.1.2), a new argon2id hash, then
 * the consequences a password change must have (ASVS 5.0 V7.4.3: other sessions end;
 * invariant 4 (docs/architecture.md): every remembered browser is revoked through the credential epoch).
 *
 * The caller decides who may change the password (typically a signed-in user who typed the
 * current one, or a reset link) before calling this.
 */
export async function changePassword(
  ctx: StepupContext,
  req: Request,
  input: ChangePasswordInput,
): Promise<ChangePasswordResult> {
  // A bearer token never changes the password (docs/architecture.md, invariant 22).
  if (bearerViewOf(req)) throw new StepupError('INTERACTIVE_SESSION_REQUIRED');
  const verdict = checkPasswordPolicy(input.newPassword, input.policy);
  if (!verdict.ok) {
    throw new StepupError(
      'INVALID_REQUEST',
      { field: 'newPassword', reasons: verdict.reasons },
      `The new password is not acceptable: ${verdict.reasons.join(', ')}.`,
    );
  }
  const hash = await hashPassword(input.newPassword as string, input.params);
  // What the old password opened is voided before the new hash is stored, as the reset does:
  // should a store fail on the way (503), the password is unchanged and only old credentials
  // were voided (fail closed). The other order told the user "failed" after the password had
  // changed, with the other sessions and tokens alive (test/password/password.change-outage).
  await ctx.credentialsChanged(req, input.userId, 'password_changed');
  await input.setPasswordHash(input.userId, hash);
  const otherSessionsEnded = await endUserSessions(ctx, req, input.userId);
  ctx.events.emitFor(req, 'password.changed', { userId: input.userId, otherSessionsEnded });
  await ctx.notify(req, input.userId, 'password_changed', {});
  return { otherSessionsEnded };
}

/**
 * End every session of the user but the one of `req` (ASVS 5.0 V7.4.3); how many. The sessions
 * list works on every session store; the scan catches sessions signed in before the list
 * existed, where the store can enumerate. Used by the password change and the password reset.
 */
export async function endUserSessions(
  ctx: StepupContext,
  req: Request,
  userId: string,
): Promise<number> {
  const listed = await ctx.sessions.endOthers(req, userId);
  return listed + ((await endOtherSessions(req, userId)) ?? 0);
}

/** Destroy the user's other sessions when the session store can list them (memory, connect-redis). */
async function endOtherSessions(req: Request, userId: string): Promise<number | null> {
  const store = (req as unknown as { sessionStore?: Partial<ListableStore> }).sessionStore;
  if (!store || typeof store.all !== 'function' || typeof store.destroy !== 'function') return null;
  const listable = store as ListableStore;
  const sessions = await new Promise<Record<string, unknown>>((resolve, reject) => {
    listable.all((err, all) => {
      if (err) reject(toError(err));
      else if (Array.isArray(all))
        resolve(Object.fromEntries(all.map((s, i) => [(s as { id?: string }).id ?? String(i), s])));
      else resolve(all ?? {});
    });
  });
  const current = sessionIdOf(req);
  let ended = 0;
  for (const [sid, data] of Object.entries(sessions)) {
    if (sid === current) continue;
    const record = (data as Record<string, unknown> | null)?.[SESSION_KEY] as
      { userId?: unknown } | undefined;
    const passportUser = (
      (data as Record<string, unknown> | null)?.passport as { user?: unknown } | undefined
    )?.user;
    if (record?.userId === userId || passportUser === userId) {
      await new Promise<void>((resolve, reject) =>
        listable.destroy(sid, (err) => (err ? reject(toError(err)) : resolve())),
      );
      ended++;
    }
  }
  return ended;
}
