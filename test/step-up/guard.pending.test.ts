// Attack: a thief with the password only (phished, reused) tries every guarded route.
// After the first factor the session is pending: no guard may open, in HTML or in JSON.
import { describe, expect, it } from 'vitest';
import { client, makeApp, TEST_CODE } from '../helpers/app.js';

describe.each([5, 4] as const)('password only, on Express %i', (expressVersion) => {
  it('the login answers mfa_required and /auth/session says pending', async () => {
    const { app } = makeApp({ expressVersion });
    const c = await client(app);
    const login = await c.login('bob', 'bob-password-1');
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({
      status: 'mfa_required',
      factors: ['test-code', 'other-code'],
      expiresIn: 600,
    });
    const s = await c.get('/auth/session');
    expect(s.body).toMatchObject({ status: 'pending', userId: 'u-bob', amr: ['pwd'] });
  });

  it.each(['/me', '/reports', '/billing', '/payout'])(
    'JSON %s → 401 with a reason',
    async (path) => {
      const { app } = makeApp({ expressVersion });
      const c = await client(app);
      await c.login('bob', 'bob-password-1');
      const res = await c.get(path);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'mfa_required', reason: 'pending' });
    },
  );

  it.each(['/me', '/reports', '/billing'])(
    'HTML %s → 302 to the challenge with returnTo',
    async (path) => {
      const { app } = makeApp({ expressVersion });
      const c = await client(app);
      await c.login('bob', 'bob-password-1');
      const res = await c.getHtml(path);
      expect(res.status).toBe(302);
      const url = new URL(res.headers.location as string, 'http://x');
      expect(url.pathname).toBe('/mfa');
      expect(url.searchParams.get('returnTo')).toBe(path);
      expect(url.searchParams.get('reason')).toBe('pending');
    },
  );

  it('anonymous HTML goes to the login page, anonymous JSON gets not_authenticated', async () => {
    const { app } = makeApp({ expressVersion });
    const c = await client(app);
    const html = await c.getHtml('/reports');
    expect(html.status).toBe(302);
    expect(html.headers.location).toMatch(/^\/login\?returnTo=%2Freports/);
    const json = await c.get('/reports');
    expect(json.status).toBe(401);
    expect(json.body).toMatchObject({ error: 'mfa_required', reason: 'not_authenticated' });
    const me = await c.get('/me');
    expect(me.body).toMatchObject({
      error: 'authentication_required',
      reason: 'not_authenticated',
    });
  });

  it('the second factor opens the guards; req.user is set only then', async () => {
    const { app } = makeApp({ expressVersion });
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    const v = await c.verify(TEST_CODE);
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ status: 'authenticated', amr: ['pwd', 'otp', 'mfa'] });
    expect((await c.get('/reports')).status).toBe(200);
    expect((await c.get('/billing')).status).toBe(200);
    const me = await c.get('/me');
    expect(me.body.mfa).toMatchObject({
      status: 'satisfied',
      userId: 'u-bob',
      factors: ['test-code'],
    });
  });

  it('a wrong code keeps the session pending', async () => {
    const { app } = makeApp({ expressVersion });
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    const v = await c.verify('000000');
    expect(v.status).toBe(401);
    expect(v.body).toMatchObject({ error: 'invalid_code' });
    expect((await c.get('/reports')).status).toBe(401);
  });

  it('a pending session expires after 10 minutes', async () => {
    let now = Date.UTC(2026, 0, 1);
    const { app } = makeApp({ expressVersion, stepup: { now: () => now } });
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    now += 600_001;
    expect((await c.get('/auth/session')).body.status).toBe('anonymous');
    const v = await c.verify(TEST_CODE);
    expect(v.status).toBe(401);
    expect(v.body.error).toBe('mfa_session_expired');
  });

  it('a user without a factor in optional mode is authenticated but not MFA-satisfied', async () => {
    const { app } = makeApp({ expressVersion });
    const c = await client(app);
    const login = await c.login('alice', 'alice-password-1');
    expect(login.body).toMatchObject({ status: 'authenticated', amr: ['pwd'] });
    expect((await c.get('/me')).status).toBe(200);
    const r = await c.get('/reports');
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ reason: 'not_enrolled' });
  });

  it('required mode: a user without a factor gets enrollment_required and no guard opens', async () => {
    const { app } = makeApp({ expressVersion, stepup: { mode: 'required' } });
    const c = await client(app);
    const login = await c.login('alice', 'alice-password-1');
    expect(login.body).toMatchObject({ status: 'enrollment_required', expiresIn: 600 });
    expect((await c.get('/me')).status).toBe(401);
    expect((await c.get('/reports')).body).toMatchObject({ reason: 'not_enrolled' });
  });
});
