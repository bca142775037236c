// Attack: a route that needs a strong sign-in opened by a weak one: a password alone, a
// remembered or skipped second factor, a relayable code where a passkey is required, or a
// synced passkey counted as a hardware key. Each row of the assurance table (docs/architecture.md,
// "Assurance"; NIST SP 800-63B-4 §2) is checked through GET /auth/session and a guard, and every
// JSON refusal of a guard carries the RFC 9470 step-up challenge an API client can act on.
import { describe, expect, it } from 'vitest';
import { client } from '../helpers/app.js';
import {
  aliceWithPasskey,
  makePasskeyApp,
  passkeyLogin,
  verifyWithPasskey,
} from '../helpers/passkey-app.js';
import { browser, makeRememberApp, relogin, rememberMe } from '../helpers/remember.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { codeAt, enrolledClient } from '../helpers/totp-app.js';

type Built = ReturnType<typeof makePasskeyApp>;

function withRoutes(built: Built): Built {
  const { app, stepup } = built;
  app.get('/aal2', stepup.requireMfa({ aal: 2 }), (_req, res) => res.json({ ok: true }));
  return built;
}

const sessionOf = async (c: Awaited<ReturnType<typeof client>>) =>
  (await c.get('/auth/session')).body as Record<string, unknown>;

describe('the assurance of a session', () => {
  it('password alone: AAL1; a route asking for AAL2 refuses with the RFC 9470 challenge', async () => {
    const built = withRoutes(makePasskeyApp());
    const c = await client(built.app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('authenticated');
    expect(await sessionOf(c)).toMatchObject({ aal: 1, phishingResistant: false });
    const res = await c.get('/aal2');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'mfa_required', reason: 'not_enrolled' });
    expect(res.headers['www-authenticate']).toMatch(
      /^Bearer error="insufficient_user_authentication", error_description="[^"]+"/,
    );
  });

  it('an adaptive skip is AAL1: aal_too_low with acr_values for AAL2', async () => {
    const built = withRoutes(
      makePasskeyApp({ enrolled: ['u-alice'], stepup: { when: () => 'skip' } }),
    );
    const c = await client(built.app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('authenticated');
    expect(await sessionOf(c)).toMatchObject({ status: 'satisfied', aal: 1 });
    expect((await c.get('/reports')).status).toBe(200); // an ordinary guarded route: fine
    const res = await c.get('/aal2');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ reason: 'aal_too_low', aal: 2 });
    expect(res.headers['www-authenticate']).toContain('acr_values="urn:passport-stepup:aal2"');
  });

  it('a remembered browser is AAL1: it opens ordinary routes, not one asking for AAL2', async () => {
    const built = makeRememberApp();
    built.app.get('/aal2', built.stepup.requireMfa({ aal: 2 }), (_q, r) => r.json({ ok: true }));
    const c = await browser(built.app);
    await rememberMe(c);
    expect(await sessionOf(c)).toMatchObject({ aal: 2 });
    expect((await relogin(c)).body.amr).toEqual(['pwd', 'rb']);
    expect(await sessionOf(c)).toMatchObject({
      status: 'satisfied',
      aal: 1,
      phishingResistant: false,
    });
    expect((await c.get('/reports')).status).toBe(200);
    const res = await c.get('/aal2');
    expect(res.body).toMatchObject({ reason: 'aal_too_low', aal: 2 });
    // Every JSON refusal of a guard carries the challenge, whatever its reason.
    const billing = await c.get('/billing');
    expect(billing.body.reason).toBe('remembered_browser_not_allowed');
    expect(billing.headers['www-authenticate']).toMatch(/insufficient_user_authentication/);
    const pending = await browser(built.app);
    await pending.login('bob', 'bob-password-1');
    const refused = await pending.get('/reports');
    expect(refused.body.reason).toBe('pending');
    expect(refused.headers['www-authenticate']).toMatch(/insufficient_user_authentication/);
  });

  it('password + TOTP: AAL2, not phishing resistant; a passkey-only route says so', async () => {
    const built = withRoutes(makePasskeyApp());
    const { c } = await enrolledClient(built.app, built.clock.now);
    expect(await sessionOf(c)).toMatchObject({ aal: 2, phishingResistant: false });
    expect((await c.get('/aal2')).status).toBe(200);
    const res = await c.get('/vault');
    expect(res.body).toMatchObject({ reason: 'phishing_resistant_required' });
    expect(res.headers['www-authenticate']).toContain(
      'acr_values="urn:passport-stepup:aal2:phishing-resistant"',
    );
    // HTML clients get a redirect and no API challenge.
    const html = await c.getHtml('/vault');
    expect(html.status).toBe(302);
    expect(html.headers['www-authenticate']).toBeUndefined();
  });

  it('password + recovery code: AAL2', async () => {
    const built = makePasskeyApp();
    const { confirm, secret } = await enrolledClient(built.app, built.clock.now);
    expect(secret).toBeTruthy();
    const c = await client(built.app);
    await c.login('alice', 'alice-password-1');
    const codes = confirm.body.recoveryCodes as string[];
    expect((await c.verify(codes[0] ?? '', 'recovery-code')).status).toBe(200);
    expect(await sessionOf(c)).toMatchObject({ aal: 2, phishingResistant: false });
  });

  it('password + passkey: AAL2 and phishing resistant', async () => {
    const built = makePasskeyApp();
    const { auth } = await aliceWithPasskey(built.app);
    const c = await client(built.app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('mfa_required');
    expect((await verifyWithPasskey(c, auth)).status).toBe(200);
    expect(await sessionOf(c)).toMatchObject({ aal: 2, phishingResistant: true });
    expect((await c.get('/vault')).status).toBe(200);
  });

  it('AAL3 only when the app opts in, and only for a device-bound passkey with UV', async () => {
    const optedIn = makePasskeyApp({ stepup: { assurance: { aal3: true } } });
    optedIn.app.get('/aal3', optedIn.stepup.requireMfa({ aal: 3 }), (_q, r) => r.json({}));
    const device = new SoftAuthenticator();
    await aliceWithPasskey(optedIn.app, device);
    const c = await client(optedIn.app);
    expect((await passkeyLogin(c, device)).status).toBe(200);
    expect(await sessionOf(c)).toMatchObject({ aal: 3, phishingResistant: true });
    expect((await c.get('/aal3')).status).toBe(200);

    // A synced passkey (backed up: `swk`) stays AAL2 with the same opt-in.
    const synced = makePasskeyApp({ stepup: { assurance: { aal3: true } } });
    synced.app.get('/aal3', synced.stepup.requireMfa({ aal: 3 }), (_q, r) => r.json({}));
    const cloud = new SoftAuthenticator(undefined, { flags: { be: true, bs: true } });
    await aliceWithPasskey(synced.app, cloud);
    const s = await client(synced.app);
    expect((await passkeyLogin(s, cloud)).status).toBe(200);
    expect(await sessionOf(s)).toMatchObject({ aal: 2, phishingResistant: true });
    const refused = await s.get('/aal3');
    expect(refused.body).toMatchObject({ reason: 'aal_too_low', aal: 3 });
    expect(refused.headers['www-authenticate']).toContain('acr_values="urn:passport-stepup:aal3"');

    // Without the opt-in, the same device-bound passkey is AAL2.
    const plain = makePasskeyApp();
    const key = new SoftAuthenticator();
    await aliceWithPasskey(plain.app, key);
    const p = await client(plain.app);
    expect((await passkeyLogin(p, key)).status).toBe(200);
    expect(await sessionOf(p)).toMatchObject({ aal: 2 });
  });

  it('a stale factor: the challenge carries max_age', async () => {
    const built = makePasskeyApp();
    const { c } = await enrolledClient(built.app, built.clock.now);
    built.clock.advance(301_000);
    const res = await c.get('/billing');
    expect(res.body).toMatchObject({ reason: 'stale', maxAge: 300 });
    expect(res.headers['www-authenticate']).toContain('max_age="300"');
  });

  it('policies are checked when the guard is made', () => {
    const { stepup } = makePasskeyApp();
    expect(() => stepup.requireMfa({ aal: 4 as never })).toThrow(/aal must be 1, 2 or 3/);
    expect(() => stepup.requireMfa({ aal: 3 })).toThrow(/assurance: \{ aal3: true \}/);
    expect(() => makePasskeyApp({ stepup: { assurance: { aal4: true } as never } })).toThrow(
      /aal3/,
    );
  });
});

describe('reauthentication limits (NIST SP 800-63B-4 §2.2.3) on the injected clock', () => {
  const limits = { reauthentication: { maxSessionAge: 86_400, maxIdle: 3_600 } };

  it('an hour without activity: idle, step up with a code, open again', async () => {
    const built = makePasskeyApp({ stepup: limits });
    const { c, secret } = await enrolledClient(built.app, built.clock.now);
    expect((await c.get('/reports')).status).toBe(200);
    built.clock.advance(3_601_000);
    const res = await c.get('/reports');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ reason: 'idle', maxAge: 3600 });
    expect(res.headers['www-authenticate']).toContain('max_age="3600"');
    expect((await sessionOf(c)).idle).toBe(true);
    expect((await c.verify(await codeAt(secret, built.clock.now()), 'totp')).status).toBe(200);
    expect((await c.get('/reports')).status).toBe(200);
  });

  it('activity keeps a session alive; 24 hours after the login it is over', async () => {
    const built = makePasskeyApp({ stepup: limits });
    const { c } = await enrolledClient(built.app, built.clock.now);
    for (let i = 0; i < 47; i++) {
      built.clock.advance(30 * 60_000); // every half hour, for 23.5 hours
      expect((await c.get('/reports')).status, `after ${(i + 1) / 2} h`).toBe(200);
    }
    built.clock.advance(31 * 60_000);
    const res = await c.get('/me');
    expect(res.status).toBe(401);
    expect(res.body.reason).toBe('not_authenticated');
    expect((await sessionOf(c)).status).toBe('anonymous');
  });

  it('bad limits are a TypeError at start-up', () => {
    const bad = [
      { maxIdle: 0 },
      { maxIdle: 1.5 },
      { maxSessionAge: '1h' },
      { maxIdle: 7200, maxSessionAge: 3600 },
      { maxIdel: 3600 },
    ];
    for (const reauthentication of bad) {
      expect(() =>
        makePasskeyApp({ stepup: { reauthentication: reauthentication as never } }),
      ).toThrow(TypeError);
    }
  });
});
