// Attack: an attacker with the password tries to get past TOTP: by replaying a code seen over
// a shoulder or in a proxy log, guessing, enrolling their own authenticator on the victim's
// account from a stolen session, or switching TOTP off. Each must fail.
import { describe, expect, it } from 'vitest';
import { client } from '../helpers/app.js';
import { codeAt, enrolledClient, makeTotpApp } from '../helpers/totp-app.js';

describe('TOTP enrolment', () => {
  it('needs a signed-in user', async () => {
    const { app } = makeTotpApp();
    const c = await client(app);
    const res = await c.post('/auth/mfa/totp/enroll');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('authentication_required');
  });

  it('is not active until confirmed; a wrong code leaves it off; the right one enables it', async () => {
    const { app, clock, stepup, events } = makeTotpApp();
    const c = await client(app);
    await c.login('alice', 'alice-password-1');
    const enroll = await c.post('/auth/mfa/totp/enroll');
    expect(enroll.status).toBe(200);
    expect(enroll.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enroll.body.otpauthUrl).toContain('otpauth://totp/Acme:u-alice?');
    expect(enroll.body.qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);
    expect(enroll.body.qrCodeSvg).toMatch(/^<svg/);
    expect(enroll.body.secretGrouped.replace(/ /g, '')).toBe(enroll.body.secret);
    expect(await stepup.factors.get('totp')?.isEnrolled('u-alice')).toBe(false);

    const wrong = await c.post('/auth/mfa/totp/confirm', { code: '000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_code');
    expect(await stepup.factors.get('totp')?.isEnrolled('u-alice')).toBe(false);

    const ok = await c.post('/auth/mfa/totp/confirm', {
      code: await codeAt(enroll.body.secret, clock.now()),
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ enabled: true, recoveryCodes: [] });
    expect(await stepup.factors.get('totp')?.isEnrolled('u-alice')).toBe(true);
    expect(events.some((e) => e.type === 'totp.enabled' && e.userId === 'u-alice')).toBe(true);
    // Confirming proved the factor in this session.
    expect((await c.get('/auth/session')).body).toMatchObject({
      status: 'satisfied',
      factors: ['totp'],
    });
  });

  it('the next login asks for TOTP; the confirming code is already used', async () => {
    const { app, clock } = makeTotpApp();
    const { c, secret } = await enrolledClient(app, clock.now);
    await c.post('/auth/logout');
    const d = await client(app);
    const login = await d.login('alice', 'alice-password-1');
    expect(login.body).toMatchObject({ status: 'mfa_required', factors: ['totp'] });
    const replay = await d.verify(await codeAt(secret, clock.now()), 'totp');
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('invalid_code');
    clock.advance(30_000);
    const ok = await d.verify(await codeAt(secret, clock.now()), 'totp');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'authenticated', amr: ['pwd', 'otp', 'mfa'] });
    void c;
  });
});

describe('TOTP verification window and replay', () => {
  it('accepts the previous and the next step, refuses two steps away', async () => {
    const { app, clock } = makeTotpApp();
    const { secret } = await enrolledClient(app, clock.now);
    const t0 = clock.now();
    // Each attempt in a new login, far enough in time that no earlier step blocks it.
    const attempt = async (offsetSteps: number, at: number) => {
      clock.set(at);
      const d = await client(app);
      await d.login('alice', 'alice-password-1');
      return d.verify(await codeAt(secret, at + offsetSteps * 30_000), 'totp');
    };
    expect((await attempt(-2, t0 + 10 * 60_000)).status).toBe(401);
    expect((await attempt(2, t0 + 11 * 60_000)).status).toBe(401);
    expect((await attempt(-1, t0 + 12 * 60_000)).status).toBe(200);
    expect((await attempt(1, t0 + 13 * 60_000)).status).toBe(200);
  });

  it('a code used in session A is refused in session B, with a totp.replay event', async () => {
    const { app, clock, events } = makeTotpApp();
    const { secret } = await enrolledClient(app, clock.now);
    clock.advance(60_000);
    const a = await client(app);
    const b = await client(app);
    await a.login('alice', 'alice-password-1');
    await b.login('alice', 'alice-password-1');
    const code = await codeAt(secret, clock.now());
    expect((await a.verify(code, 'totp')).status).toBe(200);
    const second = await b.verify(code, 'totp');
    expect(second.status).toBe(401);
    expect(second.body.error).toBe('invalid_code');
    expect(events.filter((e) => e.type === 'totp.replay')).toHaveLength(1);
    // An earlier step's code is refused too once a later one was accepted.
    expect((await b.verify(await codeAt(secret, clock.now() - 30_000), 'totp')).status).toBe(401);
  });

  it('input that is not 6 ASCII digits is invalid_code, never a 500', async () => {
    const { app, clock } = makeTotpApp();
    const { secret } = await enrolledClient(app, clock.now);
    const d = await client(app);
    await d.login('alice', 'alice-password-1');
    for (const code of [
      '12345',
      '1234567',
      '١٢٣٤٥٦',
      '１２３４５６',
      '12 345',
      'abcdef',
      ' 123456',
      '0x1234',
    ]) {
      const res = await d.verify(code, 'totp');
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_code');
    }
    void secret;
  });
});

describe('TOTP lockout', () => {
  it('10 wrong codes lock; the right code during the lock → 429; 15 minutes later it works', async () => {
    const { app, clock } = makeTotpApp({ stepup: { pendingTtlSeconds: 3600 } });
    const { secret } = await enrolledClient(app, clock.now);
    const d = await client(app);
    await d.login('alice', 'alice-password-1');
    for (let i = 0; i < 10; i++) expect((await d.verify('000000', 'totp')).status).toBe(401);
    clock.advance(30_000);
    const locked = await d.verify(await codeAt(secret, clock.now()), 'totp');
    expect(locked.status).toBe(429);
    expect(locked.body.retryAfter).toBeGreaterThan(0);
    clock.advance(15 * 60_000);
    expect((await d.verify(await codeAt(secret, clock.now()), 'totp')).status).toBe(200);
  });
});
