/**
 * The app the fuzz tests (test/fuzz.*.test.ts) attack, its signed-in sessions, and `fuzz()`:
 * the property that every body gets a 4xx with a known error code and changes nothing.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import express from 'express';
import session from 'express-session';
import fc from 'fast-check';
import { Passport } from 'passport';
import { expect } from 'vitest';
import { createStepup, ERROR_CODES, hashPassword, MemoryStore } from '../../lib/index.js';
import { devOutbox } from '../../lib/mail/mailer.js';
import { consoleSmsSender } from '../../lib/sms/sender.js';
import { generateTotp } from '../../lib/totp/totp-core.js';
import { emailOtp, smsOtp } from '../../strategies/one-time-code.js';
import { recoveryCodes } from '../../strategies/recovery-code.js';
import { totp } from '../../strategies/totp.js';
import { hostOf } from '../../lib/core/context.js';
import { client } from './app.js';
import { fakeClock } from './clock.js';
import type { Body } from './fuzz-bodies.js';
import { CODE_KEY, codeIn } from './otp-app.js';
import { TEST_HMAC_KEY } from './recovery-app.js';
import { KEYS } from './totp-app.js';

/**
 * 1,000 bodies per endpoint. On a slow machine `FUZZ_RUNS_OTHER=300` keeps the five endpoints
 * that matter most (login, verify, TOTP confirm and disable, regenerate) at 1,000.
 */
export const RUNS_MAIN = 1000;
export const RUNS_OTHER = Number(process.env.FUZZ_RUNS_OTHER ?? 1000);
export const TIMEOUT = 150_000;
const CHEAP = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const NO_LIMIT = { points: 1_000_000, durationSec: 86_400, blockSec: 0 };
const KNOWN_CODES = new Set<string>(Object.values(ERROR_CODES).map((e) => e.code));

export type Client = Awaited<ReturnType<typeof client>>;
export type AgentName = 'anon' | 'pending' | 'pendingSend' | 'stale' | 'fresh' | 'root';

export interface Target {
  readonly agent: () => Client;
  readonly method: 'post' | 'delete';
  readonly path: string | ((id: string) => string);
  readonly bodies: fc.Arbitrary<Body>;
  readonly runs: number;
  /** Send the session's CSRF token. @default true */
  readonly csrf?: boolean;
  /** The error codes this endpoint may answer with here. */
  readonly errors: readonly string[];
  /** Values for the `:id` path parameter. */
  readonly ids?: fc.Arbitrary<string>;
}

const USERS = [
  { id: 'u-alice', username: 'alice', password: 'alice-password-1', role: 'user' },
  { id: 'u-root', username: 'root', password: 'root-password-1', role: 'admin' },
];
/** Alice's address and phone are declared (verified) by the app: both factors are hers. */
const ADDRESSES: Readonly<Record<string, string>> = { 'u-alice': 'alice@example.test' };
const PHONES: Readonly<Record<string, string>> = { 'u-alice': '+15550001111' };

/** A fresh app per test file: call `start` in beforeAll and `stop` in afterAll. */
export function makeFuzzApp() {
  const clock = fakeClock();
  const store = new MemoryStore({ now: clock.now });
  const outbox = devOutbox({ print: false });
  const texts = consoleSmsSender({ print: false });
  const hashes = new Map<string, string>();
  const passport = new Passport();
  passport.serializeUser((user, done) => done(null, (user as { id: string }).id));
  passport.deserializeUser((id: string, done) => {
    const u = USERS.find((x) => x.id === id);
    // Alice's user object has no `isAdmin`: only a polluted prototype could give her one.
    const admin = u?.role === 'admin' ? { isAdmin: true } : {};
    done(null, u ? { id: u.id, username: u.username, ...admin } : false);
  });
  const stepup = createStepup({
    store,
    now: clock.now,
    passport,
    lockout: { maxFailures: 100 },
    isAdmin: (req) => (req.user as { isAdmin?: unknown } | undefined)?.isAdmin === true,
    rememberBrowser: { secret: 'fuzz-remember-secret-0123456789abcdef' },
    password: {
      findUser: (name) => {
        const u = USERS.find((x) => x.username === name);
        const passwordHash = u && hashes.get(u.id);
        return u && passwordHash ? { id: u.id, username: u.username, passwordHash } : null;
      },
      params: CHEAP,
      throttle: { perIp: NO_LIMIT, perUserIp: NO_LIMIT },
    },
    factors: [
      totp({ issuer: 'Fuzz', encryptionKeys: KEYS }),
      recoveryCodes({ hmacKey: TEST_HMAC_KEY }),
      emailOtp({ mailer: outbox, codeKey: CODE_KEY, getAddress: (id) => ADDRESSES[id] }),
      smsOtp({ sender: texts, codeKey: CODE_KEY, getPhone: (id) => PHONES[id] }),
    ],
  });
  const app = express();
  app.use(
    session({
      name: 'sid',
      secret: 'fuzz-session-secret-0123456789',
      resave: false,
      saveUninitialized: false,
    }),
  );
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(stepup.middleware());
  app.use('/auth', stepup.router());

  let server: Server;
  /** Codes that would be accepted right now: never sent by the fuzzer (fc.pre skips them). */
  const validCodes = new Set<string>();
  const totpSecrets: string[] = [];
  const agents = {} as Record<AgentName, Client>;

  async function totpCodes(secret: string): Promise<string[]> {
    const steps = [-2, -1, 0, 1, 2];
    return Promise.all(steps.map((s) => generateTotp({ secret, now: clock.now() + s * 30_000 })));
  }
  async function login(username: string): Promise<Client> {
    const c = await client(server);
    const password = USERS.find((u) => u.username === username)?.password ?? '';
    const res = await c.login(username, password);
    if (res.status !== 200) throw new Error(`login ${username}: ${JSON.stringify(res.body)}`);
    return c;
  }
  /** A satisfied session: password, then a TOTP code of a step not used before. */
  async function satisfied(opts: { remember?: boolean } = {}): Promise<Client> {
    clock.advance(30_000);
    const c = await login('alice');
    const code = await generateTotp({ secret: totpSecrets[0] ?? '', now: clock.now() });
    const rememberBrowser = opts.remember === true;
    const res = await c.post('/auth/mfa/verify', { factor: 'totp', code, rememberBrowser });
    if (res.status !== 200) throw new Error(`verify: ${JSON.stringify(res.body)}`);
    return c;
  }

  async function start(): Promise<void> {
    for (const u of USERS) hashes.set(u.id, await hashPassword(u.password, CHEAP));
    server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    // Alice (email and phone declared by the app) signs in with an email code, then enrols TOTP
    // and gets recovery codes; root has no factor.
    const a = await login('alice');
    expect((await a.post('/auth/mfa/email/send')).status).toBe(202);
    const emailed = codeIn(outbox.last('alice@example.test')?.text);
    const viaEmail = await a.post('/auth/mfa/verify', { factor: 'email-otp', code: emailed });
    expect(viaEmail.status).toBe(200);
    const secret = (await a.post('/auth/mfa/totp/enroll')).body.secret as string;
    totpSecrets.push(secret);
    const first = await generateTotp({ secret, now: clock.now() });
    const confirm = await a.post('/auth/mfa/totp/confirm', { code: first });
    expect(confirm.body.recoveryCodes).toHaveLength(10);
    // A stale session (second factor 10 minutes ago) with a remembered browser; then a fresh one.
    agents.stale = await satisfied({ remember: true });
    clock.advance(10 * 60_000);
    agents.fresh = await satisfied();
    // The fresh session starts a re-enrolment (for /totp/confirm) and an email enrolment.
    const pending = (await agents.fresh.post('/auth/mfa/totp/enroll')).body.secret as string;
    totpSecrets.push(pending);
    const newAddress = { email: 'new@example.test' };
    const enrolEmail = await agents.fresh.post('/auth/mfa/email/enroll', newAddress);
    expect(enrolEmail.status).toBe(202);
    validCodes.add(codeIn(outbox.last('new@example.test')?.text));
    agents.root = await login('root');
    agents.anon = await client(server);
    // A pending login with an email and an SMS code sent: the cooldown now blocks other sends.
    agents.pending = await login('alice');
    expect((await agents.pending.post('/auth/mfa/email/send')).status).toBe(202);
    expect((await agents.pending.post('/auth/mfa/sms/send')).status).toBe(202);
    validCodes.add(codeIn(outbox.last('alice@example.test')?.text));
    validCodes.add(codeIn(texts.last('+15550001111')?.text));
    agents.pendingSend = await login('alice');
    for (const s of totpSecrets) for (const code of await totpCodes(s)) validCodes.add(code);
  }

  async function stop(): Promise<void> {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close();
  }

  /** Failure counters are meant to move on a wrong code; everything else must stay as it was. */
  function snapshot(): string {
    const dump = store.dump();
    const kept = Object.entries(dump).filter(
      ([k]) => !/:mfa:(failures|streak|lock)$|:tries:/.test(k),
    );
    return JSON.stringify(kept.sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  async function fuzz(t: Target): Promise<void> {
    const c = t.agent();
    const sessionBefore = (await c.get('/auth/session')).body as unknown;
    const storeBefore = snapshot();
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort().join();
    const sent = () => outbox.messages().length + texts.messages().length;
    const sentBefore = sent();
    const seen = new Map<string, number>();
    const property = fc.asyncProperty(t.bodies, t.ids ?? fc.constant(''), async (body, id) => {
      fc.pre(![...validCodes].some((code) => body.raw?.includes(code) === true));
      // Hundreds of wrong codes would reach the 100-failure cap (invariant 19, tested in
      // test/lockout.cap): the fuzz is about bad bodies, so each starts with a clean lockout.
      for (const u of USERS) await hostOf(stepup).context.attempts.clear(u.id);
      const res = await send(c, t, body, id);
      const error = (res.body as { error?: unknown }).error;
      const label = `${res.status} ${JSON.stringify(res.body).slice(0, 200)}`;
      expect(res.status, label).toBeGreaterThanOrEqual(400);
      expect(res.status, label).toBeLessThan(500);
      expect(isKnownCode(error), label).toBe(true);
      // Every endpoint may refuse the body before it runs (bad JSON, too large, bad charset).
      expect([...t.errors, 'invalid_request'], label).toContain(error);
      seen.set(String(error), (seen.get(String(error)) ?? 0) + 1);
      expect((await c.get('/auth/session')).body).toEqual(sessionBefore);
      expect(snapshot()).toBe(storeBefore);
      expect(Object.getOwnPropertyNames(Object.prototype).sort().join()).toBe(protoBefore);
      expect(sent()).toBe(sentBefore);
    });
    await assertShort(property, { numRuns: t.runs, endOnFailure: true });
    expect(await stepup.factors.get('totp')?.isEnrolled('u-alice')).toBe(true);
    // Which checks the bodies reached, visible in the test output.
    const path = typeof t.path === 'string' ? t.path : t.path(':id');
    console.info(`${path}: ${JSON.stringify(Object.fromEntries(seen))}`);
  }

  return { stepup, agents, start, stop, fuzz };
}

async function send(c: Client, t: Target, body: Body, id: string) {
  const path = typeof t.path === 'string' ? t.path : t.path(id);
  let req = c.agent[t.method](path).set('Accept', 'application/json');
  if (t.csrf !== false) req = req.set('x-csrf-token', c.csrf);
  if (body.authorization !== undefined) req = req.set('Authorization', body.authorization);
  if (body.contentType !== undefined) req = req.set('Content-Type', body.contentType);
  return body.raw === undefined ? req : req.send(body.raw);
}

function isKnownCode(error: unknown): boolean {
  return typeof error === 'string' && /^[a-z_]+$/.test(error) && KNOWN_CODES.has(error);
}

/** fc.assert, with the counterexample cut short (a 20 kB body would flood the report). */
async function assertShort<T>(
  property: fc.IAsyncProperty<T>,
  params: fc.Parameters<T>,
): Promise<void> {
  try {
    await fc.assert(property, params);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const short = message.replace(/"[^"]{300,}/g, (m) => `${m.slice(0, 120)}…(${m.length} chars)`);
    // The shortened copy of fast-check's error keeps that error's own cause (the failing
    // assertion); chaining the 20 kB original as the cause would print it in full again.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(short, { cause: err instanceof Error ? err.cause : undefined });
  }
}
