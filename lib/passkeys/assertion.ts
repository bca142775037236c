/**
 * One assertion check for every place a passkey signs in or confirms (the second-factor step,
 * passwordless sign-in, removing an authenticator), so that each applies the same rules in the
 * same order (docs/architecture.md, invariant 14):
 *   1. the session's challenge of that purpose is taken (single use, bound to this session and,
 *      when known, to the user, five minutes);
 *   2. the credential must be one of the expected user's passkeys (second factor) or, for
 *      passwordless, a stored passkey whose user handle matches (W3C WebAuthn L3 §7.2 step 6);
 *      a removed passkey is no longer stored, so it fails here;
 *   3. signature, origin, RP ID, challenge, user presence and (where required) user
 *      verification are checked (ceremonies.ts);
 *   4. the counter moves forward in one conditional statement, or the assertion is refused
 *      with `passkey.counter_regressed`.
 */
import type { Request } from 'express';
import type { StepupContext } from '../core/context.js';
import type { Amr } from '../core/types.js';
import type { PasskeyCredential } from '../stores/credentials/rows.js';
import { verifyAssertion } from './ceremonies.js';
import { type ChallengePurpose, takeChallenge } from './challenges.js';
import type { ResolvedPasskeysOptions } from './options.js';
import type { AuthenticationResponse } from './schemas.js';

export type AssertionCheck =
  | {
      readonly ok: true;
      readonly row: PasskeyCredential;
      /** RFC 8176: `swk` for a backed-up (synced) key, `hwk` for one bound to its device. */
      readonly amr: Amr;
      readonly userVerified: boolean;
    }
  | { readonly ok: false; readonly reason: 'no_challenge' | 'unknown_credential' | 'invalid' };

export async function checkAssertion(
  ctx: StepupContext,
  options: ResolvedPasskeysOptions,
  req: Request,
  input: {
    readonly purpose: ChallengePurpose;
    /** The user who must own the passkey; null for passwordless (the passkey says who). */
    readonly userId: string | null;
    readonly response: AuthenticationResponse;
    readonly requireUserVerification: boolean;
    /** The user's passkeys when the caller already read them. */
    readonly rows?: readonly PasskeyCredential[];
  },
): Promise<AssertionCheck> {
  const { response } = input;
  const challenge = await takeChallenge(
    ctx,
    options.challengeTtlMs,
    req,
    input.purpose,
    input.userId,
  );
  if (!challenge) return { ok: false, reason: 'no_challenge' };
  const row = await findRow(ctx, input, response);
  if (!row) return { ok: false, reason: 'unknown_credential' };
  const outcome = await verifyAssertion(options, response, row, {
    challenge: challenge.challenge,
    requireUserVerification: input.requireUserVerification,
  });
  if (outcome.ok) {
    const { credentials, now } = ctx;
    if (await credentials.advancePasskeyCounter(row.userId, row.id, outcome.counter, now())) {
      return {
        ok: true,
        row,
        amr: outcome.backedUp ? 'swk' : 'hwk',
        userVerified: outcome.userVerified,
      };
    }
    // Another request moved the counter to this value first: the same assertion twice.
  }
  if (outcome.ok || outcome.reason === 'counter_regressed') {
    const fields = {
      userId: row.userId,
      credentialId: row.id,
      counter: outcome.counter,
      storedCounter: row.counter,
    };
    ctx.events.emitFor(req, 'passkey.counter_regressed', fields);
    ctx.log(
      'a passkey sent a sign counter that did not grow: possibly a cloned authenticator',
      fields,
    );
  }
  return { ok: false, reason: 'invalid' };
}

async function findRow(
  ctx: StepupContext,
  input: { readonly userId: string | null; readonly rows?: readonly PasskeyCredential[] },
  response: AuthenticationResponse,
): Promise<PasskeyCredential | undefined> {
  if (response.id !== response.rawId) return undefined;
  if (input.userId !== null) {
    const rows =
      input.rows ?? ((await ctx.credentials.list(input.userId, 'passkey')) as PasskeyCredential[]);
    // Only this user's passkeys: another account's credential is "unknown" here.
    return rows.find((r) => r.data.credentialId === response.id);
  }
  const row = await ctx.credentials.findPasskey(response.id);
  if (!row) return undefined;
  const handle = response.response.userHandle;
  // A discoverable credential names its user; it must be the owner we stored (§7.2 step 6).
  if (handle !== undefined && handle !== null && handle !== row.data.userHandle) return undefined;
  return row;
}
