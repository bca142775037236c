// Attack: a fuzzer throws malformed, huge, oddly typed, duplicated and prototype-polluting bodies
// at every endpoint, hunting for a 500, a type confusion that skips a check, or a state change.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import express from 'express';
import session from 'express-session';
import fc from 'fast-check';
import { Passport } from 'passport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStepup, ERROR_CODES, hashPassword, MemoryStore } from '../lib/index.js';
import { devOutbox } from '../lib/mail/mailer.js';
import { consoleSmsSender } from '../lib/sms/sender.js';
import { generateTotp } from '../lib/totp/totp-core.js';
import { emailOtp, smsOtp } from '../strategies/one-time-code.js';
import { recoveryCodes } from '../strategies/recovery-code.js';
import { totp } from '../strategies/totp.js';
import { client } from './helpers/app.js';
import { fakeClock } from './helpers/clock.js';
import { CODE_KEY, codeIn } from './helpers/otp-app.js';
import { TEST_HMAC_KEY } from './helpers/recovery-app.js';
import { KEYS } from './helpers/totp-app.js';

/**
 * 1,000 bodies per endpoint. On a slow machine `FUZZ_RUNS_OTHER=300` keeps the five endpoints
 * that matter most (login, verify, TOTP confirm and disable, regenerate) at 1,000.
 */
const RUNS_MAIN = 1000;
const RUNS_OTHER = Number(process.env.FUZZ_RUNS_OTHER ?? 1000);
const CHEAP = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
const NO_LIMIT = { points: 1_000_000, durationSec: 86_400, blockSec: 0 };
const KNOWN_CODES = new Set<string>(Object.values(ERROR_CODES).map((e) => e.code));

type Client = Awaited<ReturnType<typeof client>>;
interface Body {
  readonly raw?: string;
  readonly contentType?: string;
  readonly authorization?: string;
}

// ---- generators ------------------------------------------------------------------------------

const SPECIAL = [
  '', ' ', '\u0000', '\uD800', '\uDFFF', '\uDBFF\uDC00', '\u202E654321', '123\u200B456',
  '\uFEFF123456', '１２３４５６', '١٢٣٤٥٦', '۱۲۳۴۵۶', '१२३४५६', '𝟏𝟐𝟑𝟒𝟓𝟔', '12345６',
  ' 123456 ', '123456\n', '1e5', '-123456', '123 456', '0x1E240', 'ａｌｉｃｅ', 'alice', 'ALICE',
  'alice\u0000', 'root', 'totp', 'recovery-code', 'email-otp', 'sms-otp', 'test-code', '__proto__',
  'constructor', 'prototype', 'toString', 'hasOwnProperty', '${7*7}', '<script>', "' OR 1=1 --",
  'true', 'null', 'a@b.c', 'alice@example.test', 'x@xn--80ak6aa92e.com', 'AAAA-BBBB-CCCC-DDDD',
  'aaaa-bbbb-cccc-dddd-eeee',
];
const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 10 });
const huge = fc
  .tuple(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }),
    fc.integer({ min: 1000, max: 20_000 }),
  )
  .map(([s, n]) => s.repeat(Math.ceil(n / s.length)).slice(0, n));
const oddString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 2, arbitrary: digits },
  { weight: 1, arbitrary: huge },
);
const pollution = fc.constantFrom(
  { isAdmin: true, role: 'admin', polluted: 'yes' },
  { prototype: { polluted: 'yes' } },
  { __proto__: { polluted: 'yes' } },
);
const wrongType = fc.oneof(
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.boolean(),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  oddString.map((s) => [s]),
  oddString.map((s) => ({ $ne: s })),
  pollution,
);
const value = fc.oneof(oddString, wrongType);

/** encodeURIComponent throws on a lone surrogate: send the invalid UTF-8 bytes of one instead. */
function encode(s: string): string {
  return s
    .split(/(\p{Cs})/u)
    .map((part, i) => (i % 2 === 1 ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('');
}

/** `{"k":v,...}` written by hand: duplicate keys and a literal `__proto__` survive. */
function rawObject(entries: readonly (readonly [string, unknown])[]): string {
  const pairs = entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`);
  return `{${pairs.join(',')}}`;
}

const OTHER_TYPES = [
  'text/plain',
  'application/xml',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/merge-patch+json',
  'multipart/form-data; boundary=x',
];

/** Strings shaped like a code: digits, recovery-code groups, odd Unicode, up to the 128 limit. */
const codeLike = fc.oneof(
  digits,
  fc.constantFrom(...SPECIAL),
  fc.string({ unit: fc.constantFrom(...'abcdefghjkmnpqrstvwxyz0123456789-'), maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 100, maxLength: 140 }),
);
const localPart = fc.string({
  unit: fc.constantFrom(...'abcxyz019._+-'),
  minLength: 1,
  maxLength: 12,
});
const emailLike = fc.oneof(
  fc
    .tuple(localPart, fc.domain())
    .map(([local, domain]) => `${local}@${domain}`),
  fc.emailAddress(),
  fc.emailAddress().map((e) => ` ${e.toUpperCase()} `),
  fc.emailAddress().map((e) => `${e}\u0000`),
  fc.constantFrom('ａｌｉｃｅ@example.test', 'alice@exämple.test', '"a b"@example.test', 'a@b'),
  fc.integer({ min: 240, max: 300 }).map((n) => `${'a'.repeat(n)}@example.test`),
);

/**
 * Bodies for an endpoint with these `fields`. `shaped`: bodies of the right shape with odd
 * values, so that the fuzz gets past the type checks to the endpoint's own logic.
 */
function bodies(
  fields: readonly string[],
  shaped?: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<Body> {
  const names = fields.length > 0 ? fields : ['code', 'email', 'factor', 'id'];
  const keys = fc.constantFrom(...names, '__proto__', 'constructor', 'prototype', '_csrf', 'role');
  const json = (raw: string): Body => ({ raw, contentType: 'application/json' });
  const form = (raw: string): Body => ({ raw, contentType: 'application/x-www-form-urlencoded' });
  const first = names[0] ?? 'code';
  const formKeys = fc.constantFrom(
    ...names,
    `${first}[]`,
    `${first}[x]`,
    '__proto__',
    '_csrf',
    'constructor[prototype][polluted]',
    '__proto__[polluted]',
  );
  const entries = fc.array(fc.tuple(keys, value), { minLength: 1, maxLength: 6 });
  const right = shaped?.map((o) => json(JSON.stringify(o)));
  return fc.oneof(
    ...(right ? [{ weight: 10, arbitrary: right }] : []),
    // Arbitrary JSON (top-level scalars too: strict mode refuses them).
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => json(JSON.stringify(v))) },
    // The endpoint's own fields with wrong types, odd and huge strings.
    {
      weight: 5,
      arbitrary: fc
        .record(Object.fromEntries(names.map((f) => [f, value])), { requiredKeys: [] })
        .map((o) => json(JSON.stringify(o))),
    },
    // Prototype keys and duplicate keys, in raw JSON text.
    { weight: 3, arbitrary: entries.map((e) => json(rawObject(e))) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...names), value, value, entries)
        .map(([k, a, b, rest]) => json(rawObject([[k, a], ...rest, [k, b]]))),
    },
    // Urlencoded forms with repeated fields (`code=1&code=2`), brackets, too many parameters.
    {
      weight: 3,
      arbitrary: fc
        .array(fc.tuple(formKeys, oddString), { minLength: 1, maxLength: 25 })
        .map((e) => form(e.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&'))),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 60 }).map(form) },
    // Truncated JSON, other content types and charsets.
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.jsonValue(), fc.nat())
        .map(([v, n]) => json(JSON.stringify(v).slice(0, n % 20))),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...OTHER_TYPES), fc.jsonValue({ maxDepth: 2 }))
        .map(([contentType, v]) => ({ raw: JSON.stringify(v), contentType })),
    },
    { weight: 1, arbitrary: fc.constant<Body>({}) },
  );
}

/** Login also takes `Authorization: Basic` (no CSRF token needed): fuzz that header as well. */
const loginBodies = fc.tuple(
  bodies(
    ['username', 'password'],
    fc.record({
      username: fc.oneof(fc.constantFrom('alice', 'root', 'ALICE', 'ａｌｉｃｅ', ' alice'), oddString),
      password: oddString,
    }),
  ),
  fc.option(
    fc.oneof(
      // Node itself refuses headers over 16 kB (431, before Express): keep them under that.
      fc
        .tuple(oddString, oddString)
        .map(([u, p]) => `Basic ${Buffer.from(`${u}:${p}`.slice(0, 4000)).toString('base64')}`),
      fc
        .string({ unit: fc.constantFrom(...'AZaz09+/=:-_. !~%'), maxLength: 40 })
        .map((s) => `Basic ${s}`),
    ),
    { freq: 4 },
  ),
).map(([b, authorization]) => (authorization === null ? b : { ...b, authorization }));

/** Path ids: odd strings percent-encoded, too long, id-shaped, and malformed escapes. */
const ids = fc.oneof(
  oddString.filter((s) => s.length > 0 && s.length < 300).map(encode),
  fc.integer({ min: 257, max: 8000 }).map((n) => 'a'.repeat(n)),
  fc.string({ unit: fc.constantFrom(...'ABCabc019_-'), minLength: 22, maxLength: 22 }),
  fc
    .array(fc.constantFrom('%', '%E0', '%A4%A', '%zz', 'a', '%2F', '%00', '%C0%AF', '%ED%A0%80'), {
      minLength: 1,
      maxLength: 6,
    })
    .map((parts) => parts.join('')),
);

// ---- the app ---------------------------------------------------------------------------------

const clock = fakeClock();
const store = new MemoryStore({ now: clock.now });
const outbox = devOutbox({ print: false });
const texts = consoleSmsSender({ print: false });
const USERS = [
  { id: 'u-alice', username: 'alice', password: 'alice-password-1', role: 'user' },
  { id: 'u-root', username: 'root', password: 'root-password-1', role: 'admin' },
];
/** Alice's address and phone are declared (verified) by the app: both factors are hers. */
const ADDRESSES: Readonly<Record<string, string>> = { 'u-alice': 'alice@example.test' };
const PHONES: Readonly<Record<string, string>> = { 'u-alice': '+15550001111' };
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
  lockout: { maxFailures: 1_000_000 },
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
type AgentName = 'anon' | 'pending' | 'pendingSend' | 'stale' | 'fresh' | 'root';
const agents = {} as Record<AgentName, Client>;

async function totpCodes(secret: string): Promise<string[]> {
  const steps = [-2, -1, 0, 1, 2];
  return Promise.all(steps.map((s) => generateTotp({ secret, now: clock.now() + s * 30_000 })));
}
async function login(username: string): Promise<Client> {
  const c = await client(server);
  const res = await c.login(username, USERS.find((u) => u.username === username)?.password ?? '');
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

beforeAll(async () => {
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
}, 60_000);

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store.close();
});

// ---- the property ----------------------------------------------------------------------------

/** Failure counters are meant to move on a wrong code; everything else must stay as it was. */
function snapshot(): string {
  const dump = store.dump();
  const kept = Object.entries(dump).filter(([k]) => !/:mfa:failures$|:tries:/.test(k));
  return JSON.stringify(kept.sort(([a], [b]) => (a < b ? -1 : 1)));
}

interface Target {
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
    throw new Error(short, { cause: err instanceof Error ? err.cause : undefined });
  }
}

// ---- the endpoints ---------------------------------------------------------------------------

const TIMEOUT = 150_000;
const code = bodies(['code'], fc.record({ code: codeLike }));
const verifyShape = fc.record(
  {
    factor: fc.constantFrom('totp', 'recovery-code', 'email-otp', 'sms-otp'),
    code: codeLike,
    rememberBrowser: fc.oneof(fc.boolean(), fc.constantFrom('true', 'on', '1', 'yes', '')),
  },
  { requiredKeys: ['factor', 'code'] },
);
const adminPath = (id: string) => `/auth/admin/users/${id}/mfa/reset`;
/** Ids over the 256-character limit, percent-encoded (`é` is 6 bytes encoded). */
const longIds = fc.integer({ min: 257, max: 1500 }).map((n) => encodeURIComponent('é'.repeat(n)));

const cases: [string, Target][] = [
  [
    'POST /auth/login (anonymous; JSON, forms and Basic credentials)',
    {
      agent: () => agents.anon,
      method: 'post',
      path: '/auth/login',
      bodies: loginBodies,
      runs: RUNS_MAIN,
      errors: ['invalid_credentials'],
    },
  ],
  [
    'POST /auth/mfa/verify (pending; email and SMS codes sent)',
    {
      agent: () => agents.pending,
      method: 'post',
      path: '/auth/mfa/verify',
      bodies: bodies(['factor', 'code', 'rememberBrowser', 'remember'], verifyShape),
      runs: RUNS_MAIN,
      errors: ['invalid_code', 'code_expired', 'factor_not_allowed'],
    },
  ],
  [
    'POST /auth/mfa/totp/confirm (fresh; re-enrolment pending)',
    {
      agent: () => agents.fresh,
      method: 'post',
      path: '/auth/mfa/totp/confirm',
      bodies: code,
      runs: RUNS_MAIN,
      errors: ['invalid_code'],
    },
  ],
  [
    'POST /auth/mfa/totp/disable (fresh)',
    {
      agent: () => agents.fresh,
      method: 'post',
      path: '/auth/mfa/totp/disable',
      bodies: code,
      runs: RUNS_MAIN,
      errors: ['invalid_code'],
    },
  ],
  [
    'POST /auth/mfa/recovery-codes/regenerate (stale; the inline TOTP `code` path)',
    {
      agent: () => agents.stale,
      method: 'post',
      path: '/auth/mfa/recovery-codes/regenerate',
      bodies: code,
      runs: RUNS_MAIN,
      errors: ['invalid_code', 'mfa_required'],
    },
  ],
  [
    'POST /auth/logout (satisfied; no CSRF header, `_csrf` fields fuzzed)',
    {
      agent: () => agents.stale,
      method: 'post',
      path: '/auth/logout',
      csrf: false,
      bodies: bodies(['_csrf']),
      runs: RUNS_OTHER,
      errors: ['csrf_invalid'],
    },
  ],
  [
    'POST /auth/mfa/totp/enroll (stale)',
    {
      agent: () => agents.stale,
      method: 'post',
      path: '/auth/mfa/totp/enroll',
      bodies: bodies([]),
      runs: RUNS_OTHER,
      errors: ['mfa_required'],
    },
  ],
  [
    'POST /auth/admin/users/:id/mfa/reset (not an admin; ids and bodies fuzzed)',
    {
      agent: () => agents.stale,
      method: 'post',
      path: adminPath,
      bodies: bodies(['id', 'isAdmin', 'role']),
      ids,
      runs: RUNS_OTHER,
      errors: ['forbidden'],
    },
  ],
  [
    'POST /auth/admin/users/:id/mfa/reset (admin; ids over 256 characters)',
    {
      agent: () => agents.root,
      method: 'post',
      path: adminPath,
      bodies: bodies(['id']),
      ids: longIds,
      runs: RUNS_OTHER,
      errors: [],
    },
  ],
  [
    'POST /auth/mfa/email/send (pending; cooldown running)',
    {
      agent: () => agents.pendingSend,
      method: 'post',
      path: '/auth/mfa/email/send',
      bodies: bodies([]),
      runs: RUNS_OTHER,
      errors: ['resend_too_soon'],
    },
  ],
  [
    'POST /auth/mfa/sms/send (pending; cooldown running)',
    {
      agent: () => agents.pendingSend,
      method: 'post',
      path: '/auth/mfa/sms/send',
      bodies: bodies([]),
      runs: RUNS_OTHER,
      errors: ['resend_too_soon'],
    },
  ],
  [
    'POST /auth/mfa/email/enroll (stale)',
    {
      agent: () => agents.stale,
      method: 'post',
      path: '/auth/mfa/email/enroll',
      bodies: bodies(['email'], fc.record({ email: emailLike })),
      runs: RUNS_OTHER,
      errors: ['mfa_required'],
    },
  ],
  [
    'POST /auth/mfa/email/confirm (fresh; enrolment code sent)',
    {
      agent: () => agents.fresh,
      method: 'post',
      path: '/auth/mfa/email/confirm',
      bodies: code,
      runs: RUNS_OTHER,
      errors: ['invalid_code', 'code_expired'],
    },
  ],
  [
    'POST /auth/mfa/email/disable (fresh; no enrolled address)',
    {
      agent: () => agents.fresh,
      method: 'post',
      path: '/auth/mfa/email/disable',
      bodies: bodies([]),
      runs: RUNS_OTHER,
      errors: ['factor_not_enrolled'],
    },
  ],
  [
    'DELETE /auth/mfa/browsers/:id (signed in; ids and bodies fuzzed)',
    {
      agent: () => agents.stale,
      method: 'delete',
      path: (id) => `/auth/mfa/browsers/${id}`,
      bodies: bodies(['id']),
      ids,
      runs: RUNS_OTHER,
      errors: ['not_found'],
    },
  ],
  [
    'DELETE /auth/mfa/browsers (pending)',
    {
      agent: () => agents.pending,
      method: 'delete',
      path: '/auth/mfa/browsers',
      bodies: bodies([]),
      runs: RUNS_OTHER,
      errors: ['authentication_required'],
    },
  ],
];

describe('fuzzing every router endpoint: only 4xx with a known code, no state change', () => {
  it.each(cases)('%s', async (_name, target) => fuzz(target), TIMEOUT);

  it('afterwards: TOTP, 10 recovery codes and the remembered browser are all there', async () => {
    const recovery = stepup.factors.get('recovery-code') as unknown as {
      remaining(id: string): Promise<number>;
    };
    expect(await recovery.remaining('u-alice')).toBe(10);
    expect((await agents.stale.get('/auth/mfa/browsers')).body.browsers).toHaveLength(1);
    expect(await stepup.factors.get('totp')?.isEnrolled('u-alice')).toBe(true);
    expect((await agents.stale.get('/auth/session')).body.status).toBe('satisfied');
  });
});

describe('malformed percent-encoding in a path parameter', () => {
  // Found by the fuzzer above: Express rejects `%E0%A4%A` in `:id` with a URIError that carries
  // `status: 400` but no body-parser `type`; toStepupError (lib/error-handler.ts) did not map it
  // and the router answered 500 internal_error. Kept as a regression test.
  it.each([
    ['post', '/auth/admin/users/%E0%A4%A/mfa/reset'],
    ['post', '/auth/admin/users/%/mfa/reset'],
    ['delete', '/auth/mfa/browsers/%zz'],
    ['delete', '/auth/mfa/browsers/%ED%A0%80'],
  ] as const)('%s %s → 400 invalid_request, not 500', async (method, path) => {
    const c = agents.stale;
    const res = await c.agent[method](path)
      .set('x-csrf-token', c.csrf)
      .set('Accept', 'application/json');
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });
});
