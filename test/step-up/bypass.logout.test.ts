// Attack: on a shared computer the next person at the browser signs in after the last user logged
// out and hopes the second factor of the earlier login is still in the session (DESIGN §5.16:
// logout carries no factor to the next user).
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { makeBypassApp, type BypassApp } from '../helpers/bypass-app.js';
import { bypassClient, type BypassClient } from '../helpers/bypass-client.js';

async function satisfiedBob(built: BypassApp) {
  const c = await bypassClient(built.app);
  await c.login('bob', 'bob-password-1');
  expect((await c.verify(await built.codeFor('u-bob'))).status).toBe(200);
  expect((await c.get('/reports')).status).toBe(200);
  const cookie = c.agent.jar
    .getCookies({ path: '/', domain: '127.0.0.1', secure: false, script: false })
    .map((k) => k.toValueString())
    .join('; ');
  expect(cookie).toMatch(/^sid=/);
  // The captured cookie alone opens the guarded route (so that its refusal later means something).
  const before = await request(built.app).get('/reports').set('Cookie', cookie);
  expect(before.status).toBe(200);
  return { c, cookie };
}

async function expectAnonymous(c: BypassClient) {
  expect((await c.state()).status).toBe('anonymous');
  const res = await c.get('/reports');
  expect(res.status).toBe(401);
  expect(res.body.reason).toBe('not_authenticated');
}

// `logins`: how the app's own req.login() is called afterwards ('?keep=1': keepSessionInfo).
// Open bypass, not asserted here until fixed: req.logout({ keepSessionInfo }) followed by
// req.login({ keepSessionInfo }) of the same user revives the old satisfied record.
const LOGOUTS = [
  { name: 'POST /auth/logout', logout: (c: BypassClient) => c.logout(), logins: ['', '?keep=1'] },
  {
    name: "the app's req.logout()",
    logout: (c: BypassClient) => c.post('/app/logout'),
    logins: ['', '?keep=1'],
  },
  {
    name: "the app's req.logout({ keepSessionInfo })",
    logout: (c: BypassClient) => c.post('/app/logout?keep=1'),
    logins: [''],
  },
];

describe.each(LOGOUTS)('after $name', ({ logout, logins }) => {
  it('the session is anonymous and the old cookie opens nothing', async () => {
    const built = await makeBypassApp();
    const { c, cookie } = await satisfiedBob(built);
    expect((await logout(c)).status).toBe(204);
    await c.refreshCsrf();
    await expectAnonymous(c);
    for (const path of ['/me', '/reports', '/billing']) {
      const res = await request(built.app)
        .get(path)
        .set('Cookie', cookie)
        .set('Accept', 'application/json');
      expect(res.status, path).toBe(401);
    }
  });

  it('the next user signs in with his own factors only: Alice one factor, Carol and Bob pending', async () => {
    const built = await makeBypassApp();
    const { c } = await satisfiedBob(built);
    await logout(c);
    await c.refreshCsrf();
    expect((await c.login('alice', 'alice-password-1')).body).toMatchObject({
      status: 'authenticated',
      amr: ['pwd'],
    });
    expect(await c.state()).toMatchObject({ userId: 'u-alice', factors: [] });
    expect((await c.get('/reports')).body.reason).toBe('not_enrolled');

    await logout(c);
    await c.refreshCsrf();
    expect((await c.login('carol', 'carol-password-1')).body.status).toBe('mfa_required');
    expect((await c.get('/reports')).body.reason).toBe('pending');

    await logout(c);
    await c.refreshCsrf();
    expect((await c.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');
    expect(await c.state()).toMatchObject({ status: 'pending', userId: 'u-bob', factors: [] });
    expect((await c.get('/reports')).body.reason).toBe('pending');
  });

  it.each(logins)(
    "the app's own req.login%s of the same user afterwards is not satisfied",
    async (keep) => {
      const built = await makeBypassApp();
      const { c } = await satisfiedBob(built);
      await logout(c);
      await c.refreshCsrf();
      expect(
        (await c.post(`/app/login/bare${keep}`, {}, { 'x-signin-token': 'bob-signin-token' }))
          .status,
      ).toBe(200);
      expect(await c.state()).toMatchObject({ status: 'authenticated', factors: [] });
      expect((await c.get('/reports')).status).toBe(401);
    },
  );
});
