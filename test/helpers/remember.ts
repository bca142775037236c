import { createHmac } from 'node:crypto';
import { CookieAccessInfo } from 'cookiejar';
import { expect } from 'vitest';
import { client, makeApp, TEST_CODE, type MakeAppOptions } from './app.js';
import { fakeClock } from './clock.js';

export const RB_SECRET = 'remember-browser-test-secret-0123456789';
export const RB_COOKIE = 'stepup_rb';
export const CHROME_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
  'Chrome/126.0.0.0 Safari/537.36';
export const DAY = 24 * 3600 * 1000;

export type Client = Awaited<ReturnType<typeof client>>;
type App = Parameters<typeof client>[0];
type RememberOptions = NonNullable<NonNullable<MakeAppOptions['stepup']>['rememberBrowser']>;

/** One entry of GET /auth/mfa/browsers. */
export interface Listed {
  id: string;
  label: string;
  current: boolean;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
}

/** An app where alice and bob have the test factor, on a fake clock, with a remember secret. */
export function makeRememberApp(options: MakeAppOptions & { remember?: RememberOptions } = {}) {
  const clock = fakeClock();
  const notices: { userId: string; kind: string; data: Readonly<Record<string, unknown>> }[] = [];
  const { remember, ...rest } = options;
  const built = makeApp({
    enrolled: ['u-alice', 'u-bob'],
    ...rest,
    stepup: {
      now: clock.now,
      notify: (n) => void notices.push(n),
      rememberBrowser: { secret: RB_SECRET, ...remember },
      ...rest.stepup,
    },
  });
  return { ...built, clock, notices };
}

/** A client whose requests look like Chrome on Linux (the label comes from the User-Agent). */
export async function browser(app: App): Promise<Client> {
  const c = await client(app);
  c.agent.set('User-Agent', CHROME_LINUX);
  return c;
}

/** POST /auth/mfa/verify with "remember this browser" ticked. */
export function verifyRemember(c: Client, code = TEST_CODE, factor = 'test-code') {
  return c.post('/auth/mfa/verify', { factor, code, rememberBrowser: true });
}

/** Password, then the test code with "remember this browser" ticked. */
export async function rememberMe(c: Client, username = 'alice') {
  const login = await c.login(username, `${username}-password-1`);
  expect(login.body.status).toBe('mfa_required');
  const verify = await verifyRemember(c);
  expect(verify.status).toBe(200);
  return verify;
}

/** Sign out and in again with the password only: what did the login answer? */
export async function relogin(c: Client, username = 'alice') {
  await c.post('/auth/logout');
  await c.refreshCsrf();
  return c.login(username, `${username}-password-1`);
}

/** A fresh browser session that presents `cookie`: what does the password step answer? */
export async function loginWith(app: App, cookie: string, username = 'alice') {
  const c = await browser(app);
  setRbCookie(c, cookie);
  return c.login(username, `${username}-password-1`);
}

/** GET /auth/mfa/browsers. */
export async function listed(c: Client): Promise<Listed[]> {
  return (await c.get('/auth/mfa/browsers')).body.browsers as Listed[];
}

/** DELETE with the client's CSRF token. */
export function del(c: Client, path: string) {
  return c.agent.delete(path).set('x-csrf-token', c.csrf).set('Accept', 'application/json');
}

const ACCESS = new CookieAccessInfo('127.0.0.1', '/', false, false);

/** The remember cookie's value in the client's jar. */
export function rbCookie(c: Client, name = RB_COOKIE): string | undefined {
  return c.agent.jar.getCookie(name, ACCESS)?.value;
}

/** Put a remember cookie (any value) in the client's jar, as a browser would send it. */
export function setRbCookie(c: Client, value: string, name = RB_COOKIE): void {
  c.agent.jar.setCookie(`${name}=${value}; Path=/`, '127.0.0.1', '/');
}

/** The `Set-Cookie` line for `name` in a response, if any. */
export function setCookieLine(
  res: { headers: Record<string, unknown> },
  name = RB_COOKIE,
): string | undefined {
  const raw = res.headers['set-cookie'];
  const lines = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  return lines.find((l) => l.startsWith(`${name}=`));
}

/** The reasons of the `remember.rejected` events, in order. */
export function rejections(events: readonly { type: string; reason?: string }[]) {
  return events.filter((e) => e.type === 'remember.rejected').map((e) => e.reason);
}

/** The MAC the library puts on `<id>.<token>` with `key` (documented format, for forgery tests). */
export function macFor(key: string | Buffer, id: string, token: string): string {
  const data = `passport-stepup/rb/v1\0${id}\0${token}`;
  return createHmac('sha256', key).update(data).digest('base64url');
}

/** Change one character of a base64url string at `index` to another base64url character. */
export function flipChar(value: string, index: number): string {
  const swapped = value[index] === 'A' ? 'B' : 'A';
  return value.slice(0, index) + swapped + value.slice(index + 1);
}
