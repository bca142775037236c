// Story: a user ticks "remember this browser" so that the next logins from it skip the second
// factor, while pages that need a real factor (payouts, settings) still ask for one, and the
// user can see and forget the browsers the account trusts.
import express from 'express';
import { describe, expect, it } from 'vitest';
import { client, TEST_CODE } from '../helpers/app.js';
import {
  browser,
  DAY,
  listed,
  makeRememberApp,
  rbCookie,
  relogin,
  rememberMe,
  setCookieLine,
  setRbCookie,
  verifyRemember,
} from '../helpers/remember.js';

const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 ' +
  '(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

describe('remember this browser: issue and use', () => {
  it('a ticked box sets the cookie; the next login skips the second factor', async () => {
    const { app, events, notices } = makeRememberApp();
    const c = await browser(app);
    const verify = await rememberMe(c);
    expect(verify.body).toMatchObject({ status: 'authenticated', amr: ['pwd', 'otp', 'mfa'] });
    expect(setCookieLine(verify)).toBeDefined();
    const first = rbCookie(c) ?? '';
    expect(first).toMatch(/^[\w-]{22}\.[\w-]{43}\.[\w-]{43}$/);
    const issued = events.find((e) => e.type === 'remember.issued');
    expect(issued).toMatchObject({ userId: 'u-alice', label: 'Chrome on Linux' });
    expect(JSON.stringify(events)).not.toContain(first.split('.')[1]);
    expect(notices).toContainEqual(
      expect.objectContaining({
        userId: 'u-alice',
        kind: 'remembered_browser_added',
        data: { label: 'Chrome on Linux' },
      }),
    );

    const login = await relogin(c);
    expect(login.body).toMatchObject({ status: 'authenticated', amr: ['pwd', 'rb'] });
    const s = (await c.get('/auth/session')).body;
    expect(s).toMatchObject({ status: 'satisfied', viaRememberedBrowser: true, factors: [] });
    expect(s.amr).toEqual(['pwd', 'rb']);
    expect(s.mfaAt).toBeUndefined();
    expect((await c.get('/reports')).status).toBe(200);
    expect(events.filter((e) => e.type === 'remember.used')).toHaveLength(1);
    // Rotated on use: a new value, and it works again next time.
    expect(rbCookie(c)).not.toBe(first);
    expect((await relogin(c)).body.amr).toEqual(['pwd', 'rb']);
  });

  it('without the box, no cookie and the next login asks again', async () => {
    const { app } = makeRememberApp();
    const c = await browser(app);
    await c.login('alice', 'alice-password-1');
    const verify = await c.verify(TEST_CODE);
    expect(setCookieLine(verify)).toBeUndefined();
    expect((await relogin(c)).body.status).toBe('mfa_required');
  });

  it('an HTML form checkbox (remember=on) counts as ticked', async () => {
    const { app } = makeRememberApp();
    const c = await browser(app);
    await c.login('alice', 'alice-password-1');
    const res = await c.agent
      .post('/auth/mfa/verify')
      .type('form')
      .send({ factor: 'test-code', code: TEST_CODE, remember: 'on', _csrf: c.csrf });
    expect(res.status).toBe(200);
    expect(setCookieLine(res)).toBeDefined();
    expect((await relogin(c)).body.amr).toEqual(['pwd', 'rb']);
  });

  it('a step-up by a signed-in user may also remember the browser', async () => {
    const { app } = makeRememberApp();
    const c = await browser(app);
    await c.login('alice', 'alice-password-1');
    await c.verify(TEST_CODE);
    expect(setCookieLine(await verifyRemember(c))).toBeDefined();
    expect((await relogin(c)).body.amr).toEqual(['pwd', 'rb']);
  });
});

describe('requireMfa({ allowRememberBrowser: false })', () => {
  it('refuses the cookie-only session, steps the user up, then passes with a mfaAt', async () => {
    const { app } = makeRememberApp();
    const c = await browser(app);
    await rememberMe(c);
    await relogin(c);
    const refused = await c.get('/billing');
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({
      error: 'mfa_required',
      reason: 'remembered_browser_not_allowed',
    });
    const html = await c.getHtml('/billing');
    expect(html.status).toBe(302);
    expect(html.headers.location).toBe(
      '/mfa?returnTo=%2Fbilling&reason=remembered_browser_not_allowed',
    );

    const step = await c.verify(TEST_CODE);
    expect(step.body).toMatchObject({ status: 'authenticated', amr: ['pwd', 'otp', 'mfa'] });
    const s = (await c.get('/auth/session')).body;
    expect(typeof s.mfaAt).toBe('number');
    expect(s.viaRememberedBrowser).toBe(false);
    expect((await c.get('/billing')).status).toBe(200);
  });
});

describe('the login-step switch', () => {
  function withStrictLogins() {
    const built = makeRememberApp();
    const { app, stepup, passport } = built;
    const answer: express.RequestHandler = (_req, res) => void res.json(res.locals.stepup);
    const strict = { allowRememberBrowser: false };
    app.post('/strict-login', express.json(), stepup.authenticate('password', strict), answer);
    const local = passport.authenticate('password', { session: false }) as express.RequestHandler;
    app.post('/strict-login-2', express.json(), local, stepup.stepUp(strict), answer);
    return built;
  }

  it('authenticate()/stepUp() with allowRememberBrowser: false ask for a factor', async () => {
    const { app } = withStrictLogins();
    const c = await browser(app);
    await rememberMe(c);
    const before = rbCookie(c);
    await c.post('/auth/logout');
    for (const path of ['/strict-login', '/strict-login-2']) {
      const body = { username: 'alice', password: 'alice-password-1' };
      const strict = await c.agent.post(path).send(body);
      expect(strict.body).toMatchObject({ status: 'mfa_required' });
      expect(setCookieLine(strict)).toBeUndefined();
    }
    // The cookie was left untouched, and the ordinary login still honours it.
    expect(rbCookie(c)).toBe(before);
    await c.refreshCsrf();
    expect((await c.login('alice', 'alice-password-1')).body.amr).toEqual(['pwd', 'rb']);
  });

  it('rejects a typo in the options when the route is declared', () => {
    const { stepup } = makeRememberApp();
    const typo = { allowRemember: false } as never;
    expect(() => stepup.stepUp(typo)).toThrow(/unknown option "allowRemember"/);
    const notBoolean = { allowRememberBrowser: 'no' } as never;
    expect(() => stepup.authenticate('password', notBoolean)).toThrow(TypeError);
  });

  it('the global switch (allowAtLogin: false) neither issues nor honours cookies', async () => {
    const { app } = makeRememberApp({ remember: { allowAtLogin: false } });
    const c = await browser(app);
    expect(setCookieLine(await rememberMe(c))).toBeUndefined();
    // A valid cookie from an app that honours it, replayed against the app that does not.
    const other = makeRememberApp();
    const d = await browser(other.app);
    await rememberMe(d);
    const e = await browser(app);
    setRbCookie(e, rbCookie(d) ?? '');
    expect((await e.login('alice', 'alice-password-1')).body.status).toBe('mfa_required');
  });
});

describe('GET /auth/mfa/browsers', () => {
  it('lists the browsers with a label, times and which one is current', async () => {
    const { app, clock } = makeRememberApp();
    const laptop = await browser(app);
    await rememberMe(laptop);
    const t0 = clock.now();
    clock.advance(60_000);
    const phone = await client(app);
    phone.agent.set('User-Agent', IPHONE_SAFARI);
    await rememberMe(phone);
    clock.advance(60_000);
    await relogin(laptop);

    const browsers = await listed(laptop);
    expect(browsers.map((b) => [b.label, b.current])).toEqual([
      ['Chrome on Linux', true],
      ['Safari on iOS', false],
    ]);
    const [mine] = browsers;
    const times = { createdAt: t0, lastUsedAt: t0 + 120_000, expiresAt: t0 + 30 * DAY };
    expect(mine).toMatchObject(times);
    expect(mine?.id).toMatch(/^[\w-]{22}$/);
    expect(rbCookie(laptop)?.startsWith(`${mine?.id}.`)).toBe(true);
    expect((await listed(phone)).map((b) => b.current)).toEqual([false, true]);
    // Remembering the same browser again replaces its entry.
    await laptop.verify(TEST_CODE);
    await verifyRemember(laptop);
    expect(await listed(laptop)).toHaveLength(2);
  });

  it('needs a signed-in user: anonymous and pending sessions get 401', async () => {
    const { app } = makeRememberApp();
    const c = await browser(app);
    expect((await c.get('/auth/mfa/browsers')).status).toBe(401);
    await c.login('alice', 'alice-password-1');
    expect((await c.get('/auth/mfa/browsers')).body.error).toBe('authentication_required');
  });

  it('is absent when the feature is disabled', async () => {
    const { app, stepup } = makeRememberApp({ remember: { enabled: false } });
    expect(stepup.rememberedBrowsers).toBeUndefined();
    const c = await browser(app);
    await c.login('alice', 'alice-password-1');
    expect(setCookieLine(await verifyRemember(c))).toBeUndefined();
    expect((await c.get('/auth/mfa/browsers')).status).toBe(404);
  });

  it('the programmatic API lists and revokes the same records', async () => {
    const { app, stepup } = makeRememberApp();
    const c = await browser(app);
    await rememberMe(c);
    const api = stepup.rememberedBrowsers;
    const [entry] = (await api?.list('u-alice')) ?? [];
    expect(entry).toMatchObject({ label: 'Chrome on Linux', current: false });
    expect(await api?.revoke('u-alice', entry?.id ?? '')).toBe(true);
    expect(await api?.revoke('u-alice', entry?.id ?? '')).toBe(false);
    expect(await api?.list('u-alice')).toEqual([]);
    expect((await relogin(c)).body.status).toBe('mfa_required');
  });
});
