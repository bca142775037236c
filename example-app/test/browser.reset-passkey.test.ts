// Story: alice adds a passkey, signs out and forgets her password. The reset link opens
// /reset-password, which lists her real second factors (a recovery code, no TOTP) and offers
// her passkey: the button runs the ceremony against the library's JSON reset routes, and she
// signs in with the new password and the passkey. Chromium's virtual authenticator (CDP WebAuthn
// domain) stands in for her laptop, as in browser.passkey.test.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { launchBrowser, shot } from './helpers/browser.js';
import { addVirtualAuthenticator, startOnLocalhost } from './helpers/passkey-browser.js';
import { sessionStatus, signIn, signOut } from './helpers/flows.js';

describe.sequential('alice resets her password with her passkey', () => {
  let browser: Browser;
  let running: Awaited<ReturnType<typeof startOnLocalhost>>;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  const newPassword = 'quiet-meadow-compass-77';

  beforeAll(async () => {
    browser = await launchBrowser();
    running = await startOnLocalhost();
    context = await browser.newContext({ viewport: { width: 960, height: 900 } });
    // No conditional mediation: the virtual authenticator would sign her in from /login at once.
    await context.addInitScript(() => {
      PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
    });
    page = await context.newPage();
    cdp = await context.newCDPSession(page);
    await addVirtualAuthenticator(cdp);
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await running?.close();
  });

  /** The reset links mailed to `to` so far, newest first (the outbox object of the demo). */
  const linksTo = (to: string): string[] =>
    (running.example.mail.outbox() ?? [])
      .filter((m) => m.to === to && m.subject.startsWith('Reset your'))
      .map((m) => /\/reset-password\?token=[A-Za-z0-9_-]+/.exec(m.text)?.[0] ?? '');

  it('adds a passkey on /settings/security, then signs out', async () => {
    const base = running.baseUrl;
    await signIn(page, base, 'alice', 'alice-password-1');
    await page.goto(`${base}/settings/security`);
    await page.getByTestId('passkey-label').fill('Laptop');
    await page.getByTestId('passkey-add').click();
    await page.getByTestId('recovery-codes').waitFor();
    await Promise.all([
      page.waitForURL(/notice=passkey-added/),
      page.getByTestId('passkey-continue').click(),
    ]);
    await signOut(page);
  });

  it('resets with the link and the passkey, then signs in with the new password', async () => {
    const base = running.baseUrl;
    await page.goto(`${base}/forgot-password`);
    await page.getByTestId('username').fill('alice');
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByTestId('forgot-form').locator('button[type=submit]').click(),
    ]);
    for (let i = 0; i < 100 && linksTo('alice@example.test').length === 0; i++) await sleep(50);
    const [link] = linksTo('alice@example.test');
    expect(link).toBeTruthy();
    await page.goto(base + (link ?? ''));
    const form = page.getByTestId('reset-form');
    await form.getByTestId('passkey-reset').waitFor({ state: 'visible' });

    // The password alone: the library names her factors, and the page offers exactly those.
    await form.getByTestId('new-password').fill(newPassword);
    await Promise.all([page.waitForLoadState('load'), form.locator('button[type=submit]').click()]);
    expect(await page.getByTestId('reset-lead').textContent()).toContain('second factor');
    expect(await form.getByTestId('factor').locator('option').allTextContents()).toEqual([
      'Recovery code',
    ]);
    await shot(page, 'reset-passkey-offered');

    // The policy still applies: refused with its reason, the link kept.
    await form.getByTestId('new-password').fill('short');
    await form.getByTestId('passkey-reset').click();
    const error = page.getByTestId('passkey-error');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toContain('too_short');

    await form.getByTestId('new-password').fill(newPassword);
    await Promise.all([
      page.waitForURL(`${base}/login?notice=password-reset`),
      form.getByTestId('passkey-reset').click(),
    ]);
    expect(await page.locator('.notice').textContent()).toContain('password was changed');

    // The link works once.
    await page.goto(base + (link ?? ''));
    await form.getByTestId('new-password').fill('another-long-passphrase-9');
    await Promise.all([page.waitForLoadState('load'), form.locator('button[type=submit]').click()]);
    expect(await page.getByTestId('reset-dead').textContent()).toContain('invalid or expired');

    await signIn(page, base, 'alice', newPassword);
    expect(new URL(page.url()).pathname).toBe('/mfa');
    await Promise.all([
      page.waitForURL((url) => url.pathname !== '/mfa'),
      page.getByTestId('factor-passkey').click(),
    ]);
    expect(await sessionStatus(page, base)).toEqual({
      status: 'satisfied',
      amr: 'pwd, hwk, user, mfa',
    });
  });
});
