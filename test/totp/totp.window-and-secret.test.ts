// Attack: a phished or shoulder-surfed TOTP code is worth more the longer it stays valid. The
// window is a stated option: `window: 1` (default) accepts the previous and next 30 s step
// (RFC 6238 §5.2 network delay), `window: 0` only the current one (OWASP ASVS 5.0 V6.5.5).
import { describe, expect, it } from 'vitest';
import { totp } from '../../strategies/totp.js';
import { verifyTotp } from '../../lib/totp/totp-core.js';
import { client } from '../helpers/app.js';
import { codeAt, enrolledClient, makeTotpApp } from '../helpers/totp-app.js';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
/** 12:00:30.000 UTC: the first millisecond of a time step. */
const STEP_START = Date.UTC(2026, 5, 1, 12, 0, 30);

describe('verifyTotp at the step boundaries', () => {
  it('window 1: the previous and next step pass, two steps away does not', async () => {
    for (const [offset, ok] of [
      [-30_001, false],
      [-30_000, true],
      [-1, true],
      [0, true],
      [29_999, true],
      [30_000, true],
      [59_999, true],
      [60_000, false],
    ] as const) {
      const code = await codeAt(SECRET, STEP_START);
      const result = await verifyTotp({
        secret: SECRET,
        code,
        now: STEP_START + offset,
        window: 1,
      });
      expect({ offset, valid: result.valid }).toEqual({ offset, valid: ok });
    }
  });

  it('window 0: only the current step passes, one millisecond outside it does not', async () => {
    for (const [offset, ok] of [
      [-1, false],
      [0, true],
      [29_999, true],
      [30_000, false],
    ] as const) {
      const code = await codeAt(SECRET, STEP_START);
      const result = await verifyTotp({
        secret: SECRET,
        code,
        now: STEP_START + offset,
        window: 0,
      });
      expect({ offset, valid: result.valid }).toEqual({ offset, valid: ok });
    }
  });

  it('the default is window 1; anything but 0 or 1 is refused at creation', async () => {
    const code = await codeAt(SECRET, STEP_START);
    expect((await verifyTotp({ secret: SECRET, code, now: STEP_START + 30_000 })).valid).toBe(true);
    expect(() => totp({ window: 2 as never })).not.toThrow(); // the factory keeps it for ctx time
    expect(() => makeTotpApp({ totp: { window: 2 as never } })).toThrow(/window must be 0 or 1/);
  });
});

describe('totp({ window: 0 }) through the router', () => {
  it('a code of the previous step is refused at login; the current one passes', async () => {
    const { app, clock } = makeTotpApp({ totp: { window: 0 } });
    clock.set(STEP_START + 5_000);
    const { secret } = await enrolledClient(app, clock.now);
    clock.set(STEP_START + 65_000); // two steps later
    const c = await client(app);
    await c.login('alice', 'alice-password-1');
    const previous = await codeAt(secret, clock.now() - 30_000);
    expect((await c.verify(previous, 'totp')).status).toBe(401);
    expect((await c.verify(await codeAt(secret, clock.now()), 'totp')).status).toBe(200);
  });

  it('with the default window the previous step still passes', async () => {
    const { app, clock } = makeTotpApp();
    clock.set(STEP_START + 5_000);
    const { secret } = await enrolledClient(app, clock.now);
    clock.set(STEP_START + 65_000);
    const c = await client(app);
    await c.login('alice', 'alice-password-1');
    expect((await c.verify(await codeAt(secret, clock.now() - 30_000), 'totp')).status).toBe(200);
  });
});

// devise-two-factor GHSA-qjxf-mc72-wjr2: an 80-bit (16-character) imported secret was accepted.
// RFC 4226 §4 requires 128 bits and recommends 160; we require 160 (32 Base32 characters).
describe('enrollWithSecret refuses weak or malformed secrets', () => {
  it.each([
    ['16 characters (80 bits)', 'JBSWY3DPEHPK3PXP'],
    ['31 characters', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PX'],
    ['empty', ''],
    ['lower case', 'jbswy3dpehpk3pxpjbswy3dpehpk3pxp'],
    ['padded', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PX='],
    ['not Base32 (0, 1, 8)', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3P01'],
    ['garbage after padding', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP====xx'],
  ])('%s', async (_name, secret) => {
    const { stepup } = makeTotpApp();
    const factor = stepup.factors.get('totp') as unknown as {
      enrollWithSecret(userId: string, secret: string): Promise<unknown>;
    };
    await expect(factor.enrollWithSecret('u-alice', secret)).rejects.toThrow(
      /Base32 \(A-Z, 2-7\), 160 bits or more/,
    );
    expect(await stepup.enrolledFactors('u-alice')).toEqual([]);
  });

  it('accepts 32 Base32 characters (160 bits)', async () => {
    const { stepup } = makeTotpApp();
    const factor = stepup.factors.get('totp') as unknown as {
      enrollWithSecret(userId: string, secret: string): Promise<unknown>;
    };
    await factor.enrollWithSecret('u-alice', SECRET);
    expect(await stepup.enrolledFactors('u-alice')).toEqual(['totp']);
  });
});
