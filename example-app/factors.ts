/**
 * Which second factors the demo offers, in one place. Adding a factor to the demo is a few
 * lines here (and its seed in seed.ts); the pages find each factor through `stepup.factors`
 * and show only what is registered.
 */
import {
  emailOtp,
  EmailOtpStrategy,
  passkeys,
  PasskeyStrategy,
  recoveryCodes,
  RecoveryCodeStrategy,
  totp,
  TotpStrategy,
  type FactorFactory,
  type Stepup,
} from '../lib/index.js';
import type { ExampleConfig } from './config.js';
import type { Mail } from './mail.js';

export const ISSUER = 'passport-stepup demo';

/** What the pages may offer; each flag turns on once its library part exists. */
export interface Features {
  readonly recoveryCodes: boolean;
  readonly emailOtp: boolean;
  readonly rememberBrowser: boolean;
  readonly passkeys: boolean;
}

/** Known at import time, so tests can skip a story whose factor is not wired yet. */
export const FEATURES: Features = Object.freeze({
  recoveryCodes: true,
  emailOtp: true,
  // createStepup({ rememberBrowser }) in app.ts.
  rememberBrowser: true,
  passkeys: true,
});

export interface FactorSetup {
  readonly factors: FactorFactory[];
  readonly features: Features;
}

export function buildFactors(
  config: ExampleConfig,
  mail: Mail,
  findUser: (id: string) => unknown = (id) => ({ id }),
): FactorSetup {
  const factors: FactorFactory[] = [
    // The secret is encrypted at rest under a key the MFA store never sees.
    totp({ issuer: ISSUER, encryptionKeys: { current: 'k1', keys: { k1: config.keys.totp } } }),
    // Shown once after the first factor is enabled; stored as HMACs under their own key.
    recoveryCodes({ hmacKey: config.keys.recovery }),
    // Codes by mail (weak: NIST does not count email as out-of-band), stored as HMACs. Only
    // addresses enrolled through the factor count (seed.ts enrols carol's).
    emailOtp({ mailer: mail.mailer, codeKey: config.keys.emailCode, appName: ISSUER }),
    // Phishing resistant: the browser signs the origin, so a look-alike site gets nothing. Also
    // a sign-in on its own (passwordless), with the user's PIN or biometric.
    passkeys({
      rpId: config.passkeys.rpId,
      rpName: ISSUER,
      origins: config.passkeys.origins,
      findUser,
    }),
  ];
  return { factors, features: FEATURES };
}

/** The TOTP factor's service (enrol, confirm, disable), when registered. */
export function totpOf(stepup: Stepup): TotpStrategy | undefined {
  const factor = stepup.factors.get('totp');
  return factor instanceof TotpStrategy ? factor : undefined;
}

/** The recovery-code factor's service (generate, remaining), when registered. */
export function recoveryOf(stepup: Stepup): RecoveryCodeStrategy | undefined {
  const factor = stepup.factors.get('recovery-code');
  return factor instanceof RecoveryCodeStrategy ? factor : undefined;
}

/** The email factor's service (send, enrol, confirm), when registered. */
export function emailOtpOf(stepup: Stepup): EmailOtpStrategy | undefined {
  const factor = stepup.factors.get('email-otp');
  return factor instanceof EmailOtpStrategy ? factor : undefined;
}

/** The passkey factor, when registered. */
export function passkeyOf(stepup: Stepup): PasskeyStrategy | undefined {
  const factor = stepup.factors.get('passkey');
  return factor instanceof PasskeyStrategy ? factor : undefined;
}

/** Labels for the challenge page's factor tabs. */
export const FACTOR_LABELS: Readonly<Record<string, string>> = {
  totp: 'Authenticator app',
  'email-otp': 'Email code',
  'sms-otp': 'SMS code',
  'recovery-code': 'Recovery code',
  passkey: 'Passkey',
};
