/**
 * Give the demo users their second factors the first time the demo database is used: bob gets
 * TOTP and recovery codes, carol a verified email address; alice and admin start with none.
 * Idempotent: a factor is created only when its user has none of that type, so what a person
 * enrolled in the demo (alice's authenticator, say) survives a restart, and two instances that
 * share one database seed it once.
 */
import { buildOtpauthUri, type Stepup } from '../lib/index.js';
import { emailOtpOf, ISSUER, recoveryOf, totpOf } from './factors.js';

/** Bob's authenticator secret in the demo (160 bits of Base32, printed at start). */
export const BOB_DEMO_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

export interface DemoSecrets {
  /** Bob's TOTP secret and its otpauth:// URI (the start-up log prints both and a QR code). */
  readonly bob: {
    readonly secret: string;
    readonly otpauthUrl: string;
    /** Printed once, when they were made; empty when an earlier start made them. */
    readonly recoveryCodes: readonly string[];
    /** How many of bob's recovery codes are left. */
    readonly recoveryCodesLeft: number;
  };
  /** False when the database already held the demo users' factors (a restart). */
  readonly seeded: boolean;
}

export async function seedDemoFactors(stepup: Stepup): Promise<DemoSecrets> {
  const totp = totpOf(stepup);
  if (!totp) throw new Error('example-app: the totp factor is not registered');
  const recovery = recoveryOf(stepup);
  const { credentials } = stepup;
  let seeded = false;

  // Bob keeps one well-known demo secret, so a person scans his QR code once.
  // (A demo secret is public by definition: never seed real users this way.)
  if ((await credentials.list('bob', 'totp')).length === 0) {
    await totp.enrollWithSecret('bob', BOB_DEMO_SECRET, 'Demo authenticator');
    seeded = true;
  }
  let recoveryCodes: string[] = [];
  if (recovery && (await credentials.list('bob', 'recovery-codes')).length === 0) {
    recoveryCodes = await recovery.generate(undefined, 'bob');
    seeded = true;
  }
  // Carol's address counts as verified (as if she had confirmed a code sent to it).
  const email = emailOtpOf(stepup);
  if (email && (await credentials.list('carol', 'email')).length === 0) {
    await email.saveAddress('carol', 'carol@example.test');
    seeded = true;
  }

  return {
    bob: {
      secret: BOB_DEMO_SECRET,
      otpauthUrl: buildOtpauthUri({ secret: BOB_DEMO_SECRET, issuer: ISSUER, label: 'bob' }),
      recoveryCodes,
      recoveryCodesLeft: recovery ? await recovery.remaining('bob') : 0,
    },
    seeded,
  };
}
