// Attack: the password thief skips the password form and signs in by another path the app offers
// (Better Auth #9552): HTTP Basic, a custom firstFactor, stepup.authenticate(), stepUp() after the
// app's own Passport strategy; every path must end pending for a user with TOTP, never satisfied.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { makeBypassApp, type BypassAppOptions, type BypassUser } from '../helpers/bypass-app.js';
import { basic, bypassClient, type BypassClient } from '../helpers/bypass-client.js';

interface SignInPath {
  readonly name: string;
  readonly app: BypassAppOptions;
  signIn(c: BypassClient, user: BypassUser): Promise<request.Response>;
}

const header = (u: BypassUser) => ({ 'x-signin-token': u.token });

/** An app route answers with `res.locals.stepup` only: the client fetches the rotated CSRF token. */
async function appRoute(
  c: BypassClient,
  path: string,
  body: object,
  headers: Record<string, string> = {},
) {
  const res = await c.post(path, body, headers);
  await c.refreshCsrf();
  return res;
}

const PATHS: SignInPath[] = [
  {
    name: 'POST /auth/login, built-in password',
    app: {},
    signIn: (c, u) => c.login(u.username, u.password),
  },
  {
    name: 'POST /auth/login, HTTP Basic, no CSRF',
    app: {},
    signIn: (c, u) => c.postBare('/auth/login', basic(u.username, u.password)),
  },
  {
    name: 'HTTP Basic, appendedTotp, password only',
    app: { appendedTotp: true },
    signIn: (c, u) => c.postBare('/auth/login', basic(u.username, u.password)),
  },
  {
    name: 'POST /auth/login, custom firstFactor',
    app: { firstFactor: 'directory' },
    signIn: (c, u) => c.login(u.username, u.directoryPassword),
  },
  {
    name: 'HTTP Basic, custom firstFactor',
    app: { firstFactor: 'directory' },
    signIn: (c, u) => c.postBare('/auth/login', basic(u.username, u.directoryPassword)),
  },
  {
    name: "app: stepup.authenticate('header-token')",
    app: {},
    signIn: (c, u) => appRoute(c, '/app/login/authenticate-header', {}, header(u)),
  },
  {
    name: "app: stepup.authenticate('password')",
    app: {},
    signIn: (c, u) =>
      appRoute(c, '/app/login/authenticate-password', {
        username: u.username,
        password: u.password,
      }),
  },
  {
    name: 'app: header, session:false + stepUp()',
    app: {},
    signIn: (c, u) => appRoute(c, '/app/login/stepup-header', {}, header(u)),
  },
  {
    name: 'app: header, session:true + stepUp()',
    app: {},
    signIn: (c, u) => appRoute(c, '/app/login/stepup-header-session', {}, header(u)),
  },
  {
    name: 'app: password, session:false + stepUp()',
    app: {},
    signIn: (c, u) =>
      appRoute(c, '/app/login/stepup-password', { username: u.username, password: u.password }),
  },
];

/** Pending and nothing more: not logged in for Passport, no guard opens, no factor can be changed. */
async function expectPending(c: BypassClient, userId: string) {
  const state = await c.state();
  expect(state).toMatchObject({ status: 'pending', userId, amr: ['pwd'], factors: [] });
  expect(state.mfaAt).toBeUndefined();
  expect((await c.get('/whoami')).body).toEqual({
    isAuthenticated: false,
    user: null,
    status: 'pending',
  });
  for (const path of ['/me', '/reports', '/billing']) {
    const res = await c.get(path);
    expect(res.status, path).toBe(401);
    expect(res.body, path).toMatchObject({ error: 'mfa_required', reason: 'pending' });
  }
  const html = await c.getHtml('/reports');
  expect(html.status).toBe(302);
  expect(html.headers.location).toMatch(/^\/mfa\?/);
  const enroll = await c.post('/auth/mfa/totp/enroll');
  expect(enroll.status).toBe(401);
  expect(enroll.body).toMatchObject({ error: 'mfa_required' });
  const confirm = await c.post('/auth/mfa/totp/confirm', { code: '123456' });
  expect(confirm.status).toBe(401);
  expect(confirm.body).toMatchObject({ error: 'mfa_required' });
  expect((await c.get('/auth/mfa/browsers')).status).toBe(401);
}

describe.each(PATHS)('$name', (path) => {
  it('an enrolled user is pending; a wrong code keeps it so; only a valid TOTP code opens the guards', async () => {
    const { app, users, codeFor } = await makeBypassApp(path.app);
    const bob = users.get('bob') as BypassUser;
    const c = await bypassClient(app);
    const res = await path.signIn(c, bob);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'mfa_required', factors: ['totp'] });
    await expectPending(c, 'u-bob');

    const wrong = await c.verify('000000');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_code');
    await expectPending(c, 'u-bob');

    const ok = await c.verify(await codeFor('u-bob'));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'authenticated', amr: ['pwd', 'otp', 'mfa'] });
    expect((await c.state()).status).toBe('satisfied');
    expect((await c.get('/reports')).status).toBe(200);
    expect((await c.get('/billing')).status).toBe(200);
  });

  it('the cookies of its mfa_required answer open nothing', async () => {
    const { app, users } = await makeBypassApp(path.app);
    const c = await bypassClient(app);
    const res = await path.signIn(c, users.get('bob') as BypassUser);
    expect(res.body.status).toBe('mfa_required');
    const setCookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(setCookies.map((s) => s.split('=')[0])).toEqual(['sid']);
    const cookie = setCookies.map((s) => s.split(';')[0]).join('; ');
    const fresh = () => request(app);
    for (const guarded of ['/me', '/reports', '/billing']) {
      const r = await fresh().get(guarded).set('Cookie', cookie).set('Accept', 'application/json');
      expect(r.status, guarded).toBe(401);
    }
    const who = await fresh().get('/whoami').set('Cookie', cookie);
    expect(who.body).toEqual({ isAuthenticated: false, user: null, status: 'pending' });
    const token = (await fresh().get('/auth/csrf').set('Cookie', cookie)).body.csrfToken as string;
    const enroll = await fresh()
      .post('/auth/mfa/totp/enroll')
      .set('Cookie', cookie)
      .set('x-csrf-token', token)
      .set('Accept', 'application/json');
    expect(enroll.status).toBe(401);
    expect((await fresh().get('/auth/mfa/browsers').set('Cookie', cookie)).status).toBe(401);
  });

  it('over a satisfied session, a second enrolled user is pending and inherits no factor', async () => {
    const { app, users, codeFor } = await makeBypassApp(path.app);
    const c = await bypassClient(app);
    await path.signIn(c, users.get('bob') as BypassUser);
    expect((await c.verify(await codeFor('u-bob'))).status).toBe(200);
    expect((await c.get('/reports')).status).toBe(200);

    const res = await path.signIn(c, users.get('carol') as BypassUser);
    expect(res.body).toMatchObject({ status: 'mfa_required', factors: ['totp'] });
    await expectPending(c, 'u-carol');
    // Bob's authenticator proves nothing for Carol.
    const bobsCode = await c.verify(await codeFor('u-bob'));
    expect(bobsCode.status).toBe(401);
    await expectPending(c, 'u-carol');
    expect((await c.verify(await codeFor('u-carol'))).status).toBe(200);
    expect(await c.state()).toMatchObject({
      status: 'satisfied',
      userId: 'u-carol',
      factors: ['totp'],
    });
  });

  it('over a satisfied session, a user without a factor is signed in with one factor only', async () => {
    const { app, users, codeFor } = await makeBypassApp(path.app);
    const c = await bypassClient(app);
    await path.signIn(c, users.get('bob') as BypassUser);
    expect((await c.verify(await codeFor('u-bob'))).status).toBe(200);

    const res = await path.signIn(c, users.get('alice') as BypassUser);
    expect(res.body).toMatchObject({ status: 'authenticated', amr: ['pwd'] });
    expect(await c.state()).toMatchObject({
      status: 'authenticated',
      userId: 'u-alice',
      factors: [],
    });
    expect((await c.get('/me')).status).toBe(200);
    const reports = await c.get('/reports');
    expect(reports.status).toBe(401);
    expect(reports.body).toMatchObject({ error: 'mfa_required', reason: 'not_enrolled' });
  });

  it('the same user signing in again over his satisfied session starts over: pending', async () => {
    const { app, users, codeFor } = await makeBypassApp(path.app);
    const c = await bypassClient(app);
    const bob = users.get('bob') as BypassUser;
    await path.signIn(c, bob);
    expect((await c.verify(await codeFor('u-bob'))).status).toBe(200);
    expect((await path.signIn(c, bob)).body.status).toBe('mfa_required');
    await expectPending(c, 'u-bob');
  });
});
