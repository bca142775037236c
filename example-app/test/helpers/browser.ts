/**
 * Browser-test helpers: the example app in-process on a random port, Debian's chromium driven
 * by playwright-core (never a downloaded browser), the QR image read back from the page, and
 * TOTP codes on the real clock.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import jsQRModule from 'jsqr';
import { generateTotp } from '../../../lib/index.js';
import { createExampleApp, type ExampleApp } from '../../app.js';

// jsqr is a CJS bundle that sets `exports.default` (see test/totp.qr.test.ts).
const jsQR: typeof jsQRModule.default =
  typeof jsQRModule === 'function' ? jsQRModule : jsQRModule.default;

export const CHROMIUM = '/usr/bin/chromium';
/** Debian's chromium (docs/contributing.md, "What the tests need"): the flags that keep Debian's chromium quiet and sandbox-free in a container. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const RESULTS = join(process.cwd(), 'test-results');

/** Fails (never skips) when the browser is missing, saying how to install it. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the example app's browser tests need Debian's chromium. ` +
        'Install it with `apt-get update && apt-get install -y chromium` (never `npx playwright install`).',
    );
  }
  mkdirSync(RESULTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

export interface RunningExample {
  readonly example: ExampleApp;
  readonly baseUrl: string;
  close(): Promise<void>;
}

/** The app on 127.0.0.1 and a free port, with fixed keys and in-memory stores (SQLite too). */
export async function startExample(): Promise<RunningExample> {
  const example = await createExampleApp(
    {
      SESSION_SECRET: 'browser-test-session-secret-0123456789abcdef',
      MFA_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
      DATABASE_URL: 'sqlite::memory:',
    },
    { printMail: false },
  );
  const server: Server = createServer(example.app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    example,
    baseUrl: `http://127.0.0.1:${address.port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await example.close();
    },
  };
}

/** Full-page screenshot to test-results/<name>.png. */
export async function shot(page: Page, name: string): Promise<string> {
  const path = join(RESULTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Decode the QR image on the page (a PNG data URL) to the otpauth:// URI it carries. */
export async function readQr(page: Page): Promise<string> {
  const src = await page.getAttribute('img[data-testid=totp-qr]', 'src');
  const prefix = 'data:image/png;base64,';
  if (!src?.startsWith(prefix))
    throw new Error(`the QR image is not a PNG data URL: ${String(src).slice(0, 40)}`);
  const png = PNG.sync.read(Buffer.from(src.slice(prefix.length), 'base64'));
  const uri = jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data;
  if (!uri) throw new Error('the QR image could not be decoded');
  return uri;
}

const STEP_MS = 30_000;

/**
 * TOTP codes on the real clock, each of a later time step than the one before (each step is
 * accepted once per user). The server accepts ±1 step, so the first code is the previous
 * step's and up to three codes need no wait; a fourth waits for the next step.
 */
export class CodeSource {
  private last = Number.NEGATIVE_INFINITY;
  constructor(readonly secret: string) {}

  async next(): Promise<string> {
    for (;;) {
      const now = Date.now();
      const current = Math.floor(now / STEP_MS);
      // 5 s of margin: the code must still be inside the window when the server checks it.
      const safeCurrent = Math.floor((now + 5_000) / STEP_MS);
      const step = Math.max(this.last + 1, safeCurrent - 1);
      if (step <= current + 1) {
        this.last = step;
        return generateTotp({ secret: this.secret, now: step * STEP_MS + 1_000 });
      }
      await sleep((current + 1) * STEP_MS - now + 100);
    }
  }
}

/** The secret in an otpauth:// URI. */
export function secretOf(uri: string): string {
  const secret = new URL(uri).searchParams.get('secret');
  if (!secret) throw new Error(`no secret in ${uri}`);
  return secret;
}

/** A browser, a page and the example app on a random port: what every story starts from. */
export interface Stage {
  readonly browser: Browser;
  readonly running: RunningExample;
  readonly context: BrowserContext;
  readonly page: Page;
}

export async function openStage(): Promise<Stage> {
  const browser = await launchBrowser();
  const running = await startExample();
  const context = await browser.newContext({ viewport: { width: 960, height: 720 } });
  return { browser, running, context, page: await context.newPage() };
}

export async function closeStage(stage: Partial<Stage>): Promise<void> {
  await stage.context?.close();
  await stage.browser?.close();
  await stage.running?.close();
}
