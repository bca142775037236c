// Story: a script uses the demo's JSON endpoints. Its guards answer 401 JSON with a reason (never a
// redirect, whatever the Accept header), and bob signs in from a one-prompt CLI by typing his
// password followed by the current code from his app.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTotp } from '../../lib/index.js';
import { createExampleApp, type ExampleApp } from '../app.js';

describe('example app JSON endpoints', () => {
  let example: ExampleApp;
  beforeAll(async () => {
    example = await createExampleApp(
      {
        SESSION_SECRET: 'api-test-session-secret-0123456789abcdef',
        DATABASE_URL: 'sqlite::memory:',
      },
      { printMail: false },
    );
  });
  afterAll(async () => {
    await example?.close();
  });

  const agentWithCsrf = async () => {
    const agent = request.agent(example.app);
    const csrf = ((await agent.get('/auth/csrf').expect(200)).body as { csrfToken: string })
      .csrfToken;
    return { agent, csrf };
  };

  it('guards answer 401 JSON to curl-like clients', async () => {
    for (const path of ['/api/me', '/api/reports', '/api/billing']) {
      const res = await request(example.app).get(path).set('Accept', '*/*');
      expect(res.status).toBe(401);
      expect(res.body.reason).toBe('not_authenticated');
    }
  });

  it('alice with a password only: /api/me yes, /api/reports no (not_enrolled)', async () => {
    const { agent, csrf } = await agentWithCsrf();
    const login = await agent
      .post('/auth/login')
      .set('x-csrf-token', csrf)
      .send({ username: 'alice', password: 'alice-password-1' });
    expect(login.body.status).toBe('authenticated');
    expect((await agent.get('/api/me')).body).toMatchObject({
      userId: 'alice',
      status: 'authenticated',
      amr: ['pwd'],
    });
    const reports = await agent.get('/api/reports');
    expect(reports.status).toBe(401);
    expect(reports.body).toMatchObject({ error: 'mfa_required', reason: 'not_enrolled' });
  });

  it('bob signs in with password + TOTP code in one field, and billing opens', async () => {
    const { agent, csrf } = await agentWithCsrf();
    const code = await generateTotp({
      secret: example.demo.bob.secret ?? '',
      now: Date.now() + 30_000,
    });
    const login = await agent
      .post('/auth/login')
      .set('x-csrf-token', csrf)
      .send({ username: 'bob', password: `bob-password-1${code}` });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ status: 'authenticated', amr: ['pwd', 'otp', 'mfa'] });
    expect((await agent.get('/api/billing')).status).toBe(200);
  });

  it('a page form without its CSRF token is refused', async () => {
    const res = await request(example.app)
      .post('/login')
      .type('form')
      .send({ username: 'alice', password: 'alice-password-1' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('Form expired');
  });

  it('pages escape what they show; returnTo never leaves the site', async () => {
    const res = await request(example.app).get(
      '/login?returnTo=//evil.example&notice=%3Cscript%3E',
    );
    expect(res.text).toContain('name="returnTo" value="/"');
    expect(res.text).not.toContain('<script>');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });
});
