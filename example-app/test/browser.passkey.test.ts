// Story: alice adds a passkey on /settings/security, then signs in with her password and the
// passkey on /mfa, then with the passkey alone from /login; once more with user verification
// failing, which is refused. Chromium's virtual authenticator (CDP WebAuthn domain) stands in
// for her laptop's platform authenticator, so the real browser ceremony runs end to end:
// @simplewebauthn/browser, navigator.credentials, the library's origin and RP ID checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { launchBrowser, shot } from './helpers/browser.js';
import { addVirtualAuthenticator, startOnLocalhost } from './helpers/passkey-browser.js';
import { sessionStatus, signIn, signOut } from './helpers/flows.js';

describe.sequential('alice: a passkey, as a second factor and on its own', () => {
  let browser: Browser;
  let running: Awaited<ReturnType<typeof startOnLocalhost>>;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;

  beforeAll(async () => {
    browser = await launchBrowser();
    running = await startOnLocalhost();
    context = await browser.newContext({ viewport: { width: 960, height: 900 } });
    await context.addInitScript(() => {
      if (document.cookie.includes('no-autofill=1')) {
        PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
      }
    });
    page = await context.newPage();
    cdp = await context.newCDPSession(page);
    authenticatorId = await addVirtualAuthenticator(cdp);
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await running?.close();
  });

  it('adds a passkey on /settings/security and gets recovery codes', async () => {
    const base = running.baseUrl;
    await signIn(page, base, 'alice', 'alice-password-1');
    await page.goto(`${base}/settings/security`);
    expect(await page.getByTestId('passkeys-badge').textContent()).toBe('off');
    expect(await page.getByTestId('recovery-remaining').textContent()).toBe('0 unused codes left.');
    // A mark on this document: a reload or a navigation would drop it.
    await page.evaluate(() => document.documentElement.setAttribute('data-not-reloaded', ''));
    await page.getByTestId('passkey-label').fill('Laptop');
    await page.getByTestId('passkey-add').click();
    await page.getByTestId('recovery-codes').waitFor();
    expect(await page.getByTestId('recovery-codes').locator('li').count()).toBe(10);
    // The rest of the page already shows the new passkey and the codes, with no reload.
    expect(await page.locator('html[data-not-reloaded]').count()).toBe(1);
    expect(await page.getByTestId('passkeys-badge').textContent()).toBe('on');
    expect(await page.getByTestId('passkey-name').inputValue()).toBe('Laptop');
    expect(await page.getByTestId('recovery-remaining').textContent()).toBe(
      '10 unused codes left.',
    );
    expect(await page.getByTestId('recovery-hint').count()).toBe(0);
    expect(await page.getByTestId('recovery-regenerate').isVisible()).toBe(true);
    await shot(page, 'passkey-added');
    await Promise.all([
      page.waitForURL(/notice=passkey-added/),
      page.getByTestId('passkey-continue').click(),
    ]);
    const list = page.getByTestId('passkeys');
    expect(await list.getByTestId('passkey-name').inputValue()).toBe('Laptop');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]?.isResidentCredential).toBe(true);
  });

  it('signs in with the password and the passkey on /mfa', async () => {
    const base = running.baseUrl;
    // The virtual authenticator completes a conditional (autofill) request at once, as if alice
    // had picked her passkey in the dropdown; the last story checks exactly that. Until then the
    // page is told autofill is unavailable, so the buttons are what runs.
    await context.addCookies([{ name: 'no-autofill', value: '1', url: base }]);
    await signOut(page);
    await signIn(page, base, 'alice', 'alice-password-1');
    expect(new URL(page.url()).pathname).toBe('/mfa');
    await shot(page, 'mfa-passkey');
    await Promise.all([
      page.waitForURL((url) => url.pathname !== '/mfa'),
      page.getByTestId('factor-passkey').click(),
    ]);
    expect(await sessionStatus(page, base)).toEqual({
      status: 'satisfied',
      amr: 'pwd, hwk, user, mfa',
    });
  });

  it('signs in with the passkey alone from /login', async () => {
    const base = running.baseUrl;
    await signOut(page);
    expect(await page.getByTestId('username').getAttribute('autocomplete')).toBe(
      'username webauthn',
    );
    await Promise.all([
      page.waitForURL((url) => url.pathname !== '/login'),
      page.getByTestId('passkey-login').click(),
    ]);
    expect(await sessionStatus(page, base)).toEqual({ status: 'satisfied', amr: 'hwk, user, mfa' });
    await page.goto(`${base}/settings/security`);
    expect(await page.getByTestId('passkeys').textContent()).toContain('this device only');
  });

  it('is refused when user verification fails', async () => {
    const base = running.baseUrl;
    await signOut(page);
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    await page.getByTestId('passkey-login').click();
    const error = page.getByTestId('passkey-error');
    await error.waitFor({ state: 'visible' });
    expect((await error.textContent())?.length).toBeGreaterThan(0);
    await shot(page, 'passkey-refused');
    expect((await sessionStatus(page, base)).status).toBe('anonymous');
  });

  it('browser autofill (conditional mediation) signs in from the username field', async () => {
    const base = running.baseUrl;
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
    await context.clearCookies({ name: 'no-autofill' });
    await page.goto(`${base}/login`);
    await page.waitForURL((url) => url.pathname !== '/login');
    expect(await sessionStatus(page, base)).toEqual({ status: 'satisfied', amr: 'hwk, user, mfa' });
  });

  it('renames and removes the passkey on /settings/security', async () => {
    const base = running.baseUrl;
    await page.goto(`${base}/settings/security`);
    await page.getByTestId('passkey-name').fill('Old laptop');
    await Promise.all([
      page.waitForURL(/notice=passkey-renamed/),
      page.getByTestId('passkey-rename').click(),
    ]);
    expect(await page.getByTestId('passkey-name').inputValue()).toBe('Old laptop');
    // Removing asks the authenticator once more (a fresh assertion), then the row is gone.
    await Promise.all([
      page.waitForURL(/notice=passkey-removed/),
      page.getByTestId('passkey-remove').click(),
    ]);
    expect(await page.getByTestId('passkeys').textContent()).toContain('No passkey yet');
    await shot(page, 'passkey-removed');
  });
});
