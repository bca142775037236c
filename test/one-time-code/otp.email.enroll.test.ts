// Attack: a thief with a signed-in session (or just the password) points email codes at a
// mailbox they control, or relies on email alone where the app wants a stronger factor. Adding
// an address needs proof of that mailbox and a fresh second factor; policy keeps email weak.
import { describe, expect, it } from 'vitest';
import { assertEmailNotAlone } from '../../lib/one-time-code/policy.js';
import { emailOtp, type EmailOtpStrategy } from '../../strategies/one-time-code.js';
import { client } from '../helpers/app.js';
import { CODE_KEY, codeIn, makeOtpApp, pendingWithEmailCode } from '../helpers/otp-app.js';

const BOB = 'bob@example.test';

async function bobSignedIn(built: ReturnType<typeof makeOtpApp>) {
  const c = await client(built.app);
  expect((await c.login('bob', 'bob-password-1')).body.status).toBe('authenticated');
  return c;
}

describe('email enrolment', () => {
  it('needs a signed-in user', async () => {
    const built = makeOtpApp();
    const c = await client(built.app);
    const res = await c.post('/auth/mfa/email/enroll', { email: BOB });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('authentication_required');
  });

  it('a code proves the address; confirm verifies it and counts as a second factor', async () => {
    const built = makeOtpApp();
    const c = await bobSignedIn(built);
    const factor = built.stepup.factors.get('email-otp');
    const start = await c.post('/auth/mfa/email/enroll', { email: BOB });
    expect(start.status).toBe(202);
    expect(start.body).toMatchObject({
      status: 'sent',
      expiresIn: 300,
      destination: 'b***@example.test',
    });
    expect(built.outbox.last()?.to).toBe(BOB);
    const code = codeIn(built.outbox.last(BOB)?.text);
    expect(await factor?.isEnrolled('u-bob')).toBe(false);
    const wrong = code === '000000' ? '000001' : '000000';
    const bad = await c.post('/auth/mfa/email/confirm', { code: wrong });
    expect(bad.status).toBe(401);
    const ok = await c.post('/auth/mfa/email/confirm', { code });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ enabled: true, amr: ['pwd', 'email', 'mfa'] });
    expect(await factor?.isEnrolled('u-bob')).toBe(true);
    const notices = built.notices.map((n) => [n.kind, n.data.factor]);
    expect(notices).toContainEqual(['factor_enabled', 'email-otp']);
    expect(built.events.some((e) => e.type === 'email_otp.enabled')).toBe(true);
    // The next login asks for it.
    const d = await client(built.app);
    expect((await d.login('bob', 'bob-password-1')).body).toMatchObject({ factors: ['email-otp'] });
  });

  it('required mode: a user with no factor enrols an address at login, then is signed in', async () => {
    const built = makeOtpApp({ stepup: { mode: 'required' } });
    const c = await client(built.app);
    expect((await c.login('bob', 'bob-password-1')).body.status).toBe('enrollment_required');
    expect((await c.get('/reports')).status).toBe(401);
    expect((await c.post('/auth/mfa/email/send')).status).toBe(409);
    expect((await c.post('/auth/mfa/email/enroll', { email: BOB })).status).toBe(202);
    const ok = await c.post('/auth/mfa/email/confirm', {
      code: codeIn(built.outbox.last(BOB)?.text),
    });
    expect(ok.body).toMatchObject({ enabled: true, amr: ['pwd', 'email', 'mfa'] });
    expect((await c.get('/reports')).status).toBe(200);
  });

  it('refuses a malformed address with 400 and sends nothing', async () => {
    const built = makeOtpApp();
    const c = await bobSignedIn(built);
    const long = `${'a'.repeat(250)}@x.io`;
    const bad = ['not-an-address', '', long, ['a@b.io'], 'a@b.io\r\nBcc: x@y.io'];
    for (const email of bad) {
      const res = await c.post('/auth/mfa/email/enroll', { email });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    }
    expect(built.outbox.messages()).toHaveLength(0);
  });

  it('an enrolment code does not sign in; a sign-in code does not confirm an address', async () => {
    const built = makeOtpApp();
    const { c, code } = await pendingWithEmailCode(built);
    expect((await c.post('/auth/mfa/email/confirm', { code })).status).toBe(401);
    expect((await c.verify(code, 'email-otp')).status).toBe(200);
    const start = await c.post('/auth/mfa/email/enroll', { email: 'new@example.test' });
    expect(start.status).toBe(202);
    const enrolCode = codeIn(built.outbox.last('new@example.test')?.text);
    built.clock.advance(61_000);
    await c.post('/auth/logout');
    const d = await client(built.app);
    await d.login('alice', 'alice-password-1');
    expect((await d.verify(enrolCode, 'email-otp')).status).toBe(401);
  });

  it('changing the address needs a fresh second factor; the old mailbox hears of it', async () => {
    // The notifier looks the address up when it runs, as an app using addressOf() would.
    const heardAt: string[] = [];
    let addressOf: (id: string) => Promise<string | undefined> = async () => undefined;
    const built = makeOtpApp({
      stepup: {
        notify: async (n) => {
          if (n.kind === 'factor_enabled') heardAt.push((await addressOf(n.userId)) ?? '-');
        },
      },
    });
    const factor = built.stepup.factors.get('email-otp') as EmailOtpStrategy;
    addressOf = (id) => factor.addressOf(id);
    const c = await bobSignedIn(built);
    await c.post('/auth/mfa/email/enroll', { email: BOB });
    await c.post('/auth/mfa/email/confirm', { code: codeIn(built.outbox.last(BOB)?.text) });
    built.clock.advance(6 * 60_000);
    const stale = await c.post('/auth/mfa/email/enroll', { email: 'new@example.test' });
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ error: 'mfa_required', reason: 'stale' });
    expect((await c.post('/auth/mfa/email/send')).status).toBe(202);
    expect((await c.verify(codeIn(built.outbox.last(BOB)?.text), 'email-otp')).status).toBe(200);
    const again = await c.post('/auth/mfa/email/enroll', { email: 'new@example.test' });
    expect(again.status).toBe(202);
    const code = codeIn(built.outbox.last('new@example.test')?.text);
    expect((await c.post('/auth/mfa/email/confirm', { code })).status).toBe(200);
    expect(await factor.addressOf('u-bob')).toBe('new@example.test');
    // First enrolment: the new address is told; a change: the old one is.
    expect(heardAt).toEqual([BOB, BOB]);
  });

  it('disable: needs a fresh factor, removes the enrolled address, notifies', async () => {
    const built = makeOtpApp();
    const c = await bobSignedIn(built);
    await c.post('/auth/mfa/email/enroll', { email: BOB });
    await c.post('/auth/mfa/email/confirm', { code: codeIn(built.outbox.last(BOB)?.text) });
    const off = await c.post('/auth/mfa/email/disable');
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ enabled: false });
    expect(built.notices.at(-1)).toMatchObject({
      kind: 'factor_disabled',
      data: { factor: 'email-otp' },
    });
    expect(built.events.some((e) => e.type === 'credentials.changed')).toBe(true);
    expect((await c.post('/auth/mfa/email/disable')).body.error).toBe('factor_not_enrolled');
  });
});

describe('policy', () => {
  it('assertEmailNotAlone: email needs another factor type; recovery codes do not count', () => {
    expect(() => assertEmailNotAlone(['email-otp'])).toThrow(/only second factor/);
    expect(() => assertEmailNotAlone(['email-otp', 'recovery-code'])).toThrow(TypeError);
    expect(() => assertEmailNotAlone(['totp', 'email-otp'])).not.toThrow();
    expect(() => assertEmailNotAlone(['sms-otp', 'email-otp'])).not.toThrow();
    expect(() => assertEmailNotAlone(['totp'])).not.toThrow();
    const asFirst = () => assertEmailNotAlone(['totp', 'email-otp'], 'email-otp');
    expect(asFirst).toThrow(/never counts as two/);
  });

  it('requireStrongerFactor: email/SMS only for users with a stronger factor too', async () => {
    const strong = { requireStrongerFactor: true };
    const built = makeOtpApp({ email: strong, sms: strong });
    const a = await client(built.app);
    expect((await a.login('alice', 'alice-password-1')).body.status).toBe('authenticated');
    expect((await a.post('/auth/mfa/email/send')).status).toBe(409);
    built.enrolled.add('u-alice');
    const b = await client(built.app);
    expect((await b.login('alice', 'alice-password-1')).body.factors).toEqual([
      'test-code',
      'other-code',
      'email-otp',
      'sms-otp',
    ]);
  });

  it('requireMfa({ factors }) refuses a session satisfied by an email code', async () => {
    const built = makeOtpApp();
    const guard = built.stepup.requireMfa({ factors: ['test-code'] });
    built.app.get('/payout-strong', guard, (_req, res) => {
      res.json({ ok: true });
    });
    const { c, code } = await pendingWithEmailCode(built);
    await c.verify(code, 'email-otp');
    const res = await c.get('/payout-strong');
    expect(res.status).toBe(401);
    expect(res.body.reason).toBe('factor_not_allowed');
  });

  it('options are checked when the factory is called', () => {
    expect(() => emailOtp({ mailer: undefined as never })).toThrow(/mailer is required/);
    const mailer = { send: async () => {} };
    expect(() => emailOtp({ mailer, codeKey: 'short' })).toThrow(/at least 32 bytes/);
    expect(() => emailOtp({ mailer, codekey: CODE_KEY } as never)).toThrow(/unknown option/);
    const templates = { body: () => '' } as never;
    expect(() => emailOtp({ mailer, templates })).toThrow(/unknown option "body"/);
  });
});
