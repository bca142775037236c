// Story: carol gets her second factor by email. She signs in, asks for a code, reads it in the
// development outbox and enters it; a second code sent at once is refused (60 s cooldown).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { closeStage, openStage, type RunningExample, shot } from './helpers/browser.js';
import { presentCode, sessionStatus, signIn } from './helpers/flows.js';

describe.sequential('carol: email code read from the outbox', () => {
  let browser: Browser;
  let running: RunningExample;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    ({ browser, running, context, page } = await openStage());
  });
  afterAll(() => closeStage({ browser, running, context }));

  it('signs in with a code sent to her verified address', async () => {
    const base = running.baseUrl;
    await signIn(page, base, 'carol', 'carol-password-1');
    expect(new URL(page.url()).pathname).toBe('/mfa');
    expect(await page.getByTestId('mfa-form').locator('input[name=factor]').inputValue()).toBe(
      'email-otp',
    );
    await page.getByTestId('send-code').click();
    expect(await page.getByTestId('code-sent').textContent()).toContain('c***@example.test');
    await shot(page, 'mfa-email');

    // Asking again at once: the resend cooldown answers on the page.
    await page.getByTestId('send-code').click();
    expect(await page.getByTestId('error').textContent()).toMatch(/Try again in \d+ s/);

    // The outbox is a page of the app; a second tab reads it, as a person would their mail.
    const mailbox = await context.newPage();
    await mailbox.goto(`${base}/dev/outbox`);
    const mail = mailbox.getByTestId('mail').first();
    expect(await mail.getByTestId('mail-to').textContent()).toBe('carol@example.test');
    const code = /verification code is: (\d{6})/.exec(
      (await mail.getByTestId('mail-text').textContent()) ?? '',
    )?.[1];
    if (!code) throw new Error('no code in the outbox');
    await mailbox.close();

    await presentCode(page, code);
    expect(await sessionStatus(page, base)).toEqual({
      status: 'satisfied',
      amr: 'pwd, email, mfa',
    });
    await page.goto(`${base}/settings/security`);
    expect(await page.getByTestId('email-address').textContent()).toBe('carol@example.test');
    await shot(page, 'security-email');
  });
});
