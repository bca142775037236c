// The "forgot password" flow end to end (docs/architecture.md, invariant 21): a link by mail,
// the second factor of the account, the policy, the consequences, and the options.
import { describe, expect, it } from 'vitest';
import { client } from '../helpers/app.js';
import { codeAt, enrolledClient } from '../helpers/totp-app.js';
import { forgot, makeResetApp, NEW_PASSWORD, reset } from '../helpers/reset-app.js';
import { createStepup, DEFAULT_NOTICE_EMAIL, devOutbox } from '../../lib/index.js';
import { dumpStore } from '../helpers/recovery-app.js';

const base = {
  mailer: devOutbox({ print: false }),
  findAccount: () => null,
  setPasswordHash: () => undefined,
  resetUrl: (t: string) => `/r?token=${t}`,
};

describe('password reset without a second factor', () => {
  it('mails a link, resets with it once, signs nobody in, and tells the user', async () => {
    const app = await makeResetApp();
    const { res, token, sent } = await forgot(app, 'alice', 'alice@example.test');
    expect(res.body).toEqual({ status: 'reset_requested' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only a keyed digest is stored: a store dump holds no usable link.
    expect(JSON.stringify(await dumpStore(app.stepup.store))).not.toContain(token);
    expect(sent[0]?.subject).toMatch(/Reset your/);
    expect(sent[0]?.text).toContain('30 minutes');

    const done = await reset(app, { token, newPassword: NEW_PASSWORD });
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('password_reset');
    expect((await reset(app, { token, newPassword: NEW_PASSWORD })).body.error).toBe(
      'invalid_token',
    );

    const c = await client(app.app);
    expect((await c.login('alice', 'alice-password-1')).status).toBe(401);
    expect((await c.login('alice', NEW_PASSWORD)).body.status).toBe('authenticated');
    expect(app.notices.map((n) => n.kind)).toContain('password_reset');
    const types = app.events.map((e) => e.type);
    expect(types).toContain('password.reset_requested');
    expect(types).toContain('password.reset');
    // No token and no address in any event.
    expect(JSON.stringify(app.events)).not.toContain(token);
    expect(JSON.stringify(app.events)).not.toContain('alice@example.test');
  });

  it('refuses a password the policy refuses with its reasons, and keeps the token', async () => {
    const app = await makeResetApp();
    const { token } = await forgot(app, 'alice', 'alice@example.test');
    const weak = await reset(app, { token, newPassword: 'password' });
    expect(weak.status).toBe(400);
    expect(weak.body.error).toBe('invalid_request');
    expect(weak.body.reasons).toEqual(expect.arrayContaining(['common']));
    const named = await reset(app, { token, newPassword: 'alice loves long passphrases' });
    expect(named.body.reasons).toEqual(['contains_username']);
    expect((await reset(app, { token, newPassword: NEW_PASSWORD })).status).toBe(200);
  });

  it('expires the link after 30 minutes, and a new request voids the previous link', async () => {
    const app = await makeResetApp();
    const first = await forgot(app, 'alice', 'alice@example.test');
    const second = await forgot(app, 'alice', 'alice@example.test');
    expect((await reset(app, { token: first.token, newPassword: NEW_PASSWORD })).body.error).toBe(
      'invalid_token',
    );
    app.clock.advance(30 * 60_000 + 1000);
    expect((await reset(app, { token: second.token, newPassword: NEW_PASSWORD })).body.error).toBe(
      'invalid_token',
    );
  });

  it('stops sending after 3 links an hour for one account, with the same answer', async () => {
    const app = await makeResetApp();
    for (let i = 0; i < 3; i++)
      expect((await forgot(app, 'bob', 'bob@example.test')).token).toBeDefined();
    const fourth = await forgot(app, 'bob', 'bob@example.test');
    expect(fourth.res.body).toEqual({ status: 'reset_requested' });
    expect(fourth.sent).toEqual([]);
    expect(app.events.at(-1)).toMatchObject({
      type: 'password.reset_requested',
      reason: 'throttled',
    });
  });
});

describe('password reset with a second factor', () => {
  it('asks for the factor (token kept), counts a wrong code, spends the TOTP code used', async () => {
    const app = await makeResetApp();
    const { secret } = await enrolledClient(app.app, app.clock.now);
    app.clock.advance(60_000);
    const { token } = await forgot(app, 'alice', 'alice@example.test');

    const bare = await reset(app, { token, newPassword: NEW_PASSWORD });
    expect(bare.status).toBe(401);
    expect(bare.body).toMatchObject({ error: 'mfa_required', factors: ['totp', 'recovery-code'] });
    const wrong = await reset(app, {
      token,
      newPassword: NEW_PASSWORD,
      factor: 'totp',
      code: '000000',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_code');
    expect((await app.stepup.lockoutState('u-alice')).failures).toBe(1);

    const code = await codeAt(secret, app.clock.now());
    const ok = await reset(app, { token, newPassword: NEW_PASSWORD, factor: 'totp', code });
    expect(ok.status).toBe(200);
    // The code is spent: signing in with the new password, the same code is a replay.
    const c = await client(app.app);
    expect((await c.login('alice', NEW_PASSWORD)).body.status).toBe('mfa_required');
    expect((await c.verify(code, 'totp')).body.error).toBe('invalid_code');
  });

  it('accepts a recovery code, once', async () => {
    const app = await makeResetApp();
    const { confirm } = await enrolledClient(app.app, app.clock.now);
    const [rc] = confirm.body.recoveryCodes as string[];
    const first = await forgot(app, 'alice', 'alice@example.test');
    const ok = await reset(app, {
      token: first.token,
      newPassword: NEW_PASSWORD,
      factor: 'recovery-code',
      code: rc,
    });
    expect(ok.status).toBe(200);
    const second = await forgot(app, 'alice', 'alice@example.test');
    const again = await reset(app, {
      token: second.token,
      newPassword: 'another new passphrase 43',
      factor: 'recovery-code',
      code: rc,
    });
    expect(again.body.error).toBe('invalid_code');
  });

  it('sends an account whose only factor is not bound to the account to an admin (403)', async () => {
    const app = await makeResetApp({ testCodeUsers: ['u-bob'] });
    const { token } = await forgot(app, 'bob', 'bob@example.test');
    const res = await reset(app, { token, newPassword: NEW_PASSWORD, code: '246810' });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('recovery_needs_admin');
    expect(
      (await reset(app, { token, newPassword: NEW_PASSWORD, factor: 'test-code', code: '246810' }))
        .status,
    ).toBe(403);
  });

  it('refuses a factor the account cannot use for a reset (403 factor_not_allowed)', async () => {
    const app = await makeResetApp();
    await enrolledClient(app.app, app.clock.now);
    app.enrolled.add('u-alice');
    const { token } = await forgot(app, 'alice', 'alice@example.test');
    const res = await reset(app, {
      token,
      newPassword: NEW_PASSWORD,
      factor: 'test-code',
      code: '246810',
    });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('factor_not_allowed');
  });
});

describe('the password_reset notice', () => {
  it('has its own subject and says every session was signed out', () => {
    const data = {
      kind: 'password_reset',
      appName: 'Acme',
      time: '2026-06-01T12:00:00.000Z',
      ip: '203.0.113.9',
    };
    expect(DEFAULT_NOTICE_EMAIL.subject(data)).toBe('Your Acme password was reset');
    expect(DEFAULT_NOTICE_EMAIL.text(data)).toMatch(
      /every session was signed out[\s\S]*203\.0\.113\.9/,
    );
  });
});

describe('passwordReset options', () => {
  it('refuses a lifetime over 24 h, unknown keys and missing functions at start-up', () => {
    expect(() => createStepup({ passwordReset: { ...base, tokenTtlSeconds: 86_401 } })).toThrow(
      /tokenTtlSeconds/,
    );
    expect(() =>
      createStepup({ passwordReset: { ...base, tokenTTL: 60 } as unknown as typeof base }),
    ).toThrow(TypeError);
    expect(() =>
      createStepup({ passwordReset: { ...base, resetUrl: undefined } as unknown as typeof base }),
    ).toThrow(/resetUrl/);
    expect(() =>
      createStepup({ passwordReset: { ...base, tokenTtlSeconds: 86_400 } }),
    ).not.toThrow();
  });

  it('honours tokenTtlSeconds', async () => {
    const app = await makeResetApp({ reset: { tokenTtlSeconds: 60 } });
    const { token } = await forgot(app, 'alice', 'alice@example.test');
    app.clock.advance(61_000);
    expect((await reset(app, { token, newPassword: NEW_PASSWORD })).body.error).toBe(
      'invalid_token',
    );
  });
});
