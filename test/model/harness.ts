/**
 * The real side of the model test (issue 29): the library's app with the password factor, TOTP,
 * recovery codes and bearer tokens on a fake clock, several browser clients with cookie jars and
 * CSRF tokens, and the CLI tokens minted so far. The model (model.ts) never sees this.
 */
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { hashPassword, type MfaStore, type PasswordUser } from '../../lib/index.js';
import { generateTotp } from '../../lib/totp/totp-core.js';
import { recoveryCodes } from '../../strategies/recovery-code.js';
import { totp } from '../../strategies/totp.js';
import { client, makeApp, type TestUser } from '../helpers/app.js';
import { fakeClock } from '../helpers/clock.js';
import { KEYS } from '../helpers/totp-app.js';
import type { UserName } from './model.js';

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
  /** A shared MfaStore (several instances on one Redis). */
  readonly store?: MfaStore;
}

/** One fresh app per sequence, bob and carol enrolled in TOTP through the real routes. */
export async function makeReal(options: RealOptions = {}) {
  const records = await hashedUsers();
  const clock = fakeClock();
  // A session store that cannot list its sessions (as many cannot): a password change then ends
  // the sessions on the user's list, and only the login epoch voids pending logins
  // (docs/architecture.md, invariant 16), which is the rule the model checks.
  const sessionStore = new session.MemoryStore();
  Object.defineProperty(sessionStore, 'all', { value: undefined });
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
      ...(options.store ? { store: options.store } : {}),
    },
  });
  const { app, stepup } = built;
  app.post('/password', express.json(), stepup.requireAuth(), (req, res, next) => {
    stepup
      .changePassword(req, {
        userId: req.mfa?.userId ?? '',
        newPassword: 'a brand new passphrase 42',
        setPasswordHash: () => undefined,
      })
      .then(() => res.status(204).end(), next);
  });
  app.use(stepup.errorHandler());

  const secrets: Partial<Record<UserName, string>> = {};
  const codes: Partial<Record<UserName, string[]>> = {};
  const enrolledStep = Math.floor(clock.now() / 30_000);
  for (const name of ['bob', 'carol'] as const) {
    const c = await client(app);
    await c.login(name, `${name}-password-1`);
    const enrolled = await enrolTotp(c, clock.now);
    secrets[name] = enrolled.secret;
    codes[name] = enrolled.recoveryCodes;
  }
  const clients: Client[] = [];
  for (let i = 0; i < (options.clients ?? 2); i++) clients.push(await client(app));
  return {
    app,
    stepup,
    clock,
    clients,
    secrets,
    codes,
    tokens: [] as string[],
    enrolledStep,
    /** `POST /auth/token` from a CLI: no cookie, no CSRF token. */
    mint: (body: object) =>
      request(app).post('/auth/token').set('Accept', 'application/json').send(body),
    bearer: (path: string, token: string) =>
      request(app).get(path).set('Authorization', `Bearer ${token}`),
    code: (name: UserName, step: number) => totpCode(secrets[name], step),
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
