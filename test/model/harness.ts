/**
 * The real side of the model test (issue 29): the library's app with the password factor, TOTP,
 * recovery codes and bearer tokens on a fake clock, several browser clients with cookie jars and
 * CSRF tokens, and the CLI tokens minted so far. The model (model.ts) never sees this.
 */
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import {
  devOutbox,
  hashPassword,
  type CredentialStore,
  type DevOutbox,
  type MfaStore,
  type PasswordUser,
} from '../../lib/index.js';
import { passwordResetOf } from '../../lib/password-reset/service.js';
import { generateTotp } from '../../lib/totp/totp-core.js';
import { recoveryCodes } from '../../strategies/recovery-code.js';
import { totp } from '../../strategies/totp.js';
import { client, makeApp, type TestUser } from '../helpers/app.js';
import { fakeClock } from '../helpers/clock.js';
import { KEYS } from '../helpers/totp-app.js';
import type { UserName } from './model.js';
import type { Faults } from './shared-stores.js';

export const MODEL_USERS: readonly TestUser[] = (['alice', 'bob', 'carol'] as const).map((n) => ({
  id: `u-${n}`,
  username: n,
  password: `${n}-password-1`,
}));
export const idOf = (name: UserName) => `u-${name}`;

type Directory = Map<string, PasswordUser & { username: string }>;
let directory: Promise<Directory> | undefined;

/** Hashed once per process: the model never changes a password hash (setPasswordHash is a no-op). */
function hashedUsers(): Promise<Directory> {
  directory ??= (async () => {
    const records: Directory = new Map();
    for (const u of MODEL_USERS) {
      // Cheap argon2 parameters: a sequence signs in dozens of times.
      const passwordHash = await hashPassword(u.password, {
        memoryCost: 4096,
        timeCost: 1,
        parallelism: 1,
      });
      records.set(u.username, { id: u.id, username: u.username, passwordHash });
    }
    return records;
  })();
  return directory;
}

export type Client = Awaited<ReturnType<typeof client>>;

export interface RealOptions {
  readonly clients?: number;
  /** Stores shared by every instance (two instances on one Redis and one SQL database). */
  readonly shared?: SharedStores;
  /** App instances behind one address; each request goes to `real.via` (commands pick it). */
  readonly instances?: number;
}

/** The stores of a sequence that several instances share (shared-stores.ts). */
export interface SharedStores extends Partial<Faults> {
  /** One MfaStore per instance, all on the same Redis keys. */
  readonly stores: readonly MfaStore[];
  /** Instance `i`'s handle on the one database (one pool per instance, as processes have). */
  readonly credentials: (i: number) => CredentialStore;
}

/** The reset links go to this outbox; the model test reads them from it. */
const emailOf = (username: string) => `${username}@example.test`;

/** One instance of the app: the library with the model's factors on the shared clock. */
function instance(
  records: Directory,
  clock: ReturnType<typeof fakeClock>,
  sessionStore: session.Store,
  outbox: DevOutbox,
  shared: { store?: MfaStore; credentials?: CredentialStore },
  hashes: { stored: number },
) {
  const built = makeApp({
    users: MODEL_USERS,
    sessionStore,
    password: {
      findUser: async (username: string) => records.get(username) ?? null,
      // The per-IP throttle is not part of the model; the second-factor lockout is.
      throttle: false,
    },
    onlyFactors: [
      totp({ issuer: 'Acme', encryptionKeys: KEYS }),
      recoveryCodes({ hmacKey: 'k'.repeat(32) }),
    ],
    stepup: {
      now: clock.now,
      bearerTokens: {},
      // Forgot/reset password (invariant 21), as test/helpers/reset-app.ts configures it. The
      // request counters are not part of the model: their limits are set out of reach.
      passwordReset: {
        mailer: outbox,
        findAccount: (username) =>
          records.has(username) ? { id: `u-${username}`, email: emailOf(username) } : null,
        // The model never changes a password hash: the old password keeps signing in. Each
        // hash stored is counted: an answer of 503 must have stored none.
        setPasswordHash: () => void hashes.stored++,
        resetUrl: (token) => `https://app.example.test/reset-password?token=${token}`,
        tokenKey: 'r'.repeat(32),
        perAccountPerHour: 1000,
        perIpPerHour: 1000,
      },
      // Remembered browsers (invariant 4), with one secret for every instance.
      rememberBrowser: { secret: 'remember-browser-model-secret-0123456789' },
      ...(shared.store ? { store: shared.store } : {}),
      ...(shared.credentials ? { credentials: shared.credentials } : {}),
    },
  });
  const { app, stepup } = built;
  app.post('/password', express.json(), stepup.requireAuth(), (req, res, next) => {
    stepup
      .changePassword(req, {
        userId: req.mfa?.userId ?? '',
        newPassword: 'a brand new passphrase 42',
        setPasswordHash: () => void hashes.stored++,
      })
      .then(() => res.status(204).end(), next);
  });
  // A route a remembered browser alone does not open (AAL1 is not enough here).
  app.get('/vault', stepup.requireMfa({ allowRememberBrowser: false }), (_req, res) => {
    res.json({ ok: true });
  });
  mountKeepSessionRoutes(app);
  app.use(stepup.errorHandler());
  return built;
}

/**
 * An app that signs users in and out by itself with Passport's `keepSessionInfo` (an SSO
 * callback, a shared-computer logout): the session's data, the MFA record with it, is copied
 * to the new session id. Only the record's binding to its session id (lib/core/session-state.ts;
 * docs/architecture.md, invariant 16) keeps the copy from vouching for the next login.
 */
function mountKeepSessionRoutes(app: express.Express): void {
  app.post('/app/login', express.json(), (req, res, next) => {
    const name = (req.body as { username?: unknown }).username;
    const user = MODEL_USERS.find((u) => u.username === name);
    if (!user) return void res.status(401).json({ error: 'unknown_user' });
    req.login(
      { id: user.id, username: user.username },
      { session: true, keepSessionInfo: true },
      (err) => (err ? next(err) : res.json({ status: 'ok' })),
    );
  });
  app.post('/app/logout', (req, res, next) => {
    req.logout({ keepSessionInfo: true }, (err) => (err ? next(err) : res.status(204).end()));
  });
}

/** One fresh app per sequence, bob and carol enrolled in TOTP through the real routes. */
export async function makeReal(options: RealOptions = {}) {
  const records = await hashedUsers();
  const clock = fakeClock();
  // A session store that cannot list its sessions (as many cannot): a password change then ends
  // the sessions on the user's list, and only the login epoch voids pending logins
  // (docs/architecture.md, invariant 16), which is the rule the model checks. Instances share it.
  const sessionStore = new session.MemoryStore();
  Object.defineProperty(sessionStore, 'all', { value: undefined });
  const outbox = devOutbox({ print: false, limit: 1000 });
  const hashes = { stored: 0 };
  const count = options.instances ?? 1;
  const shared = options.shared;
  const apps = Array.from({ length: count }, (_, i) =>
    instance(
      records,
      clock,
      sessionStore,
      outbox,
      {
        ...(shared
          ? { store: shared.stores[i % shared.stores.length], credentials: shared.credentials(i) }
          : {}),
      },
      hashes,
    ),
  );
  const route = { via: 0 };
  // One address in front of the instances, as a load balancer: the command picks the instance.
  const front = express();
  front.use((req, res) => apps[route.via % count]?.app(req, res));
  const first = apps[0];
  if (!first) throw new Error('no instance');

  const secrets: Partial<Record<UserName, string>> = {};
  const codes: Partial<Record<UserName, string[]>> = {};
  const enrolledStep = Math.floor(clock.now() / 30_000);
  for (const name of ['bob', 'carol'] as const) {
    const c = await client(front);
    await c.login(name, `${name}-password-1`);
    const enrolled = await enrolTotp(c, clock.now);
    secrets[name] = enrolled.secret;
    codes[name] = enrolled.recoveryCodes;
    // Signed out again: the setup's sessions stay off the users' sessions lists the model keeps.
    await c.post('/auth/logout');
  }
  const clients: Client[] = [];
  for (let i = 0; i < (options.clients ?? 2); i++) clients.push(await client(front));
  return {
    app: front,
    apps,
    route,
    stepup: first.stepup,
    /** The faults of the shared stores (two instances only). */
    faults:
      shared?.flush && shared.credentialsDown && shared.credentialsUp
        ? (shared as Faults)
        : undefined,
    clock,
    /** How many password hashes the app stored (a change or a reset), for the faults' check. */
    hashes,
    clients,
    secrets,
    codes,
    /** Each user's recovery codes a regeneration replaced: sent as spent codes, never valid. */
    retired: {} as Partial<Record<UserName, string[]>>,
    tokens: [] as string[],
    /** The reset links mailed so far, in the order of the model's `links`. */
    links: [] as string[],
    enrolledStep,
    /** `POST /auth/token` from a CLI: no cookie, no CSRF token. */
    mint: (body: object) =>
      request(front).post('/auth/token').set('Accept', 'application/json').send(body),
    bearer: (path: string, token: string) =>
      request(front).get(path).set('Authorization', `Bearer ${token}`),
    code: (name: UserName, step: number) => totpCode(secrets[name], step),
    /** The newest reset link mailed to `name`, once every instance's mail work is done. */
    async mailedLink(name: UserName): Promise<string | undefined> {
      await Promise.all(apps.map((a) => passwordResetOf(a.stepup).idle()));
      const mail = outbox
        .messages()
        .filter((m) => m.to === emailOf(name))
        .at(-1);
      return mail ? /token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1] : undefined;
    },
  };
}

export type Real = Awaited<ReturnType<typeof makeReal>>;

/** The code of `secret` for a time step (a second into the step); a dead code without a secret. */
export async function totpCode(secret: string | undefined, step: number): Promise<string> {
  if (secret === undefined) return '000000';
  return generateTotp({ secret, now: step * 30_000 + 1000 });
}

/** Enrol TOTP from a signed-in client: enroll, then confirm with the current code. */
export async function enrolTotp(c: Client, now: () => number) {
  const begun = await c.post('/auth/mfa/totp/enroll');
  const secret = begun.body.secret as string | undefined;
  if (begun.status !== 200 || !secret) return { status: begun.status, begun };
  const confirm = await c.post('/auth/mfa/totp/confirm', {
    code: await generateTotp({ secret, now: now() }),
  });
  await c.refreshCsrf();
  return {
    status: confirm.status,
    secret,
    recoveryCodes: (confirm.body.recoveryCodes ?? []) as string[],
    confirm,
  };
}
