// Attack: the user lost their phone, or an attacker holds a stale session. Recovery codes come
// with TOTP, can switch TOTP off, and regenerating them needs a fresh factor (or a current code).
import { describe, expect, it } from 'vitest';
import { recoveryCodes } from '../../strategies/recovery-code.js';
import { client } from '../helpers/app.js';
import { codeAt, makeTotpApp } from '../helpers/totp-app.js';
import { generateTotp } from '../../lib/totp/totp-core.js';

const HMAC_KEY = Buffer.alloc(32, 3);

async function setup() {
  const built = makeTotpApp({ extraFactors: [recoveryCodes({ hmacKey: HMAC_KEY })] });
  const c = await client(built.app);
  await c.login('alice', 'alice-password-1');
  const secret = (await c.post('/auth/mfa/totp/enroll')).body.secret as string;
  const confirm = await c.post('/auth/mfa/totp/confirm', {
    code: await generateTotp({ secret, now: built.clock.now() }),
  });
  return { ...built, c, secret, codes: confirm.body.recoveryCodes as string[] };
}

describe('recovery codes with TOTP', () => {
  it('confirming TOTP returns 10 codes once; re-enrolment does not mint new ones', async () => {
    const { c, clock, codes, secret } = await setup();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    clock.advance(30_000);
    await c.verify(await codeAt(secret, clock.now()), 'totp');
    const again = (await c.post('/auth/mfa/totp/enroll')).body.secret as string;
    const confirm = await c.post('/auth/mfa/totp/confirm', {
      code: await codeAt(again, clock.now()),
    });
    expect(confirm.body.recoveryCodes).toEqual([]);
    expect((await c.get('/auth/mfa/recovery-codes')).body).toEqual({ remaining: 10 });
  });

  it('a recovery code signs in when the phone is lost, and can disable TOTP', async () => {
    const { app, codes, stepup } = await setup();
    const d = await client(app);
    expect((await d.login('alice', 'alice-password-1')).body.factors).toEqual([
      'totp',
      'recovery-code',
    ]);
    const ok = await d.verify(codes[0] ?? '', 'recovery-code');
    expect(ok.body).toMatchObject({ status: 'authenticated', amr: ['pwd', 'rc', 'mfa'] });
    const off = await d.post('/auth/mfa/totp/disable', { code: codes[1] });
    expect(off.body).toEqual({ enabled: false });
    // Without TOTP the remaining recovery codes are gone too: they back up a factor.
    expect(await stepup.factors.get('recovery-code')?.isEnrolled('u-alice')).toBe(false);
  });

  it('regenerate: a stale session gets mfa_required; a current TOTP code in the body steps up inline', async () => {
    const { c, clock, secret, codes } = await setup();
    clock.advance(6 * 60_000);
    const stale = await c.post('/auth/mfa/recovery-codes/regenerate');
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ error: 'mfa_required', reason: 'stale' });
    const wrong = await c.post('/auth/mfa/recovery-codes/regenerate', { code: '000000' });
    expect(wrong.status).toBe(401);
    const ok = await c.post('/auth/mfa/recovery-codes/regenerate', {
      code: await codeAt(secret, clock.now()),
    });
    expect(ok.status).toBe(200);
    expect(ok.body.recoveryCodes).toHaveLength(10);
    expect(ok.body.recoveryCodes).not.toContain(codes[0]);
  });
});
