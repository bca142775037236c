// Attack: the remember cookie leaks or is planted: read by a script (XSS), sent over plain http,
// sent on a cross-site request, set by a sibling subdomain, kept longer than promised, or its
// secret found in a store dump. The cookie's attributes and the stored shape prevent each.
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStepup, MemoryStore } from '../../lib/index.js';
import { MemoryCredentialStore } from '../../lib/stores/credentials/memory.js';
import { labelFromUserAgent } from '../../lib/core/user-agent-label.js';
import { client, TEST_CODE } from '../helpers/app.js';
import { sharedStore } from '../helpers/shared-store.js';
import {
  browser,
  DAY,
  makeRememberApp,
  rbCookie,
  relogin,
  rememberMe,
  setCookieLine,
  setRbCookie,
  verifyRemember,
} from '../helpers/remember.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** Login + verify with the box ticked; the Set-Cookie line of the remember cookie. */
async function issuedLine(app: Parameters<typeof client>[0], name: string) {
  const c = await browser(app);
  await c.login('alice', 'alice-password-1');
  const res = await verifyRemember(c, TEST_CODE);
  return { c, line: setCookieLine(res, name) ?? '' };
}

describe('Set-Cookie in production', () => {
  it('__Host- prefix, Secure, HttpOnly, SameSite=Lax, Path=/, Max-Age, no Domain', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined); // MemoryStore's notice
    const { app } = makeRememberApp();
    const { line } = await issuedLine(app, '__Host-stepup_rb');
    expect(line).toMatch(/^__Host-stepup_rb=[\w-]{22}\.[\w-]{43}\.[\w-]{43};/);
    const attrs = line
      .split(';')
      .slice(1)
      .map((a) => a.trim());
    expect(attrs).toContain('Secure');
    expect(attrs).toContain('HttpOnly');
    expect(attrs).toContain('SameSite=Lax');
    expect(attrs).toContain('Path=/');
    expect(attrs).toContain('Max-Age=2592000');
    expect(attrs.some((a) => /^domain=/i.test(a))).toBe(false);
  });

  it('the prefixed cookie is the one read back at login', async () => {
    const { app } = makeRememberApp({ remember: { secure: true } });
    const { c, line } = await issuedLine(app, '__Host-stepup_rb');
    const value = /^__Host-stepup_rb=([^;]+)/.exec(line)?.[1] ?? '';
    // The test's cookie jar does not send a Secure cookie over http; a browser on https would.
    const d = await client(app);
    const access = { domain: '127.0.0.1', path: '/', secure: false, script: false };
    const sid = d.agent.jar.getCookie('sid', access);
    const login = await request(app)
      .post('/auth/login')
      .set('Cookie', `sid=${sid?.value ?? ''}; __Host-stepup_rb=${value}`)
      .set('x-csrf-token', d.csrf)
      .send({ username: 'alice', password: 'alice-password-1' });
    expect(login.body.amr).toEqual(['pwd', 'rb']);
    expect(setCookieLine(login, '__Host-stepup_rb')).toMatch(/; Secure/);
    void c;
  });

  it('secure: false for local http development: no prefix, no Secure', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const { app } = makeRememberApp({ remember: { secure: false } });
    const { line } = await issuedLine(app, 'stepup_rb');
    expect(line).toMatch(/^stepup_rb=/);
    expect(line).not.toMatch(/Secure/);
    expect(line).toMatch(/HttpOnly/);
  });
});

describe('Express 4', () => {
  it('the same cookie, honoured the same way', async () => {
    const { app } = makeRememberApp({ expressVersion: 4 });
    const { c, line } = await issuedLine(app, 'stepup_rb');
    expect(line).toMatch(/Max-Age=2592000;.*HttpOnly; SameSite=Lax/);
    expect((await relogin(c)).body.amr).toEqual(['pwd', 'rb']);
  });
});

describe('lifetime and Max-Age', () => {
  it('Max-Age follows lifetimeDays; a rotated cookie keeps the original expiry', async () => {
    const { app, clock } = makeRememberApp({ remember: { lifetimeDays: 7, cookieName: 'rb' } });
    const { c, line } = await issuedLine(app, 'rb');
    expect(line).toContain('Max-Age=604800');
    clock.advance(DAY);
    await c.post('/auth/logout');
    await c.refreshCsrf();
    const login = await c.login('alice', 'alice-password-1');
    expect(login.body.amr).toEqual(['pwd', 'rb']);
    expect(setCookieLine(login, 'rb')).toContain('Max-Age=518400');
  });
});

describe('what the store holds', () => {
  it('only a hash of the token: a dump cannot be replayed as a cookie', async () => {
    const store = new MemoryStore();
    const { app } = makeRememberApp({ stepup: { store } });
    const c = await browser(app);
    await rememberMe(c);
    const [id = '', token = '', mac = ''] = (rbCookie(c) ?? '').split('.');
    const dump = JSON.stringify(store.dump());
    expect(dump).toContain(id);
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(mac);
    expect(dump).toContain('Chrome on Linux');
    await relogin(c);
  });
});

describe('options are checked when createStepup runs', () => {
  it('throws TypeErrors that say how to fix the option', () => {
    const make = (rememberBrowser: unknown) => () =>
      createStepup({ rememberBrowser: rememberBrowser as never });
    expect(make({ secret: 'short' })).toThrow(/at least 32 bytes/);
    expect(make({ secret: [] })).toThrow(/empty/);
    expect(make({ secret: 42 })).toThrow(/at least 32 bytes/);
    expect(make({ lifetimeDays: 91 })).toThrow(/1 to 90/);
    expect(make({ lifetimeDays: 0 })).toThrow(/1 to 90/);
    expect(make({ lifetimeDays: 1.5 })).toThrow(/1 to 90/);
    expect(make({ cookieName: '__Host-rb' })).toThrow(/cookieName/);
    expect(make({ cookieName: 'a b' })).toThrow(/cookieName/);
    expect(make({ secure: 'yes' })).toThrow(/secure must be true or false/);
    expect(make({ lifetime: 30 })).toThrow(/unknown option "lifetime".*lifetimeDays/);
    expect(make(null)).toThrow(/must be an object/);
    expect(make({ secret: Buffer.alloc(32, 1), lifetimeDays: 90 })).not.toThrow();
  });

  it('accepts a list of secrets: the first signs, all verify (key rotation)', async () => {
    const old = 'old-secret-old-secret-old-secret-old!';
    const next = 'new-secret-new-secret-new-secret-new!';
    const store = new MemoryStore();
    const before = makeRememberApp({ stepup: { store }, remember: { secret: old } });
    const c = await browser(before.app);
    await rememberMe(c);
    const after = makeRememberApp({ stepup: { store }, remember: { secret: [next, old] } });
    const d = await browser(after.app);
    setRbCookie(d, rbCookie(c) ?? '');
    expect((await d.login('alice', 'alice-password-1')).body.amr).toEqual(['pwd', 'rb']);
  });

  it('no secret: silent in memory, warns on a shared store, throws there in production', () => {
    vi.stubEnv('NODE_ENV', 'development'); // the key rule is quiet under the test runner
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    createStepup({ credentials: new MemoryCredentialStore() });
    expect(warn).not.toHaveBeenCalled();
    const shared = sharedStore();
    createStepup({ store: shared });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/rememberBrowser has no secret/), {
      code: 'PASSPORT_STEPUP_REMEMBER_SECRET',
    });
    vi.stubEnv('NODE_ENV', 'production');
    expect(() => createStepup({ store: shared })).toThrow(/no secret with a shared store/);
    const off = { enabled: false };
    const credentials = new MemoryCredentialStore(); // production also needs a credential store
    expect(() => createStepup({ store: shared, credentials, rememberBrowser: off })).not.toThrow();
  });
});

describe('the label from the User-Agent', () => {
  const MOZ = 'Mozilla/5.0';
  const WEBKIT = 'AppleWebKit/537.36 (KHTML, like Gecko)';
  const APPLE = 'AppleWebKit/605.1.15 (KHTML, like Gecko)';
  it.each([
    [`${MOZ} (X11; Linux x86_64) ${WEBKIT} Chrome/126.0 Safari/537.36`, 'Chrome on Linux'],
    [`${MOZ} (Windows NT 10.0; Win64; x64) ${WEBKIT} Chrome/126.0 Edg/126.0`, 'Edge on Windows'],
    [`${MOZ} (Macintosh; Intel Mac OS X 14.5; rv:127.0) Firefox/127.0`, 'Firefox on macOS'],
    [`${MOZ} (Macintosh; Intel Mac OS X 14_5) ${APPLE} Version/17.5 Safari/605`, 'Safari on macOS'],
    [`${MOZ} (Linux; Android 14; Pixel 8) ${WEBKIT} Chrome/126.0 Mobile`, 'Chrome on Android'],
    [`${MOZ} (iPhone; CPU iPhone OS 17_5 like Mac OS X) ${APPLE} CriOS/126.0`, 'Chrome on iOS'],
    [`${MOZ} (X11; CrOS x86_64 14541.0.0) ${WEBKIT} Chrome/126.0`, 'Chrome on ChromeOS'],
    ['curl/8.5.0', 'curl'],
    ['<script>alert(1)</script>', 'Unknown browser'],
    ['', 'Unknown browser'],
    [undefined, 'Unknown browser'],
  ])('%s → %s', (ua, label) => {
    expect(labelFromUserAgent(ua)).toBe(label);
  });

  it('is at most 64 characters of a safe alphabet, whatever the header', () => {
    const hostile = ['x'.repeat(10_000), `${'a'.repeat(40)}/1 <img src=x onerror=1>`, '\u202e/1'];
    for (const ua of hostile) {
      const label = labelFromUserAgent(ua);
      expect(label.length).toBeLessThanOrEqual(64);
      expect(label).toMatch(/^[\w .-]+$/);
    }
  });
});
