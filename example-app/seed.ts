/**
 * Put the demo users' second factors in the state the README promises, at every start:
 * alice and admin have none, bob has TOTP and recovery codes, carol has email codes.
 * With Redis the MFA store outlives the process, so each start resets the demo users first.
 */
import { hostOf } from '../lib/core/context.js';
import type { Stepup } from '../lib/index.js';
import { emailOtpOf, recoveryOf, totpOf } from './factors.js';
import { DEMO_USERS } from './users.js';

/** Bob's authenticator secret in the demo (160 bits of Base32, printed at start). */
export const BOB_DEMO_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

export interface DemoSecrets {
  /** Bob's TOTP secret and its otpauth:// URI (the start-up log prints both and a QR code). */
  readonly bob: {
    readonly secret: string;
    readonly otpauthUrl: string;
    readonly recoveryCodes: readonly string[];
  };
}

export async function seedDemoFactors(stepup: Stepup): Promise<DemoSecrets> {
  for (const user of DEMO_USERS) {
    for (const factor of stepup.factors.values()) await factor.reset?.(user.id);
    await hostOf(stepup).context.attempts.clear(user.id);
  }

  const totp = totpOf(stepup);
  if (!totp) throw new Error('example-app: the totp factor is not registered');
  // Bob keeps one well-known demo secret across restarts, so a person scans his QR code once.
  // (A demo secret is public by definition: never seed real users this way.)
  const { otpauthUrl } = await totp.enrollWithSecret('bob', BOB_DEMO_SECRET);
  const recoveryCodes = (await recoveryOf(stepup)?.generate(undefined, 'bob')) ?? [];

  // Carol's address counts as verified (as if she had confirmed a code sent to it).
  await emailOtpOf(stepup)?.saveAddress('carol', 'carol@example.test');

  return { bob: { secret: BOB_DEMO_SECRET, otpauthUrl, recoveryCodes } };
}
