/**
 * The rules of enabling and removing a second factor, each written once (docs/architecture.md,
 * "Each rule once"): TOTP confirm and passkey registration enable through `enableFactor`; TOTP
 * disable and `DELETE /auth/mfa/factors/:id` remove through `removeFactor`.
 */
import type { Request } from 'express';
import type { FactorHost } from './context.js';
import { PASSKEY_ASSERTION, RECOVERY_CODES, TOTP_CODE_CHECK } from './factor-keys.js';
import type { FactorProof } from './login-flow.js';
import type { Amr } from './types.js';

/** What a factor's enabling gives back: the first recovery codes and the session's methods. */
export interface EnabledFactor {
  /** The first recovery codes in plaintext when the user had none (show them once), else empty. */
  readonly recoveryCodes: string[];
  /** The session's RFC 8176 methods after the enabling counted as a second factor. */
  readonly amr: readonly Amr[];
}

/**
 * A factor just enabled (its possession proven in this session): the user is notified, gets the
 * first recovery codes when they had none, and the proof counts as a second factor (a pending
 * enrolment login becomes satisfied, the session id rotates).
 */
export async function enableFactor(
  host: FactorHost,
  req: Request,
  userId: string,
  proof: FactorProof & { readonly kind: 'second' },
  notice: Record<string, unknown>,
): Promise<EnabledFactor> {
  await host.context.notify(req, userId, 'factor_enabled', { factor: proof.factor, ...notice });
  const recovery = host.context.factor(RECOVERY_CODES);
  const recoveryCodes =
    recovery && (await recovery.remaining(userId)) === 0
      ? await recovery.generate(req, userId)
      : [];
  const outcome = await host.secondFactor(req, proof);
  return { recoveryCodes, amr: outcome.status === 'authenticated' ? outcome.amr : [] };
}

/** The proof that removing a factor needs: a current TOTP or recovery code, or a passkey assertion. */
export interface RemovalProof {
  /** A current TOTP code or an unused recovery code. */
  readonly code?: string | undefined;
  /** A fresh passkey assertion (after authenticate/options bound to this session). */
  readonly response?: unknown;
}

/**
 * Remove a factor (docs/architecture.md, invariant 11; the caller has checked the fresh second
 * factor): one attempt on the account's counter (as `factor`) with the proof, then `remove`;
 * recovery codes go with the last strong factor (alone they would be a weak sole factor; while a
 * passkey or an authenticator app remains, they stay); the credential epoch moves (remembered
 * browsers die with it), `afterRemove` runs (an event), and the user is notified.
 */
export async function removeFactor(
  host: FactorHost,
  req: Request,
  userId: string,
  removal: {
    /** The factor removed: the attempt is counted and the notice sent under this name. */
    readonly factor: string;
    readonly proof: RemovalProof;
    readonly remove: () => Promise<void>;
    /** Why the credential epoch moves (`totp_disabled`, `passkey_removed`…). */
    readonly reason: string;
    readonly afterRemove?: () => void;
  },
): Promise<void> {
  const { context } = host;
  const recovery = context.factor(RECOVERY_CODES);
  const { code, response } = removal.proof;
  await context.attempts.attemptOrThrow(req, userId, removal.factor, async () => {
    // A passkey user may confirm with a fresh assertion instead of spending a recovery code.
    if (response !== undefined) {
      const passkey = context.factor(PASSKEY_ASSERTION);
      return passkey ? passkey.verifyAssertion(req, userId, response) : false;
    }
    if (code === undefined) return false;
    const totp = context.factor(TOTP_CODE_CHECK);
    return (
      (totp ? await totp.verifyCurrent(req, userId, code) : false) ||
      (recovery ? await recovery.consume(req, userId, code) : false)
    );
  });
  await removal.remove();
  const others = (await host.enrolledFactors(userId)).filter((f) => f !== 'recovery-code');
  if (recovery && others.length === 0) await recovery.reset(userId);
  await context.credentialsChanged(req, userId, removal.reason);
  removal.afterRemove?.();
  await context.notify(req, userId, 'factor_disabled', { factor: removal.factor });
}
