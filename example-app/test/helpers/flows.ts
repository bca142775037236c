/** Steps the browser stories share: sign in, present a code, read the session's state. */
import type { Page } from 'playwright-core';

/** Fill the login form and submit; resolves once the next page has loaded. */
export async function signIn(
  page: Page,
  baseUrl: string,
  username: string,
  password: string,
  path = '/login',
): Promise<void> {
  await page.goto(baseUrl + path);
  await page.getByTestId('username').fill(username);
  await page.getByTestId('password').fill(password);
  await Promise.all([
    page.waitForURL((url) => url.pathname !== '/login'),
    page.getByTestId('login-form').locator('button[type=submit]').click(),
  ]);
}

/** Submit a code on `/mfa` (optionally ticking "remember this browser"). */
export async function presentCode(
  page: Page,
  code: string,
  options: { remember?: boolean } = {},
): Promise<void> {
  const form = page.getByTestId('mfa-form');
  await form.getByTestId('code').fill(code);
  if (options.remember) await form.getByTestId('remember').check();
  await Promise.all([
    page.waitForURL((url) => url.pathname !== '/mfa'),
    form.locator('button[type=submit]').click(),
  ]);
}

/** The session as the home page shows it. */
export async function sessionStatus(
  page: Page,
  baseUrl: string,
): Promise<{ status: string; amr: string }> {
  await page.goto(`${baseUrl}/`);
  const status = await page.getByTestId('session-status').getAttribute('data-status');
  const amr = (await page.getByTestId('amr').textContent())?.trim() ?? '';
  return { status: status ?? '', amr };
}

export async function signOut(page: Page): Promise<void> {
  await Promise.all([page.waitForURL(/\/login/), page.getByTestId('logout').click()]);
}
