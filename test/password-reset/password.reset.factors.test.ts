// Attack: reset the password of an account whose second factor is the very mailbox that got the
// link (email codes), or of a passkey account with a passkey assertion made for something else.
// The email-only account is refused (403 recovery_needs_admin, token kept); a passkey works only
// with a challenge issued for this reset, in this session (docs/architecture.md, invariant 21).
import { describe, expect, it } from 'vitest';
import { client } from '../helpers/app.js';
import { makeOtpApp } from '../helpers/otp-app.js';
import { aliceWithPasskey, makePasskeyApp } from '../helpers/passkey-app.js';
import { NEW_PASSWORD } from '../helpers/reset-app.js';
import { devOutbox, type PasswordResetOptions } from '../../lib/index.js';
import { passwordResetOf } from '../../lib/password-reset/service.js';
import type { Stepup } from '../../lib/create-stepup.js';

function resetOptions() {
  const outbox = devOutbox({ print: false });
  const hashes = new Map<string, string>();
  const options: PasswordResetOptions = {
    mailer: outbox,
    findAccount: (username) =>
      username === 'alice' ? { id: 'u-alice', email: 'alice@example.test' } : null,
    setPasswordHash: (userId, hash) => void hashes.set(userId, hash),
    resetUrl: (token) => `https://app.example.test/reset-password?token=${token}`,
  };
  return { outbox, hashes, options };
}

async function linkFor(
  stepup: Stepup,
  c: Awaited<ReturnType<typeof client>>,
  outbox: ReturnType<typeof devOutbox>,
) {
  expect((await c.post('/auth/password/forgot', { username: 'alice' })).status).toBe(202);
  await passwordResetOf(stepup).idle();
  return /token=([A-Za-z0-9_-]+)/.exec(outbox.last()?.text ?? '')?.[1];
}

describe('an account whose only second factor is email codes', () => {
  it('cannot reset alone: 403 recovery_needs_admin, whatever it sends', async () => {
    const { outbox, hashes, options } = resetOptions();
    const { app, stepup } = makeOtpApp({ sms: false, stepup: { passwordReset: options } });
    expect(await stepup.enrolledFactors('u-alice')).toEqual(['email-otp']);
    const c = await client(app);
    const token = await linkFor(stepup, c, outbox);
    for (const body of [
      { token, newPassword: NEW_PASSWORD },
      { token, newPassword: NEW_PASSWORD, factor: 'email-otp', code: '123456' },
      { token, newPassword: NEW_PASSWORD, code: '123456' },
    ]) {
      const res = await c.post('/auth/password/reset', body);
      expect(res.status).toBe(403);
      expect(res.body.error).toBe('recovery_needs_admin');
    }
    expect(hashes.size).toBe(0);
  });
});

describe('a passkey account', () => {
  it('resets with an assertion over the reset challenge, not with one from elsewhere', async () => {
    const { outbox, hashes, options } = resetOptions();
    const built = makePasskeyApp({ stepup: { passwordReset: options } });
    const { auth } = await aliceWithPasskey(built.app);
    const c = await client(built.app);
    const token = await linkFor(built.stepup, c, outbox);

    const bare = await c.post('/auth/password/reset', { token, newPassword: NEW_PASSWORD });
    expect(bare.body).toMatchObject({
      error: 'mfa_required',
      factors: ['recovery-code', 'passkey'],
    });
    // An assertion without a challenge of this session: refused, counted.
    const other = await client(built.app);
    const foreign = await other.post('/auth/password/reset/passkey-options', { token });
    expect(foreign.status).toBe(200);
    const stolen = await c.post('/auth/password/reset', {
      token,
      newPassword: NEW_PASSWORD,
      response: auth.get(foreign.body),
    });
    expect(stolen.status).toBe(401);
    expect(stolen.body.error).toBe('invalid_code');
    expect(
      (await c.post('/auth/password/reset/passkey-options', { token: 'B'.repeat(43) })).body.error,
    ).toBe('invalid_token');

    const opts = await c.post('/auth/password/reset/passkey-options', { token });
    expect(opts.status).toBe(200);
    const ok = await c.post('/auth/password/reset', {
      token,
      newPassword: NEW_PASSWORD,
      response: auth.get(opts.body),
    });
    expect(ok.status).toBe(200);
    expect(hashes.has('u-alice')).toBe(true);
    expect((await c.get('/auth/session')).body.status).toBe('anonymous');
  });
});

describe('an SMS account', () => {
  // Attack: a code sent for a sign-in (or another link) is replayed at the reset.
  it('resets with a code sent for this link only, counted on the lockout', async () => {
    const { outbox, hashes, options } = resetOptions();
    const { app, stepup, texts, clock } = makeOtpApp({
      email: false,
      stepup: { passwordReset: options },
    });
    expect(await stepup.enrolledFactors('u-alice')).toEqual(['sms-otp']);
    const c = await client(app);
    const token = await linkFor(stepup, c, outbox);
    const bare = await c.post('/auth/password/reset', { token, newPassword: NEW_PASSWORD });
    expect(bare.body).toMatchObject({ error: 'mfa_required', factors: ['sms-otp'] });
    // A code sent for a sign-in does not count for the reset.
    const login = await client(app);
    await login.login('alice', 'alice-password-1');
    expect((await login.post('/auth/mfa/sms/send')).status).toBe(202);
    const loginCode = /\d{6}/.exec(texts.last()?.text ?? '')?.[0];
    const replay = await c.post('/auth/password/reset', {
      token,
      newPassword: NEW_PASSWORD,
      factor: 'sms-otp',
      code: loginCode,
    });
    expect(replay.body.error).toBe('invalid_code');
    expect((await stepup.lockoutState('u-alice')).failures).toBe(1);

    clock.advance(61_000); // the resend interval of the sign-in code
    const sent = await c.post('/auth/password/reset/sms/send', { token });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ status: 'sent', destination: expect.any(String) });
    expect(JSON.stringify(sent.body)).not.toContain('+15550001111');
    expect(texts.last()?.text).toMatch(/resetting your password|\d{6}/);
    const code = /\d{6}/.exec(texts.last()?.text ?? '')?.[0];
    const ok = await c.post('/auth/password/reset', {
      token,
      newPassword: NEW_PASSWORD,
      factor: 'sms-otp',
      code,
    });
    expect(ok.status).toBe(200);
    expect(hashes.has('u-alice')).toBe(true);
    expect((await c.post('/auth/password/reset/sms/send', { token })).body.error).toBe(
      'invalid_token',
    );
  });
});
