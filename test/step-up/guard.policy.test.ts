// Attack: an old or weak proof is replayed against a sensitive route: a session whose second
// factor is hours old, a factor the route does not accept, or a remembered-browser cookie
// (AAL1) on a route that demands a factor in this session.
import { describe, expect, it } from 'vitest';
import { client, makeApp, TEST_CODE } from '../helpers/app.js';

function clock() {
  let t = Date.UTC(2026, 5, 1, 12);
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('requireMfa({ maxAge })', () => {
  it('passes within maxAge, refuses with reason stale after it, passes again after a step-up', async () => {
    const c0 = clock();
    const { app } = makeApp({ stepup: { now: c0.now } });
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    await c.verify(TEST_CODE);
    expect((await c.get('/billing')).status).toBe(200);
    c0.advance(300_000);
    expect((await c.get('/billing')).status).toBe(200);
    c0.advance(1_000);
    const stale = await c.get('/billing');
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ error: 'mfa_required', reason: 'stale', maxAge: 300 });
    expect(stale.body.factors).toEqual(['test-code', 'other-code']);
    // Routes without maxAge are unaffected.
    expect((await c.get('/reports')).status).toBe(200);
    const before = (await c.get('/auth/session')).body.mfaAt as number;
    const again = await c.verify(TEST_CODE);
    expect(again.body).toMatchObject({ status: 'authenticated' });
    const after = (await c.get('/auth/session')).body;
    expect(after.mfaAt).toBeGreaterThan(before);
    expect(after.status).toBe('satisfied');
    expect((await c.get('/billing')).status).toBe(200);
  });

  it('HTML gets a 302 to the challenge with reason stale', async () => {
    const c0 = clock();
    const { app } = makeApp({ stepup: { now: c0.now } });
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    await c.verify(TEST_CODE);
    c0.advance(301_000);
    const res = await c.getHtml('/billing');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/mfa?returnTo=%2Fbilling&reason=stale');
  });
});

describe('requireMfa({ factors })', () => {
  it('refuses a session satisfied by a factor the route does not accept, then passes after it', async () => {
    const { app } = makeApp();
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    await c.verify(TEST_CODE, 'test-code');
    const res = await c.get('/payout');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ reason: 'factor_not_allowed', factors: ['other-code'] });
    await c.verify(TEST_CODE, 'other-code');
    expect((await c.get('/payout')).status).toBe(200);
    expect((await c.get('/auth/session')).body.amr).toEqual(['pwd', 'otp', 'mfa', 'sms']);
  });
});

describe('requireMfa({ allowRememberBrowser: false })', () => {
  it('refuses a session that only a remembered browser satisfied; a real factor opens it', async () => {
    // Test-only stand-in for the remember-browser cookie: vouch for bob at login.
    const { app } = makeApp({
      internals: {
        loginHooks: [(_req, userId) => (userId === 'u-bob' ? 'remembered' : 'default')],
      },
    });
    const c = await client(app);
    const login = await c.login('bob', 'bob-password-1');
    expect(login.body).toMatchObject({ status: 'authenticated', amr: ['pwd', 'rb'] });
    const s = (await c.get('/auth/session')).body;
    expect(s).toMatchObject({ status: 'satisfied', viaRememberedBrowser: true });
    expect(s.mfaAt).toBeUndefined();
    expect((await c.get('/reports')).status).toBe(200);
    const billing = await c.get('/billing');
    expect(billing.status).toBe(401);
    expect(billing.body.reason).toBe('remembered_browser_not_allowed');
    expect((await c.get('/payout')).body.reason).toBe('factor_not_allowed');
    await c.verify(TEST_CODE);
    const after = (await c.get('/auth/session')).body;
    expect(after.viaRememberedBrowser).toBe(false);
    expect(typeof after.mfaAt).toBe('number');
    expect(after.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect((await c.get('/billing')).status).toBe(200);
  });

  it('a user signed in by another path (no step-up record) never opens requireMfa', async () => {
    const { app, passport } = makeApp();
    app.post('/backdoor-login', (req, res, next) => {
      req.login({ id: 'u-bob' } as Express.User, (err) =>
        err ? next(err) : res.json({ ok: true }),
      );
    });
    void passport;
    const c = await client(app);
    await c.post('/backdoor-login');
    expect((await c.get('/me')).status).toBe(200);
    const r = await c.get('/reports');
    expect(r.status).toBe(401);
    expect(r.body.reason).toBe('stale');
  });
});

describe('guard options are validated when the route is declared', () => {
  it('throws a TypeError naming the valid options on a typo', () => {
    const { stepup } = makeApp();
    expect(() => stepup.requireMfa({ maxage: 5 } as never)).toThrow(
      /unknown option "maxage".*maxAge, allowRememberBrowser, factors/,
    );
    expect(() => stepup.requireMfa({ maxAge: -1 })).toThrow(TypeError);
    expect(() => stepup.requireMfa({ maxAge: '300' as never })).toThrow(TypeError);
    expect(() => stepup.requireMfa({ allowRememberBrowser: 'no' as never })).toThrow(TypeError);
    expect(() => stepup.requireMfa({ factors: ['totpp'] })).toThrow(
      /unknown factor "totpp".*test-code, other-code/,
    );
    expect(() => stepup.requireMfa({ factors: [] })).toThrow(TypeError);
  });

  it('createStepup refuses unknown options and bad values', () => {
    expect(() => makeApp({ stepup: { mdoe: 'required' } as never })).toThrow(
      /unknown option "mdoe"/,
    );
    expect(() => makeApp({ stepup: { mode: 'always' as never } })).toThrow(/mode must be/);
    expect(() => makeApp({ stepup: { challengeUrl: 'https://evil' } })).toThrow(/same-origin path/);
  });
});
