/**
 * Give the demo users their second factors the first time the demo database is used: bob gets
 * TOTP and recovery codes, carol a verified email address; alice and admin start with none.
 * Idempotent: a factor is created only when its user has none of that type, so what a person
 * enrolled in the demo (alice's authenticator, say) survives a restart, and two instances that
 * share one database seed it once.
 */
import { buildOtpauthUri, generateTotpSecret, type Stepup } from '../lib/index.js';
import { emailOtpOf, ISSUER, recoveryOf, totpOf } from './factors.js';

export interface DemoSecrets {
  /**
   * Bob's TOTP secret and its otpauth:// URI, when this start made them (the start-up log
   * prints both and a QR code); undefined when an earlier start did (only its ciphertext is kept).
   */
  readonly bob: {
    readonly secret?: string;
    readonly otpauthUrl?: string;
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

  // A new secret for each new demo database: a well-known one would be the same in every copy
  // of the demo anyone runs. It is printed once, when it is made.
  let secret: string | undefined;
  if ((await credentials.list('bob', 'totp')).length === 0) {
    secret = generateTotpSecret();
    await totp.enrollWithSecret('bob', secret, 'Demo authenticator');
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
      ...(secret
        ? { secret, otpauthUrl: buildOtpauthUri({ secret, issuer: ISSUER, label: 'bob' }) }
        : {}),
      recoveryCodes,
      recoveryCodesLeft: recovery ? await recovery.remaining('bob') : 0,
    },
    seeded,
  };
}
