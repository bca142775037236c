// Attack: a page on another site makes the victim's browser POST to our login (login CSRF)
// or to a state-changing endpoint with the victim's cookies. Without the session's token the
// request must be refused with 403 csrf_invalid, and tokens rotate with the session id.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { client, makeApp } from '../helpers/app.js';

describe('CSRF on the router', () => {
  it('login without a token → 403 csrf_invalid', async () => {
    const { app } = makeApp();
    const agent = request.agent(app);
    await agent.get('/auth/csrf');
    const res = await agent
      .post('/auth/login')
      .send({ username: 'bob', password: 'bob-password-1' });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'csrf_invalid' });
  });

  it('a wrong token, a token of another session, an array → 403', async () => {
    const { app } = makeApp();
    const a = await client(app);
    const b = await client(app);
    const body = { username: 'bob', password: 'bob-password-1' };
    for (const token of ['nope', b.csrf, a.csrf.slice(0, -1)]) {
      const res = await a.agent.post('/auth/login').set('x-csrf-token', token).send(body);
      expect(res.status).toBe(403);
    }
    const form = await a.agent
      .post('/auth/login')
      .type('form')
      .send(`username=bob&password=x&_csrf=${a.csrf}&_csrf=${a.csrf}`);
    expect(form.status).toBe(403);
  });

  it('a form field _csrf works for HTML forms', async () => {
    const { app } = makeApp();
    const c = await client(app);
    const res = await c.agent
      .post('/auth/login')
      .type('form')
      .send({ username: 'bob', password: 'bob-password-1', _csrf: c.csrf });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('mfa_required');
  });

  it('logout and verify need it too', async () => {
    const { app } = makeApp();
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    expect(
      (await c.agent.post('/auth/mfa/verify').send({ factor: 'test-code', code: '1' })).status,
    ).toBe(403);
    expect((await c.agent.post('/auth/logout')).status).toBe(403);
  });

  it('the token rotates with the session at login; the pre-login token stops working', async () => {
    const { app } = makeApp();
    const c = await client(app);
    const before = c.csrf;
    const login = await c.login('bob', 'bob-password-1');
    expect(typeof login.body.csrfToken).toBe('string');
    expect(login.body.csrfToken).not.toBe(before);
    const stale = await c.agent
      .post('/auth/mfa/verify')
      .set('x-csrf-token', before)
      .send({ factor: 'test-code', code: '246810' });
    expect(stale.status).toBe(403);
  });

  it('safe methods do not need a token', async () => {
    const { app } = makeApp();
    const res = await request(app).get('/auth/session');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('anonymous');
  });
});
