import { totp, type TotpOptions } from '../../strategies/totp.js';
import { generateTotp } from '../../lib/totp/totp-core.js';
import { client, makeApp, type MakeAppOptions } from './app.js';
import { fakeClock } from './clock.js';

export const KEYS: NonNullable<TotpOptions['encryptionKeys']> = {
  current: 'k1',
  keys: { k1: Buffer.alloc(32, 7) },
};

/** An app with the TOTP factor (and the test factors), on a fake clock. */
export function makeTotpApp(options: MakeAppOptions & { totp?: TotpOptions } = {}) {
  const clock = fakeClock();
  const built = makeApp({
    ...options,
    enrolled: options.enrolled ?? [],
    stepup: { now: clock.now, ...options.stepup },
    extraFactors: [
      totp({ issuer: 'Acme', encryptionKeys: KEYS, ...options.totp }),
      ...(options.extraFactors ?? []),
    ],
  });
  return { ...built, clock };
}

/** Sign alice in, enrol and confirm TOTP; returns the client and the secret. */
export async function enrolledClient(app: Parameters<typeof client>[0], now: () => number) {
  const c = await client(app);
  await c.login('alice', 'alice-password-1');
  const enroll = await c.post('/auth/mfa/totp/enroll');
  const secret = enroll.body.secret as string;
  const confirm = await c.post('/auth/mfa/totp/confirm', {
    code: await generateTotp({ secret, now: now() }),
  });
  if (confirm.status !== 200) throw new Error(`confirm failed: ${JSON.stringify(confirm.body)}`);
  return { c, secret, confirm };
}

export const codeAt = (secret: string, now: number) => generateTotp({ secret, now });
