/**
 * Put the demo users' second factors in the state the README promises, at every start:
 * alice and admin have none, bob has TOTP and recovery codes, carol has email codes.
 * With Redis the MFA store outlives the process, so each start resets the demo users first.
 */
import type { Request } from 'express';
import { generateTotp, type Stepup } from '../lib/index.js';
import { emailOtpOf, recoveryOf, totpOf } from './factors.js';
import { DEMO_USERS } from './users.js';

export interface DemoSecrets {
  /** Bob's TOTP secret and its otpauth:// URI (the start-up log prints both and a QR code). */
  readonly bob: { readonly secret: string; readonly otpauthUrl: string; readonly recoveryCodes: readonly string[] };
}

export async function seedDemoFactors(stepup: Stepup): Promise<DemoSecrets> {
  for (const user of DEMO_USERS) {
    for (const factor of stepup.factors.values()) await factor.reset?.(user.id);
    await stepup.context.attempts.clear(user.id);
  }

  const totp = totpOf(stepup);
  if (!totp) throw new Error('example-app: the totp factor is not registered');
  // Bob enrols the way a user does (a new secret, then a confirming code), without a request.
  // TODO(lead): replace with `totp.enrollWithSecret('bob', secret)` once the library has it.
  // Until then: confirmEnrollment only uses `req` for replay events, which accept undefined.
  const noRequest = undefined as unknown as Request;
  const enrollment = await totp.beginEnrollment('bob');
  // The previous step's code (±1 step is accepted): the code on bob's phone right now is
  // still unused, so a person who scans the QR code can sign in at once.
  const code = await generateTotp({ secret: enrollment.secret, now: stepup.context.now() - 30_000 });
  if (!(await totp.confirmEnrollment(noRequest, 'bob', code))) {
    throw new Error('example-app: could not enrol bob in TOTP');
  }
  const recoveryCodes = (await recoveryOf(stepup)?.generate(undefined, 'bob')) ?? [];

  // Carol's address counts as verified (as if she had confirmed a code sent to it).
  await emailOtpOf(stepup)?.saveAddress('carol', 'carol@example.test');

  return { bob: { secret: enrollment.secret, otpauthUrl: enrollment.otpauthUrl, recoveryCodes } };
}
