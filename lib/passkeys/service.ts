/**
 * Passkey registration and request options as services, shared by the JSON router
 * (lib/passkeys/routes.ts) and apps with their own pages, so both run the same checks in the
 * same order, as the TOTP services do.
 */
import type { Request } from 'express';
import type { Amr } from '../core/types.js';
import { hostOf, type FactorHost, type Hosted } from '../core/context.js';
import { StepupError } from '../core/errors.js';
import { enableFactor } from '../core/factor-lifecycle.js';
import { assertCanEnroll } from '../http/guards.js';
import { parseLabel } from '../http/edge.js';
import { CredentialConflictError } from '../stores/credentials/types.js';
import { PASSKEY, type PasskeyFactor } from './contract.js';
import type { RegistrationResponse } from './schemas.js';

function passkeyOf(host: FactorHost): PasskeyFactor {
  const factor = host.context.factor(PASSKEY);
  if (!factor) {
    throw new StepupError('FACTOR_NOT_ENROLLED', {}, 'The passkey factor is not configured.');
  }
  return factor;
}

/**
 * Creation options for a new passkey. Adding an authenticator needs a fresh second factor when
 * the user has one (docs/architecture.md, invariant 11; NIST SP 800-63B-4 §4.2.2): a stolen
 * session must not be able to bind the attacker's authenticator to the account.
 */
export async function beginPasskeyRegistration(stepup: Hosted, req: Request) {
  const host = hostOf(stepup);
  const passkey = passkeyOf(host);
  return passkey.registrationOptions(req, await assertCanEnroll(host, req));
}

/** What `finishPasskeyRegistration` returns; `POST /auth/mfa/passkeys/register/verify` answers it. */
export interface PasskeyRegistrationResult {
  /** The new credential's id in the factors API (not the WebAuthn credential id). */
  readonly id: string;
  /**
   * The user's first recovery codes, in plaintext, when they had none: show them once, they
   * are not stored. Empty otherwise (or without a recovery-code factor).
   */
  readonly recoveryCodes: string[];
  /** The session's RFC 8176 methods after the registration counted as a second factor. */
  readonly amr: readonly Amr[];
}

/**
 * Verify the new passkey and store it. The first recovery codes come with it when the user had
 * none (shown once), as with TOTP: a user whose only strong factor is a passkey keeps a way
 * back in when the device is lost. Registering proved possession in this session, so it counts
 * as a second factor: the session is satisfied and its id rotates.
 */
export async function finishPasskeyRegistration(
  stepup: Hosted,
  req: Request,
  response: RegistrationResponse,
  label?: string,
): Promise<PasskeyRegistrationResult> {
  // Before the challenge is taken (docs/architecture.md, invariant 8).
  const cleanLabel = parseLabel(label);
  const host = hostOf(stepup);
  const { events } = host.context;
  const passkey = passkeyOf(host);
  const userId = await assertCanEnroll(host, req);
  let row;
  try {
    row = await passkey.register(req, userId, response, cleanLabel);
  } catch (err) {
    if (!(err instanceof CredentialConflictError)) throw err;
    // WebAuthn L3 §7.1 step 26: a credential id already registered (to anyone) is refused.
    throw new StepupError(
      'INVALID_REQUEST',
      { field: 'response' },
      'This passkey is already registered.',
    );
  }
  if (!row) {
    throw new StepupError(
      'INVALID_CREDENTIALS',
      {},
      'The passkey could not be verified. Ask for new options and try again.',
    );
  }
  events.emitFor(req, 'passkey.registered', { userId, credentialId: row.id });
  const amr = row.data.backedUp ? 'swk' : 'hwk';
  const enabled = await enableFactor(
    host,
    req,
    userId,
    { kind: 'second', factor: 'passkey', amr },
    { label: row.label },
  );
  return { id: row.id, ...enabled };
}

/**
 * Request options for the second-factor step: a pending login that owes a factor, or a
 * signed-in user stepping up. allowCredentials lists that user's passkeys only.
 */
export async function passkeyChallenge(stepup: Hosted, req: Request) {
  const host = hostOf(stepup);
  const passkey = passkeyOf(host);
  const subject = host.context.subjectOf(req);
  if (!subject) throw new StepupError('MFA_SESSION_EXPIRED');
  if (!(await passkey.isEnrolled(subject.userId))) throw new StepupError('FACTOR_NOT_ENROLLED');
  return passkey.authenticationOptions(req, subject.userId);
}

/** Request options for passwordless sign-in: no user yet, discoverable passkeys, UV required. */
export async function passwordlessChallenge(stepup: Hosted, req: Request) {
  return passkeyOf(hostOf(stepup)).authenticationOptions(req, null);
}
