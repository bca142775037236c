// Story: alice, who has only a password, sets up an authenticator app by scanning the QR code on
// the page, signs in with a code from it, lets the browser be remembered, and still has to
// enter a code for billing, where a remembered browser is not enough (NIST SP 800-63B-4 §5.1.1).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  closeStage,
  CodeSource,
  openStage,
  readQr,
  type RunningExample,
  secretOf,
  shot,
} from './helpers/browser.js';
import { FEATURES } from '../factors.js';
import { presentCode, sessionStatus, signIn, signOut } from './helpers/flows.js';

/**
 * `UPDATE_DOCS_SCREENSHOTS=1 npx vitest run example-app/test` refreshes the README's pictures
 * (the visible part of the page only, to keep them small).
 */
async function docs(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_DOCS_SCREENSHOTS !== '1') return;
  mkdirSync('docs', { recursive: true });
  await page.screenshot({ path: join('docs', `${name}.png`) });
}

describe.sequential(
  'alice: enrol TOTP from the QR code, sign in with it, remembered browser',
  () => {
    let browser: Browser;
    let running: RunningExample;
    let context: BrowserContext;
    let page: Page;
    let codes: CodeSource;

    beforeAll(async () => {
      ({ browser, running, context, page } = await openStage());
    });
    afterAll(() => closeStage({ browser, running, context }));

    it('signs in with the password alone and enrols TOTP by reading the QR image', async () => {
      const base = running.baseUrl;
      await page.goto(`${base}/login`);
      await shot(page, 'login');
      await docs(page, 'login');
      await signIn(page, base, 'alice', 'alice-password-1');
      expect(await sessionStatus(page, base)).toEqual({ status: 'authenticated', amr: 'pwd' });
      await shot(page, 'home');

      // Without a second factor, a guarded page sends her to the challenge page, which says so.
      await page.goto(`${base}/reports`);
      expect(new URL(page.url()).pathname).toBe('/mfa');
      await shot(page, 'mfa-not-enrolled');

      await page.goto(`${base}/settings/security`);
      await shot(page, 'security');
      await Promise.all([page.waitForLoadState('load'), page.getByTestId('totp-enroll').click()]);
      await page.getByTestId('totp-qr').waitFor();
      const uri = await readQr(page);
      expect(uri).toMatch(/^otpauth:\/\/totp\/passport-stepup%20demo:alice\?secret=[A-Z2-7]+&/);
      const secret = secretOf(uri);
      expect((await page.getByTestId('totp-secret').textContent())?.replace(/\s/g, '')).toBe(
        secret,
      );
      await shot(page, 'enrol');
      await docs(page, 'enrol');

      codes = new CodeSource(secret);
      const confirm = page.getByTestId('totp-confirm');
      // A mistyped code is refused, and the same QR code and secret stay on screen.
      await confirm.getByTestId('code').fill('000000');
      await Promise.all([
        page.waitForLoadState('load'),
        confirm.locator('button[type=submit]').click(),
      ]);
      expect(await page.getByTestId('error').textContent()).toContain('incorrect');
      expect(secretOf(await readQr(page))).toBe(secret);
      expect((await page.getByTestId('totp-secret').textContent())?.replace(/\s/g, '')).toBe(
        secret,
      );
      await confirm.getByTestId('code').fill(await codes.next());
      await Promise.all([
        page.waitForLoadState('load'),
        confirm.locator('button[type=submit]').click(),
      ]);
      const recovery = page.getByTestId('recovery-codes');
      await recovery.waitFor();
      expect(await recovery.locator('li').count()).toBe(10);
      // The page the confirmation renders already shows the new factor and its codes.
      expect(await page.getByTestId('totp-badge').textContent()).toBe('on');
      expect(await page.getByTestId('recovery-remaining').textContent()).toBe(
        '10 unused codes left.',
      );
      await shot(page, 'recovery-codes');
      expect(await sessionStatus(page, base)).toEqual({
        status: 'satisfied',
        amr: 'pwd, otp, mfa',
      });
    });

    it('signs out, then signs in again with a code from the app', async () => {
      const base = running.baseUrl;
      await signOut(page);
      await signIn(page, base, 'alice', 'alice-password-1');
      expect(new URL(page.url()).pathname).toBe('/mfa');
      await shot(page, 'challenge');
      await docs(page, 'challenge');

      // A wrong code is refused on the page, with the library's message.
      await page.getByTestId('mfa-form').getByTestId('code').fill('000000');
      await Promise.all([
        page.waitForLoadState('load'),
        page.getByTestId('mfa-form').locator('button[type=submit]').click(),
      ]);
      expect(await page.getByTestId('error').textContent()).toContain('incorrect');

      const remember = running.example.features.rememberBrowser;
      await presentCode(page, await codes.next(), { remember });
      expect(await sessionStatus(page, base)).toEqual({
        status: 'satisfied',
        amr: 'pwd, otp, mfa',
      });
      // A fresh code opens billing at once.
      await page.goto(`${base}/billing`);
      expect(new URL(page.url()).pathname).toBe('/billing');
      await shot(page, 'billing');
      await page.goto(`${base}/activity`);
      expect(await page.getByTestId('activity').textContent()).toContain('login.satisfied');
      await shot(page, 'activity');
    });

    it.skipIf(!FEATURES.rememberBrowser)(
      'a remembered browser skips the code, but billing asks again',
      async () => {
        const base = running.baseUrl;
        await signOut(page);
        await signIn(page, base, 'alice', 'alice-password-1');
        expect(await sessionStatus(page, base)).toEqual({ status: 'satisfied', amr: 'pwd, rb' });
        await page.goto(`${base}/reports`);
        expect(new URL(page.url()).pathname).toBe('/reports');
        await shot(page, 'reports');

        await page.goto(`${base}/billing`);
        const url = new URL(page.url());
        expect(url.pathname).toBe('/mfa');
        expect(url.searchParams.get('reason')).toBe('remembered_browser_not_allowed');
        await shot(page, 'mfa-billing');
        await presentCode(page, await codes.next());
        expect(new URL(page.url()).pathname).toBe('/billing');

        // She forgets this browser in her settings: the next sign-in asks for a code again.
        await page.goto(`${base}/settings/security`);
        const rows = page.getByTestId('browsers').locator('tbody tr');
        expect(await rows.count()).toBe(1);
        expect(await rows.first().textContent()).toContain('this browser');
        await shot(page, 'security-browsers');
        await Promise.all([
          page.waitForURL(/notice=browser-revoked/),
          page.getByTestId('browser-revoke').click(),
        ]);
        await signOut(page);
        await signIn(page, base, 'alice', 'alice-password-1');
        expect(new URL(page.url()).pathname).toBe('/mfa');
      },
    );
  },
);
