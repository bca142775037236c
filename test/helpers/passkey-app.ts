/**
 * `makeApp()` (test/helpers/app.ts) with TOTP, recovery codes and passkeys registered next to
 * the test factors, on a fake clock, with the notices the notifier received, and routes behind
 * `requireMfa({ phishingResistant: true })` and `requireMfa({ factors: ['passkey'] })`.
 */
import type { PasskeysOptions } from '../../strategies/passkey.js';
import { passkeys } from '../../strategies/passkey.js';
import { recoveryCodes } from '../../strategies/recovery-code.js';
import { totp } from '../../strategies/totp.js';
import { client, makeApp, type MakeAppOptions } from './app.js';
import { fakeClock } from './clock.js';
import { TEST_HMAC_KEY, type Notice } from './recovery-app.js';
import { SoftAuthenticator, type CeremonyOverrides } from './soft-authenticator.js';
import { KEYS } from './totp-app.js';

export const ORIGIN = 'http://localhost:3000';
export const RP = { rpId: 'localhost', rpName: 'Acme', origins: [ORIGIN] } as const;

export function makePasskeyApp(
  options: MakeAppOptions & { passkeys?: Partial<PasskeysOptions> } = {},
) {
  const clock = fakeClock();
  const notices: Notice[] = [];
  const built = makeApp({
    ...options,
    enrolled: options.enrolled ?? [],
    stepup: {
      now: clock.now,
      notify: (n) => {
        notices.push(n);
      },
      ...options.stepup,
    },
    extraFactors: [
      totp({ encryptionKeys: KEYS }),
      recoveryCodes({ hmacKey: TEST_HMAC_KEY }),
      passkeys({ ...RP, ...options.passkeys }),
      ...(options.extraFactors ?? []),
    ],
  });
  const { app, stepup } = built;
  app.get('/vault', stepup.requireMfa({ phishingResistant: true }), (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/keys-only', stepup.requireMfa({ factors: ['passkey'] }), (_req, res) => {
    res.json({ ok: true });
  });
  return { ...built, clock, notices };
}

export type Client = Awaited<ReturnType<typeof client>>;

/** Options → the authenticator makes a credential → verify. Returns the verify answer. */
export async function register(
  c: Client,
  auth: SoftAuthenticator,
  o: CeremonyOverrides & { label?: string } = {},
) {
  const options = await c.post('/auth/mfa/passkeys/register/options');
  if (options.status !== 200) return options;
  const response = auth.create(options.body, o);
  return c.post('/auth/mfa/passkeys/register/verify', {
    response,
    ...(o.label !== undefined ? { label: o.label } : {}),
  });
}

/** Second-factor step with the passkey: options, then `POST /auth/mfa/verify`. */
export async function verifyWithPasskey(
  c: Client,
  auth: SoftAuthenticator,
  o: CeremonyOverrides = {},
  credential = auth.credentials.at(-1),
) {
  const options = await c.post('/auth/mfa/passkeys/authenticate/options');
  if (options.status !== 200) return options;
  return c.post('/auth/mfa/verify', {
    factor: 'passkey',
    response: auth.get(options.body, o, credential),
  });
}

/** Passwordless: options, then `POST /auth/passkey/login`. */
export async function passkeyLogin(
  c: Client,
  auth: SoftAuthenticator,
  o: CeremonyOverrides = {},
  credential = auth.credentials.at(-1),
) {
  const options = await c.post('/auth/passkey/options');
  if (options.status !== 200) return options;
  return c.post('/auth/passkey/login', { response: auth.get(options.body, o, credential) });
}

/** Alice (no factor yet) signs in with her password and registers a passkey. */
export async function aliceWithPasskey(
  app: Parameters<typeof client>[0],
  auth = new SoftAuthenticator(),
) {
  const c = await client(app);
  const login = await c.login('alice', 'alice-password-1');
  if (login.body.status !== 'authenticated') throw new Error(JSON.stringify(login.body));
  const reg = await register(c, auth, { label: 'Laptop' });
  if (reg.status !== 200) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.body)}`);
  return { c, auth, reg };
}
