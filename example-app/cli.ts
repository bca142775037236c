/**
 * The demo's command-line client: `npm run example:cli -- login | reports | billing | logout`.
 *
 * It signs in with `POST /auth/token` (password, then the second factor's code when the server
 * says one is needed, or both in the password field as mainframe users type them), keeps the
 * bearer token in a file only its user can read (cli/token-file.ts), and calls the demo's JSON
 * API with `Authorization: Bearer` (RFC 6750). When the server refuses the token it says why in
 * plain words and asks again, then retries the call once: RFC 9470's challenge
 * (`insufficient_user_authentication` with `max_age` or `acr_values`) for a token too old or
 * too weak for the route, RFC 6750's `invalid_token` for one that expired or was revoked. IBM
 * Zowe's CLI gives no notice when more input is needed; this is that notice.
 *
 * Settings (environment): STEPUP_URL (default http://localhost:3000); STEPUP_USERNAME,
 * STEPUP_PASSWORD, STEPUP_CODE answer the prompts (the code only once: codes are single-use);
 * without them the prompts read the terminal (no echo for the password and the code) or the
 * lines of stdin. XDG_CONFIG_HOME moves the token file. See docs/architecture.md (invariant 22).
 */
import { Input } from './cli/input.js';
import { explainRefusal, parseChallenge, type Answer } from './cli/refusal.js';
import { TokenFile, tokenDirectory, type SavedToken } from './cli/token-file.js';

const USAGE = `usage: npm run example:cli -- <command>
  login     sign in (password, then the code from your authenticator app)
  reports   GET /api/reports  (needs a second factor)
  billing   GET /api/billing  (needs a second factor from the last 5 minutes)
  logout    revoke the token on the server and delete it here`;

class CliError extends Error {}

interface Cli {
  readonly server: string;
  readonly input: Input;
  readonly file: TokenFile;
}

const say = (line: string): void => void process.stderr.write(`${line}\n`);

async function call(
  cli: Cli,
  method: string,
  path: string,
  options: { token?: string; json?: object } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.json) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${cli.server}${path}`, {
      method,
      headers,
      ...(options.json ? { body: JSON.stringify(options.json) } : {}),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? String(err);
    throw new CliError(`cannot reach ${cli.server} (${cause}); is the demo running? (STEPUP_URL)`);
  }
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { message: text.slice(0, 200) };
  }
  return {
    status: res.status,
    body,
    challenge: parseChallenge(res.headers.get('www-authenticate')),
  };
}

/** A message for an answer that is no success and no reason to sign in again. */
function failure(answer: Answer): string {
  const message = typeof answer.body.message === 'string' ? answer.body.message : '';
  const retry = answer.body.retryAfter;
  const wait = typeof retry === 'number' ? ` Try again in ${Math.ceil(retry)} s.` : '';
  return `the server answered ${answer.status} ${String(answer.body.error ?? '')}: ${message}${wait}`;
}

/**
 * `POST /auth/token`: the password first; when the server answers `mfa_required` (the account
 * has a second factor and the password field held no code) the user is told so and asked for
 * the code, and asked again after a wrong one (the server's lockout bounds the tries).
 */
async function signIn(cli: Cli, knownUser?: string): Promise<SavedToken> {
  const username =
    knownUser ?? (await cli.input.ask({ label: 'Username', env: 'STEPUP_USERNAME' }));
  if (knownUser) say(`Signing in to ${cli.server} again as ${knownUser}.`);
  const password = await cli.input.ask({
    label: 'Password (or the password followed by the 6-digit code)',
    hidden: true,
    env: 'STEPUP_PASSWORD',
  });
  let body: Record<string, string> = { username, password };
  for (let tries = 0; tries < 4; tries++) {
    const answer = await call(cli, 'POST', '/auth/token', { json: body });
    if (answer.status === 200) return save(cli, username, answer.body);
    const { error } = answer.body;
    if (error === 'mfa_required' && answer.body.reason === 'pending') {
      const factors = Array.isArray(answer.body.factors) ? (answer.body.factors as string[]) : [];
      say(
        'This account has a second factor: enter the current code from your authenticator app' +
          (factors.includes('recovery-code') ? ' (or one of your recovery codes).' : '.'),
      );
    } else if (error === 'invalid_code' && body.code !== undefined) {
      say(
        'That code was not accepted: it was mistyped, expired, or already used (each code works once). Enter the next code.',
      );
    } else {
      throw new CliError(failure(answer));
    }
    const code = await cli.input.ask({
      label: 'Code',
      hidden: true,
      env: 'STEPUP_CODE',
      envOnce: true,
    });
    const factor = /^\d{6,8}$/.test(code) ? 'totp' : 'recovery-code';
    body = { username, password, code, factor };
  }
  throw new CliError('too many codes refused; sign in again later.');
}

async function save(cli: Cli, username: string, body: Record<string, unknown>) {
  const now = Date.now();
  const token: SavedToken = {
    server: cli.server,
    username,
    accessToken: String(body.access_token),
    expiresAt: now + Number(body.expires_in) * 1000,
    aal: Number(body.aal),
    amr: Array.isArray(body.amr) ? (body.amr as string[]) : [],
    authTime: Number(body.auth_time) * 1000,
    id: String(body.id),
  };
  await cli.file.write(token);
  say(
    `Signed in as ${username}: AAL${token.aal} (${token.amr.join(', ')}), the token is valid until ` +
      `${new Date(token.expiresAt).toLocaleString()}; kept in ${cli.file.path} (mode 600).`,
  );
  return token;
}

/** The saved token, if it is for this server (never sent to another one). */
async function savedFor(cli: Cli): Promise<SavedToken | undefined> {
  const saved = await cli.file.read();
  if (saved && saved.server !== cli.server) {
    say(`The saved token is for ${saved.server}, not ${cli.server}: it is not sent there.`);
    return undefined;
  }
  return saved;
}

/** GET an API route with the token; on a refusal that signing in can fix, sign in and retry once. */
async function callApi(cli: Cli, path: string): Promise<void> {
  let token = await savedFor(cli);
  if (!token) {
    say(`You are not signed in to ${cli.server}.`);
    token = await signIn(cli);
  }
  let answer = await call(cli, 'GET', path, { token: token.accessToken });
  if (answer.status === 401) {
    const why = explainRefusal(answer, token, Date.now());
    say(why.text);
    if (!why.signInHelps) throw new CliError(failure(answer));
    token = await signIn(cli, token.username);
    answer = await call(cli, 'GET', path, { token: token.accessToken });
    if (answer.status === 401) say(explainRefusal(answer, token, Date.now()).text);
  }
  if (answer.status !== 200) throw new CliError(failure(answer));
  process.stdout.write(`${JSON.stringify(answer.body, null, 2)}\n`);
}

/** `DELETE /auth/token` revokes the token on the server; then the file goes. */
async function logout(cli: Cli): Promise<void> {
  const saved = await savedFor(cli);
  if (!saved) {
    await cli.file.remove();
    say('Not signed in.');
    return;
  }
  // The file stays when the server cannot be reached: deleting it would not end the token.
  const answer = await call(cli, 'DELETE', '/auth/token', { token: saved.accessToken });
  if (answer.status === 204) say('Signed out: the server revoked the token.');
  else if (answer.status === 401) say('The server had already ended this token.');
  else throw new CliError(failure(answer));
  await cli.file.remove();
  say(`Deleted ${cli.file.path}.`);
}

async function main(argv: readonly string[]): Promise<number> {
  const command = argv[0];
  const server = (process.env.STEPUP_URL?.trim() || 'http://localhost:3000').replace(/\/+$/, '');
  const cli: Cli = { server, input: new Input(), file: new TokenFile(tokenDirectory()) };
  try {
    if (command === 'login') await signIn(cli);
    else if (command === 'reports') await callApi(cli, '/api/reports');
    else if (command === 'billing') await callApi(cli, '/api/billing');
    else if (command === 'logout') await logout(cli);
    else {
      say(USAGE);
      return 2;
    }
    return 0;
  } catch (err) {
    if (!(err instanceof CliError) && !(err instanceof Error && err.message.startsWith('no input')))
      throw err;
    say(`error: ${err.message}`);
    return 1;
  } finally {
    cli.input.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
