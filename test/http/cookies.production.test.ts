// Attack: cookie theft and tossing. In production the session cookie and the remember cookie
// must be Secure, HttpOnly, SameSite=Lax, Path=/ and `__Host-` prefixed, so script, plain
// http and sibling subdomains can neither read nor plant them (docs/architecture.md, invariant 10).
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { sessionDefaults } from '../../lib/index.js';
import { makeRememberApp, RB_SECRET } from '../helpers/remember.js';

const SECRET = 'a-session-secret-of-at-least-32-chars!!';

function attributes(header: string): Record<string, string | true> {
  const [pair = '', ...attrs] = header.split(';').map((s) => s.trim());
  const out: Record<string, string | true> = { name: pair.split('=')[0] ?? '' };
  for (const a of attrs) {
    const [k = '', v] = a.split('=');
    out[k.toLowerCase()] = v ?? true;
  }
  return out;
}

describe('cookie flags in production', () => {
  it('sessionDefaults: __Host-sid; Secure; HttpOnly; SameSite=Lax; Path=/; no Domain', async () => {
    const app = express();
    app.set('trust proxy', 1);
    app.use(session(sessionDefaults({ secret: SECRET, production: true })));
    app.get('/', (req, res) => {
      (req.session as unknown as Record<string, unknown>).x = 1;
      res.end();
    });
    const res = await request(app).get('/').set('X-Forwarded-Proto', 'https');
    const header = (res.headers['set-cookie'] as unknown as string[])[0] ?? '';
    const a = attributes(header);
    expect(a.name).toBe('__Host-sid');
    expect(a.secure).toBe(true);
    expect(a.httponly).toBe(true);
    expect(a.samesite).toBe('Lax');
    expect(a.path).toBe('/');
    expect(a.domain).toBeUndefined();
  });

  it('sessionDefaults in development: sid, not Secure; and a short secret is refused', () => {
    const dev = sessionDefaults({ secret: SECRET, production: false });
    expect(dev.name).toBe('sid');
    expect(dev.cookie.secure).toBe(false);
    expect(() => sessionDefaults({ secret: 'short' })).toThrow(/32 characters/);
  });

  it('the remember cookie: __Host-stepup_rb; Secure; HttpOnly; SameSite=Lax; Path=/; Max-Age=30 days', async () => {
    const { app } = makeRememberApp({ remember: { secret: RB_SECRET, secure: true } });
    const agent = request.agent(app);
    const csrf = (await agent.get('/auth/csrf')).body.csrfToken as string;
    const login = await agent
      .post('/auth/login')
      .set('x-csrf-token', csrf)
      .send({ username: 'alice', password: 'alice-password-1' });
    const verify = await agent
      .post('/auth/mfa/verify')
      .set('x-csrf-token', login.body.csrfToken as string)
      .send({ factor: 'test-code', code: '246810', rememberBrowser: true });
    expect(verify.status).toBe(200);
    const header =
      (verify.headers['set-cookie'] as unknown as string[]).find((h) =>
        h.startsWith('__Host-stepup_rb='),
      ) ?? '';
    const a = attributes(header);
    expect(a.name).toBe('__Host-stepup_rb');
    expect(a.secure).toBe(true);
    expect(a.httponly).toBe(true);
    expect(a.samesite).toBe('Lax');
    expect(a.path).toBe('/');
    expect(a['max-age']).toBe(String(30 * 24 * 3600));
    expect(a.domain).toBeUndefined();
  });
});
