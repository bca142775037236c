// Story: bob lost his phone. He signs in with one of his recovery codes (it works once, and he is
// told by mail that it was used); then the administrator resets his second factors so that he
// can set up a new phone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { closeStage, openStage, type RunningExample, shot } from './helpers/browser.js';
import { presentCode, sessionStatus, signIn, signOut } from './helpers/flows.js';

describe.sequential('bob: recovery code, then an administrator resets his MFA', () => {
  let browser: Browser;
  let running: RunningExample;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    ({ browser, running, context, page } = await openStage());
  });
  afterAll(() => closeStage({ browser, running, context }));

  it('signs in with a recovery code, which then no longer works', async () => {
    const base = running.baseUrl;
    const [code] = running.example.demo.bob.recoveryCodes;
    if (!code) throw new Error('bob has no recovery codes');

    // Asking for billing first: the login page brings him back there afterwards.
    await page.goto(`${base}/billing`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await signIn(
      page,
      base,
      'bob',
      'bob-password-1',
      new URL(page.url()).pathname + new URL(page.url()).search,
    );
    expect(new URL(page.url()).pathname).toBe('/mfa');
    await Promise.all([
      page.waitForURL(/factor=recovery-code/),
      page.getByTestId('factor-recovery-code').click(),
    ]);
    await shot(page, 'mfa-recovery-code');
    await presentCode(page, code.toLowerCase());
    expect(new URL(page.url()).pathname).toBe('/billing');
    expect(await sessionStatus(page, base)).toEqual({ status: 'satisfied', amr: 'pwd, rc, mfa' });

    await page.goto(`${base}/dev/outbox`);
    const mail = page.getByTestId('mail').first();
    expect(await mail.getByTestId('mail-to').textContent()).toBe('bob@example.test');
    expect(await mail.getByTestId('mail-subject').textContent()).toContain(
      'recovery code was used',
    );
    expect(await page.content()).not.toContain(code);
    await shot(page, 'outbox');

    await signOut(page);
    await signIn(page, base, 'bob', 'bob-password-1');
    await page.goto(`${base}/mfa?factor=recovery-code`);
    await page.getByTestId('mfa-form').getByTestId('code').fill(code);
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByTestId('mfa-form').locator('button[type=submit]').click(),
    ]);
    expect(new URL(page.url()).pathname).toBe('/mfa');
    expect(await page.getByTestId('error').textContent()).toContain('already used');
    await Promise.all([page.waitForURL(/\/login/), page.getByTestId('cancel-login').click()]);
  });

  it('the administrator resets his second factors; he signs in with the password alone', async () => {
    const base = running.baseUrl;
    const admin = await browser.newContext({ viewport: { width: 960, height: 720 } });
    const adminPage = await admin.newPage();
    await signIn(adminPage, base, 'admin', 'admin-password-1');
    await adminPage.goto(`${base}/admin`);
    await shot(adminPage, 'admin');
    await Promise.all([
      adminPage.waitForURL(/notice=mfa-reset/),
      adminPage.getByTestId('reset-bob').click(),
    ]);
    expect(await adminPage.locator('tr', { hasText: 'Bob' }).textContent()).toContain('—');
    await admin.close();

    // Bob, who is not an administrator, is refused the page.
    await signIn(page, base, 'bob', 'bob-password-1');
    expect(await sessionStatus(page, base)).toEqual({ status: 'authenticated', amr: 'pwd' });
    const refused = await page.goto(`${base}/admin`);
    expect(refused?.status()).toBe(403);
  });
});
