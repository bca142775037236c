// Story: bob makes a personal API token on /settings/security for a backup script. The page
// shows it once and lists it (never the token again); the token reads /api/reports; he revokes
// it and the next request with it is refused. Six minutes after his last code, the form sends
// him to confirm a second factor first instead of making a token.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTotp } from '../../lib/index.js';
import { createExampleApp, type ExampleApp } from '../app.js';

let example: ExampleApp;
let offset = 0;
beforeAll(async () => {
  example = await createExampleApp(
    {
      SESSION_SECRET: 'tokens-page-test-session-secret-0123456789',
      DATABASE_URL: 'sqlite::memory:',
    },
    { printMail: false, now: () => Date.now() + offset },
  );
});
afterAll(async () => {
  await example?.close();
});

async function bobSignedIn() {
  // Each TOTP step is accepted once: move the server's clock two steps on for a fresh code.
  offset += 60_000;
  const agent = request.agent(example.app);
  const csrf = (await agent.get('/auth/csrf').expect(200)).body.csrfToken as string;
  const code = await generateTotp({
    secret: example.demo.bob.secret ?? '',
    now: Date.now() + offset,
  });
  const login = await agent
    .post('/auth/login')
    .set('x-csrf-token', csrf)
    .send({ username: 'bob', password: `bob-password-1${code}` });
  expect(login.body.status).toBe('authenticated');
  return agent;
}

const pageCsrf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe('API tokens on the security page', () => {
  it('creates a token shown once, lists it, and revokes it', async () => {
    const agent = await bobSignedIn();
    const before = await agent.get('/settings/security').set('Accept', 'text/html').expect(200);
    expect(before.text).toContain('<p data-testid="tokens">No token.</p>');

    const created = await agent
      .post('/settings/security/tokens')
      .type('form')
      .send({ _csrf: pageCsrf(before.text), label: 'backup script', expiresInDays: '30' })
      .expect(200);
    expect(created.headers['cache-control']).toContain('no-store');
    const token = /data-testid="created-token">(psu_[^<]+)</.exec(created.text)?.[1] ?? '';
    expect(token).toMatch(/^psu_/);
    expect(created.text).toContain('<td>backup script</td>');

    const withToken = await request(example.app)
      .get('/api/reports')
      .set('Authorization', `Bearer ${token}`);
    expect(withToken.status).toBe(200);
    expect(withToken.body.userId).toBe('bob');

    // Listed afterwards, never shown again.
    const listed = await agent.get('/settings/security').set('Accept', 'text/html');
    expect(listed.text).toContain('<td>backup script</td>');
    expect(listed.text).not.toContain(token);
    const id = /tokens\/([^/"]+)\/revoke/.exec(listed.text)?.[1] ?? '';
    await agent
      .post(`/settings/security/tokens/${id}/revoke`)
      .type('form')
      .send({ _csrf: pageCsrf(listed.text) })
      .expect(303)
      .expect('Location', '/settings/security?notice=token-revoked');
    const refused = await request(example.app)
      .get('/api/reports')
      .set('Authorization', `Bearer ${token}`);
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it('sends a stale session to confirm a second factor, then back with a notice', async () => {
    const agent = await bobSignedIn();
    const page = await agent.get('/settings/security').set('Accept', 'text/html');
    offset += 6 * 60_000;
    const res = await agent
      .post('/settings/security/tokens')
      .type('form')
      .send({ _csrf: pageCsrf(page.text), label: 'late', expiresInDays: '30' })
      .expect(303);
    const location = new URL(res.headers.location ?? '', 'http://x');
    expect(location.pathname).toBe('/mfa');
    expect(location.searchParams.get('reason')).toBe('stale');
    expect(location.searchParams.get('returnTo')).toBe(
      '/settings/security?notice=token-confirm-done',
    );
    const mfa = await agent
      .get(`${location.pathname}${location.search}`)
      .set('Accept', 'text/html');
    expect(mfa.text).toContain('This page needs a recent second factor');
    expect(mfa.text).toContain('token-confirm-done');
    const notice = await agent
      .get('/settings/security?notice=token-confirm-done')
      .set('Accept', 'text/html');
    expect(notice.text).toContain('Now create the API token again');
  });
});
