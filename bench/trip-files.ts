/**
 * Which of the library's files run while one request is served: the measure behind
 * docs/architecture.md "Request flow" (issue #28 asked that a TOTP verify and a password sign-in
 * each cross half the files they did). It builds the README's app on the memory stores through
 * the public API only (so the same script runs on older commits), signs a TOTP user in, and
 * records V8's precise coverage (call counts) around exactly one request of each kind. A file
 * counts when any function of it ran during that request: it is what a reader following the
 * request has to open. Store implementations count too (here the memory stores).
 *
 *   npm run bench:trip            (prints both trips, file by file)
 */
import { once } from 'node:events';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, relative } from 'node:path';
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { createStepup, hashPassword, recoveryCodes, totp } from '../lib/index.js';
import { base32Decode, totpCode } from './totp-code.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const PASSWORD = 'bob-password-1';

type User = {
  id: string;
  username: string;
  passwordHash: string;
};

async function buildApp() {
  const users = new Map<string, User>();
  users.set('bob', { id: 'u1', username: 'bob', passwordHash: await hashPassword(PASSWORD) });
  const passport = new Passport();
  const stepup = createStepup({
    passport,
    password: { findUser: (name: string) => Promise.resolve(users.get(name) ?? null) },
    factors: [
      totp({
        issuer: 'Acme',
        encryptionKeys: { current: 'k1', keys: { k1: Buffer.alloc(32, 7) } },
      }),
      recoveryCodes({ hmacKey: 'r'.repeat(32) }),
    ],
  });
  passport.serializeUser((user, done) => done(null, (user as User).id));
  passport.deserializeUser((id: string, done) => {
    done(null, [...users.values()].find((u) => u.id === id) ?? false);
  });
  const app = express();
  app.use(session({ secret: 's'.repeat(32), resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(stepup.middleware());
  app.use('/auth', stepup.router());
  app.use(stepup.errorHandler());
  return app;
}

/** A browser: one cookie jar, the CSRF token of its session. */
function browser(base: string) {
  let cookie = '';
  let csrf = '';
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(cookie ? { cookie } : {}),
        ...(csrf ? { 'x-csrf-token': csrf } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const set = res.headers.getSetCookie().map((c) => c.split(';')[0]);
    if (set.length) cookie = set.join('; ');
    const json = (await res.json()) as Record<string, unknown>;
    if (typeof json.csrfToken === 'string') csrf = json.csrfToken;
    return { status: res.status, body: json };
  };
}

/** The library's files whose functions ran during `work` (module bodies excluded). */
async function filesRun(
  inspector: Session,
  work: () => Promise<unknown>,
): Promise<Map<string, string[]>> {
  await inspector.post('Profiler.takePreciseCoverage'); // resets the counters
  await work();
  const { result } = await inspector.post('Profiler.takePreciseCoverage');
  const files = new Map<string, string[]>();
  for (const script of result) {
    if (!script.url.startsWith('file:')) continue;
    const file = relative(ROOT, fileURLToPath(script.url));
    if (!/^(lib|strategies)\//.test(file)) continue;
    // Counters were reset before the request, so a module's own body (run at import) counts
    // 0 and only what the request called is above 0.
    const ran = script.functions.filter((fn) => (fn.ranges[0]?.count ?? 0) > 0);
    if (ran.length)
      files.set(
        file,
        ran.map((fn) => fn.functionName || '(anonymous)'),
      );
  }
  return new Map([...files].sort(([a], [b]) => a.localeCompare(b)));
}

/** `--functions` also names the functions that ran in each file. */
function report(name: string, files: Map<string, string[]>): void {
  const folders = new Set([...files.keys()].map((f) => dirname(f)));
  console.log(`${name}: ${files.size} files in ${folders.size} folders`);
  for (const [file, fns] of files) {
    const names = process.argv.includes('--functions') ? `  ${[...new Set(fns)].join(', ')}` : '';
    console.log(`  ${file}${names}`);
  }
}

const inspector = new Session();
inspector.connect();
await inspector.post('Profiler.enable');
await inspector.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });

const server = (await buildApp()).listen(0, '127.0.0.1');
await once(server, 'listening');
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// Enrol bob (not measured), then sign out.
const setup = browser(base);
await setup('GET', '/auth/csrf');
await setup('POST', '/auth/login', { username: 'bob', password: PASSWORD });
const enrolled = await setup('POST', '/auth/mfa/totp/enroll');
const key = base32Decode(enrolled.body.secret as string);
const confirmed = await setup('POST', '/auth/mfa/totp/confirm', {
  code: totpCode(key, Date.now()),
});
if (confirmed.status !== 200) throw new Error(`enrolment failed: ${JSON.stringify(confirmed)}`);

// Warm every path once so that lazily built things do not count as the request's own work.
const warm = browser(base);
await warm('GET', '/auth/csrf');
await warm('POST', '/auth/login', { username: 'bob', password: PASSWORD });
await warm('POST', '/auth/mfa/verify', { factor: 'totp', code: '000000' });

const b = browser(base);
await b('GET', '/auth/csrf');
const signIn = await filesRun(inspector, async () => {
  const res = await b('POST', '/auth/login', { username: 'bob', password: PASSWORD });
  if (res.body.status !== 'mfa_required') throw new Error(`login: ${JSON.stringify(res)}`);
});
// The next step's code: the enrolment spent the current one (a replay would be refused).
const code = totpCode(key, Date.now() + 30_000);
const verify = await filesRun(inspector, async () => {
  const res = await b('POST', '/auth/mfa/verify', { factor: 'totp', code });
  if (res.status !== 200) throw new Error(`verify: ${JSON.stringify(res)}`);
});

report('password sign-in (POST /auth/login → pending)', signIn);
report('TOTP verify (POST /auth/mfa/verify → satisfied)', verify);
server.close();
inspector.disconnect();
