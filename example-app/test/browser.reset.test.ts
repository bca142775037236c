// Story: "Forgot password?". Bob asks for a link, and the reset page also wants his TOTP code;
// his other browser, signed in before, is signed out; he signs in with the new password and a
// code. Carol's only second factor is email codes (the same mailbox as the link): she is sent
// to an administrator. Alice has no second factor: the link alone resets her password.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { closeStage, CodeSource, openStage, type RunningExample, shot } from './helpers/browser.js';
import { presentCode, sessionStatus, signIn } from './helpers/flows.js';

const RESET_SENT = 'If the account exists, a link was sent';

describe.sequential('forgot password: a link by mail, plus the second factor', () => {
  let browser: Browser;
  let running: RunningExample;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    ({ browser, running, context, page } = await openStage());
  });
  afterAll(() => closeStage({ browser, running, context }));

  /** The reset links mailed to `to` so far, newest first (the outbox object of the demo). */
  const linksTo = (to: string): string[] =>
    (running.example.mail.outbox() ?? [])
      .filter((m) => m.to === to && m.subject.startsWith('Reset your'))
      .map((m) => /\/reset-password\?token=[A-Za-z0-9_-]+/.exec(m.text)?.[0] ?? '');

  /** "Forgot password?" from the login page; resolves with the path of the mailed link. */
  async function askForLink(username: string, address: string): Promise<string> {
    const before = linksTo(address).length;
    await page.goto(`${running.baseUrl}/login`);
    await Promise.all([
      page.waitForURL(/\/forgot-password$/),
      page.getByTestId('forgot-link').click(),
    ]);
    await page.getByTestId('username').fill(username);
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByTestId('forgot-form').locator('button[type=submit]').click(),
    ]);
    expect(await page.getByTestId('reset-sent').textContent()).toContain(RESET_SENT);
    // The link is mailed after the answer: wait for it.
    for (let i = 0; i < 100 && linksTo(address).length === before; i++) await sleep(50);
    const [link] = linksTo(address);
    if (!link) throw new Error(`no reset link was mailed to ${address}`);
    return link;
  }

  async function submitReset(password: string, code?: { factor: string; code: string }) {
    const form = page.getByTestId('reset-form');
    await form.getByTestId('new-password').fill(password);
    if (code) {
      await form.getByTestId('factor').selectOption(code.factor);
      await form.getByTestId('code').fill(code.code);
    }
    await Promise.all([page.waitForLoadState('load'), form.locator('button[type=submit]').click()]);
  }

  it('an unknown user gets the same answer, and no mail', async () => {
    const before = running.example.mail.outbox()?.length ?? 0;
    await page.goto(`${running.baseUrl}/forgot-password`);
    await page.getByTestId('username').fill('nobody');
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByTestId('forgot-form').locator('button[type=submit]').click(),
    ]);
    expect(await page.getByTestId('reset-sent').textContent()).toContain(RESET_SENT);
    await shot(page, 'reset-requested');
    await sleep(300);
    expect(running.example.mail.outbox()?.length ?? 0).toBe(before);
  });

  it('bob resets with the link and his TOTP code; his other browser is signed out', async () => {
    const base = running.baseUrl;
    const codes = new CodeSource(running.example.demo.bob.secret ?? '');
    const newPassword = 'tangerine-harbor-lantern-42';

    // Another browser of bob's, signed in before the reset.
    const other = await browser.newContext({ viewport: { width: 960, height: 720 } });
    const otherPage = await other.newPage();
    await signIn(otherPage, base, 'bob', 'bob-password-1');
    await presentCode(otherPage, await codes.next());
    expect((await sessionStatus(otherPage, base)).status).toBe('satisfied');

    const link = await askForLink('bob', 'bob@example.test');
    await page.goto(base + link);
    await shot(page, 'reset-form');

    // The password alone is not enough: the page asks for the code and keeps the token.
    await submitReset(newPassword);
    expect(await page.getByTestId('reset-lead').textContent()).toContain('second factor');
    expect(await page.locator('input[name=token]').inputValue()).toBe(
      new URL(base + link).searchParams.get('token'),
    );
    await shot(page, 'reset-mfa-required');

    await submitReset(newPassword, { factor: 'totp', code: await codes.next() });
    expect(page.url()).toBe(`${base}/login?notice=password-reset`);
    expect(await page.locator('.notice').textContent()).toContain('password was changed');
    await shot(page, 'reset-done');

    // The other browser is signed out.
    expect((await sessionStatus(otherPage, base)).status).toBe('anonymous');
    await other.close();

    // The link works once.
    await page.goto(base + link);
    await submitReset('another-long-passphrase-9');
    expect(await page.getByTestId('reset-dead').textContent()).toContain('invalid or expired');

    // The old password is refused; the new one and a code sign him in.
    await page.goto(`${base}/login`);
    await page.getByTestId('username').fill('bob');
    await page.getByTestId('password').fill('bob-password-1');
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByTestId('login-form').locator('button[type=submit]').click(),
    ]);
    expect(new URL(page.url()).pathname).toBe('/login');
    await signIn(page, base, 'bob', newPassword);
    expect(new URL(page.url()).pathname).toBe('/mfa');
    await presentCode(page, await codes.next());
    expect(await sessionStatus(page, base)).toEqual({ status: 'satisfied', amr: 'pwd, otp, mfa' });
    await Promise.all([page.waitForURL(/\/login/), page.getByTestId('logout').click()]);
  });

  it('carol, whose only second factor is email codes, is sent to an administrator', async () => {
    const link = await askForLink('carol', 'carol@example.test');
    await page.goto(running.baseUrl + link);
    await submitReset('tangerine-harbor-lantern-42');
    expect(await page.getByTestId('reset-dead').textContent()).toContain(
      'contact an administrator',
    );
    await shot(page, 'reset-needs-admin');
  });

  it('alice, with no second factor, resets with the link alone', async () => {
    const base = running.baseUrl;
    const link = await askForLink('alice', 'alice@example.test');
    await page.goto(base + link);
    // The policy's reasons are shown, and the form stays.
    await submitReset('short');
    expect(await page.getByTestId('error').textContent()).toContain('too_short');
    await submitReset('quiet-meadow-compass-77');
    expect(page.url()).toBe(`${base}/login?notice=password-reset`);
    await signIn(page, base, 'alice', 'quiet-meadow-compass-77');
    expect((await sessionStatus(page, base)).status).toBe('authenticated');
  });
});
