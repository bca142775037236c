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
 *   npm run bench:trip -- --json  (the files of each trip as JSON: test/project/request-trip.test.ts)
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

/** How often each of the library's functions ran during `work`, by file. */
type Calls = Map<string, Map<string, { name: string; count: number }>>;

async function callsDuring(inspector: Session, work: () => Promise<unknown>): Promise<Calls> {
  await inspector.post('Profiler.takePreciseCoverage'); // resets the counters
  await work();
  const { result } = await inspector.post('Profiler.takePreciseCoverage');
  const calls: Calls = new Map();
  for (const script of result) {
    if (!script.url.startsWith('file:')) continue;
    const file = relative(ROOT, fileURLToPath(script.url));
    if (!/^(lib|strategies)\//.test(file)) continue;
    // Counters were reset before the request, so a module's own body (run at import) counts
    // 0 and only what the request called is above 0.
    const fns = new Map<string, { name: string; count: number }>();
    for (const fn of script.functions) {
      const range = fn.ranges[0];
      if (range && range.count > 0)
        fns.set(String(range.startOffset), {
          name: fn.functionName || '(anonymous)',
          count: range.count,
        });
    }
    if (fns.size) calls.set(file, fns);
  }
  return calls;
}

/** `--functions` also names the functions that ran in each file. */
function report(name: string, calls: Calls): void {
  const files = [...calls.keys()].sort();
  const folders = new Set(files.map((f) => dirname(f)));
  const stores = files.filter((f) => f.startsWith('lib/stores/')).length;
  console.log(
    `${name}: ${files.length} files in ${folders.size} folders (${stores} of them in lib/stores/)`,
  );
  for (const file of files) {
    const names = [...new Set([...(calls.get(file)?.values() ?? [])].map((fn) => fn.name))];
    console.log(`  ${file}${process.argv.includes('--functions') ? `  ${names.join(', ')}` : ''}`);
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
const signIn = await callsDuring(inspector, async () => {
  const res = await b('POST', '/auth/login', { username: 'bob', password: PASSWORD });
  if (res.body.status !== 'mfa_required') throw new Error(`login: ${JSON.stringify(res)}`);
});
// The next step's code: the enrolment spent the current one (a replay would be refused).
const code = totpCode(key, Date.now() + 30_000);
const verify = await callsDuring(inspector, async () => {
  const res = await b('POST', '/auth/mfa/verify', { factor: 'totp', code });
  if (res.status !== 200) throw new Error(`verify: ${JSON.stringify(res)}`);
});

if (process.argv.includes('--json')) {
  const files = (calls: Calls) => [...calls.keys()].sort();
  console.log(JSON.stringify({ signIn: files(signIn), verify: files(verify) }));
} else {
  report('password sign-in (POST /auth/login → pending)', signIn);
  report('TOTP verify (POST /auth/mfa/verify → satisfied)', verify);
}
server.close();
inspector.disconnect();
