// Attack: the thief uses a way in that is not a login form: the app's own req.login() (an SSO
// callback, a magic link), a password reset link (flask-security #258), or the one-field password +
// TOTP login; none may yield a second factor the user did not present.
import { describe, expect, it } from 'vitest';
import { makeBypassApp } from '../helpers/bypass-app.js';
import { basic, bypassClient, type BypassClient } from '../helpers/bypass-client.js';

const NEW_PASSWORD = 'a much better passphrase 2026';

async function bareLogin(c: BypassClient, token: string, keep = false) {
  const res = await c.post(
    `/app/login/bare${keep ? '?keep=1' : ''}`,
    {},
    { 'x-signin-token': token },
  );
  expect(res.status).toBe(200);
  await c.refreshCsrf(); // req.login() regenerated the session, and its CSRF token with it
}

async function expectNothingOpens(c: BypassClient) {
  for (const path of ['/me', '/reports', '/billing'])
    expect((await c.get(path)).status, path).toBe(401);
  expect((await c.get('/whoami')).body.isAuthenticated).toBe(false);
}

describe("the app's own req.login() (no stepUp())", () => {
  // Decided: the app vouched for this login itself (e.g. an SSO whose IdP asked for MFA), so
  // requireAuth() opens; but the library saw no second factor, so requireMfa() never does, and
  // no factor can be changed from it (DESIGN §1: a Passport login without our record).
  it('an enrolled user opens requireAuth() only; requireMfa() asks for TOTP; factors stay put', async () => {
    const { app, codeFor } = await makeBypassApp();
    const c = await bypassClient(app);
    await bareLogin(c, 'bob-signin-token');
    const state = await c.state();
    expect(state).toMatchObject({ status: 'authenticated', userId: 'u-bob', amr: [], factors: [] });
    expect(state.mfaAt).toBeUndefined();
    expect((await c.get('/me')).status).toBe(200);
    for (const path of ['/reports', '/billing']) {
      const res = await c.get(path);
      expect(res.status, path).toBe(401);
      expect(res.body, path).toMatchObject({ error: 'mfa_required', factors: ['totp'] });
    }
    expect((await c.getHtml('/reports')).headers.location).toMatch(/^\/mfa\?/);
    // A new authenticator or removing the old one needs a fresh second factor.
    expect((await c.post('/auth/mfa/totp/enroll')).body).toMatchObject({ error: 'mfa_required' });
    const disable = await c.post('/auth/mfa/totp/disable', { code: await codeFor('u-bob') });
    expect(disable.status).toBe(401);
    expect(disable.body.error).toBe('mfa_required');

    // Presenting the factor is what opens requireMfa().
    const up = await c.verify(await codeFor('u-bob'));
    expect(up.status).toBe(200);
    expect((await c.get('/reports')).status).toBe(200);
  });

  it.each([false, true])(
    'over a satisfied session, another user (keepSessionInfo: %s) inherits no factor',
    async (keep) => {
      const { app, codeFor } = await makeBypassApp();
      const c = await bypassClient(app);
      await c.login('bob', 'bob-password-1');
      expect((await c.verify(await codeFor('u-bob'))).status).toBe(200);
      await bareLogin(c, 'carol-signin-token', keep);
      expect(await c.state()).toMatchObject({
        status: 'authenticated',
        userId: 'u-carol',
        factors: [],
      });
      expect((await c.get('/reports')).status).toBe(401);
      expect((await c.get('/billing')).status).toBe(401);
    },
  );

  it('over a pending login of the same user (keepSessionInfo), nothing is satisfied', async () => {
    const { app } = await makeBypassApp();
    const c = await bypassClient(app);
    expect((await c.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');
    await bareLogin(c, 'bob-signin-token', true);
    expect((await c.state()).status).toBe('authenticated');
    expect((await c.get('/reports')).status).toBe(401);
  });
});

describe('stepup.changePassword signs nobody in', () => {
  it('a reset link (anonymous session) leaves it anonymous; the new password then leads to pending', async () => {
    const { app } = await makeBypassApp();
    const c = await bypassClient(app);
    const reset = await c.post('/app/reset-password', {
      userId: 'u-bob',
      newPassword: NEW_PASSWORD,
    });
    expect(reset.status).toBe(200);
    expect((await c.state()).status).toBe('anonymous');
    await expectNothingOpens(c);
    expect((await c.login('bob', 'bob-password-1')).status).toBe(401);
    const login = await c.login('bob', NEW_PASSWORD);
    expect(login.body).toMatchObject({ status: 'mfa_required', factors: ['totp'] });
    expect((await c.state()).status).toBe('pending');
    await expectNothingOpens(c);
  });

  it('changing the password of a pending login ("password expired") does not complete the login', async () => {
    const { app } = await makeBypassApp();
    const c = await bypassClient(app);
    expect((await c.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');
    const change = await c.post('/app/expired-password', { newPassword: NEW_PASSWORD });
    expect(change.status).toBe(200);
    expect(['pending', 'anonymous']).toContain((await c.state()).status);
    await expectNothingOpens(c);
  });
});

describe('password + TOTP in one field (appendedTotp)', () => {
  it('a valid code satisfies in one request; the same code again is refused', async () => {
    const { app, codeFor } = await makeBypassApp({ appendedTotp: true });
    const code = await codeFor('u-bob');
    const c = await bypassClient(app);
    const ok = await c.postBare('/auth/login', basic('bob', `bob-password-1${code}`));
    expect(ok.body).toMatchObject({ status: 'authenticated', amr: ['pwd', 'otp', 'mfa'] });
    expect((await c.get('/reports')).status).toBe(200);

    const d = await bypassClient(app);
    const replay = await d.postBare('/auth/login', basic('bob', `bob-password-1${code}`));
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('invalid_credentials');
    expect((await d.state()).status).toBe('anonymous');
  });

  it.each(['basic', 'json'] as const)(
    'a wrong code (%s) answers invalid_credentials and signs nobody in',
    async (how) => {
      const { app } = await makeBypassApp({ appendedTotp: true });
      const c = await bypassClient(app);
      const res =
        how === 'basic'
          ? await c.postBare('/auth/login', basic('bob', 'bob-password-1000000'))
          : await c.login('bob', 'bob-password-1000000');
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_credentials');
      expect((await c.state()).status).toBe('anonymous');
      await expectNothingOpens(c);
    },
  );

  it('with appendedTotp off, password + code is just a wrong password', async () => {
    const { app, codeFor } = await makeBypassApp();
    const c = await bypassClient(app);
    const res = await c.postBare(
      '/auth/login',
      basic('bob', `bob-password-1${await codeFor('u-bob')}`),
    );
    expect(res.status).toBe(401);
    expect((await c.state()).status).toBe('anonymous');
  });
});
