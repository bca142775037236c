// Story: bob works from a terminal. He signs in with the demo's CLI (password, then the code it
// asks for), reads the reports, and opens billing; six minutes later billing wants a fresh code
// (RFC 9470 max_age): the CLI says so, he types his password and the code in one field, and the
// call goes through. His token is revoked from elsewhere: the CLI says it must sign in again.
// He logs out: the server refuses the old token, and the token file is gone. Throughout, the
// file is 0600 in a 0700 directory. The server runs in-process with a clock the test moves; the
// CLI is a real child process with its own HOME and XDG_CONFIG_HOME.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTotp } from '../../lib/index.js';
import { createExampleApp, type ExampleApp } from '../app.js';

const CLI = fileURLToPath(new URL('../cli.ts', import.meta.url));
let example: ExampleApp;
let server: Server;
let baseUrl: string;
let home: string;
let offset = 0;
const serverNow = () => Date.now() + offset;

beforeAll(async () => {
  example = await createExampleApp(
    {
      SESSION_SECRET: 'cli-test-session-secret-0123456789abcdef',
      MFA_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
      DATABASE_URL: 'sqlite::memory:',
    },
    { printMail: false, now: serverNow },
  );
  server = createServer(example.app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  baseUrl = `http://127.0.0.1:${address.port}`;
  home = await mkdtemp(join(tmpdir(), 'stepup-cli-'));
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await example?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

/**
 * Bob's code on the server's clock. Each call first moves that clock two 30 s steps on, so every
 * code is of a step never used before (the server accepts each step once).
 */
async function nextCode(): Promise<string> {
  offset += 60_000;
  return generateTotp({ secret: example.demo.bob.secret ?? '', now: serverNow() });
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI as `npm run example:cli` runs it (tsx), its stdin the given lines. */
async function cli(command: string, lines: readonly string[] = []): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, command], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: home,
      XDG_CONFIG_HOME: join(home, 'config'),
      STEPUP_URL: baseUrl,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(lines.map((l) => `${l}\n`).join(''));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

const tokenPath = () => join(home, 'config', 'passport-stepup-demo', 'token.json');
const savedToken = async () =>
  (JSON.parse(await readFile(tokenPath(), 'utf8')) as { accessToken: string }).accessToken;

describe('the demo CLI', () => {
  it('signs in, calls the API, re-prompts on a refusal, and logs out', async () => {
    // Password alone: the server answers mfa_required, the CLI says why and asks for the code.
    const login = await cli('login', ['bob', 'bob-password-1', await nextCode()]);
    expect(login.stderr).toContain('This account has a second factor');
    expect(login.stderr).toContain('Signed in as bob: AAL2');
    expect(login.code).toBe(0);
    expect((await stat(tokenPath())).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, 'config', 'passport-stepup-demo'))).mode & 0o777).toBe(0o700);
    const first = await savedToken();
    expect(first).toMatch(/^psu_/);

    const reports = await cli('reports');
    expect(reports.code).toBe(0);
    expect(JSON.parse(reports.stdout)).toMatchObject({
      userId: 'bob',
      report: 'quarterly numbers',
    });

    // Billing wants a code from the last 5 minutes: fine now, refused 6 minutes later with
    // RFC 9470's challenge; the CLI explains, signs in again (password + code in one field)
    // and the retried call goes through.
    expect((await cli('billing')).code).toBe(0);
    offset += 6 * 60_000;
    const code = await nextCode();
    const billing = await cli('billing', [`bob-password-1${code}`]);
    expect(billing.stderr).toContain('a second factor entered in the last 5 minutes');
    expect(billing.stderr).toContain('max_age=300');
    expect(billing.stderr).toContain('Signing in');
    expect(billing.code).toBe(0);
    expect(JSON.parse(billing.stdout)).toMatchObject({ billing: 'card ending 4242' });
    const second = await savedToken();
    expect(second).not.toBe(first);
    expect((await stat(tokenPath())).mode & 0o777).toBe(0o600);

    // Revoked elsewhere (the security page does this): invalid_token, and the CLI asks again.
    await example.stepup.credentials.deleteTokens('bob');
    const revoked = await cli('reports', ['bob-password-1', await nextCode()]);
    expect(revoked.stderr).toContain('no longer accepts your saved token');
    expect(revoked.stderr).toContain('Code:');
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ report: 'quarterly numbers' });

    // A wrong code is refused with a reason and asked for again.
    const retry = await cli('login', ['bob', 'bob-password-1', '000000', await nextCode()]);
    expect(retry.stderr).toContain('That code was not accepted');
    expect(retry.code).toBe(0);

    // Logout revokes the token on the server, then deletes the file.
    const last = await savedToken();
    const logout = await cli('logout');
    expect(logout.code).toBe(0);
    expect(logout.stderr).toContain('the server revoked the token');
    await expect(stat(tokenPath())).rejects.toThrow(/ENOENT/);
    const after = await fetch(`${baseUrl}/api/reports`, {
      headers: { authorization: `Bearer ${last}` },
    });
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('fails with a message, not a stack, when input runs out', async () => {
    const run = await cli('reports', ['bob']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: no input for "Password');
    expect(run.stderr).not.toContain('    at ');
  });
});
