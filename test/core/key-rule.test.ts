// Attack (by accident): `recoveryCodes({ hmacKey: process.env.RECOVERY_KEY })` with the variable
// unset used to fall back to a random per-process key, so every code died at the next deploy and
// the operator learned it from locked-out users. One rule for every key (lib/core/key-rule.ts):
// a key given as undefined or '' is an error naming the option; only leaving it out means
// "make one for me", and that is refused in production.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStepup, emailOtp, devOutbox, recoveryCodes, totp } from '../../lib/index.js';
import { MemoryCredentialStore } from '../../lib/stores/credentials/memory.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

const mailer = devOutbox({ print: false });
const CASES = [
  [
    'recoveryCodes',
    'hmacKey',
    (v: unknown) => ({ factors: [recoveryCodes({ hmacKey: v as string })] }),
  ],
  [
    'emailOtp',
    'codeKey',
    (v: unknown) => ({ factors: [totp(), emailOtp({ mailer, codeKey: v as string })] }),
  ],
  ['totp', 'encryptionKeys', (v: unknown) => ({ factors: [totp({ encryptionKeys: v as never })] })],
  ['rememberBrowser', 'secret', (v: unknown) => ({ rememberBrowser: { secret: v as string } })],
] as const;

describe('the one key rule', () => {
  it.each(CASES)(
    '%s: %s given as undefined or empty is a TypeError naming it',
    (where, option, make) => {
      for (const value of [undefined, '']) {
        expect(() => createStepup(make(value))).toThrow(
          new RegExp(`${where}: ${option} was given but is (undefined|an empty string)`),
        );
      }
    },
  );

  const KEYS = { current: 'k', keys: { k: Buffer.alloc(32, 1) } };
  const off = { enabled: false };
  it.each([
    ['recoveryCodes', 'hmacKey', { factors: [recoveryCodes()], rememberBrowser: off }],
    [
      'emailOtp',
      'codeKey',
      { factors: [totp({ encryptionKeys: KEYS }), emailOtp({ mailer })], rememberBrowser: off },
    ],
    ['totp', 'encryptionKeys', { factors: [totp()], rememberBrowser: off }],
    ['rememberBrowser', 'secret', { rememberBrowser: {} }],
  ] as const)(
    '%s: %s left out in production is a TypeError that says how to make one',
    (where, option, options) => {
      vi.stubEnv('NODE_ENV', 'production');
      expect(() => createStepup({ ...options, credentials: new MemoryCredentialStore() })).toThrow(
        new RegExp(`${where}: ${option} is required in production.*Pass`),
      );
    },
  );
});
