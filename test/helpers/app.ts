import express5 from 'express';
import express4 from 'express4';
import session, { type Store } from 'express-session';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import request from 'supertest';
import type { Request } from 'express';
import type { PasswordOptions } from '../../strategies/password.js';
import { buildStepup, type StepupInternals } from '../../lib/create-stepup.js';
import { credentialsFor } from './shared-credentials.js';
import { MemoryCredentialStore } from '../../lib/stores/credentials/memory.js';
import {
  SecondFactorStrategy,
  type CodeCheck,
  type FactorFactory,
  type StepupContext,
  type StepupEvent,
  type StepupOptions,
  type Subject,
} from '../../lib/index.js';

/** The test-only second factor: code "246810", each code usable once per login attempt. */
export const TEST_CODE = '246810';

export class TestCodeFactor extends SecondFactorStrategy {
  readonly name: string = 'test-code';
  readonly amr: string = 'otp';
  constructor(
    ctx: StepupContext,
    private readonly enrolled: Set<string>,
  ) {
    super(ctx);
  }
  async isEnrolled(userId: string): Promise<boolean> {
    return this.enrolled.has(userId);
  }
  protected async verifyCode(_req: Request, _subject: Subject, code: string): Promise<CodeCheck> {
    return code === TEST_CODE ? { ok: true } : { ok: false, error: 'INVALID_CODE' };
  }
}

/** A second test factor, so that `factors` restrictions can be exercised. */
export class OtherCodeFactor extends TestCodeFactor {
  override readonly name = 'other-code';
  override readonly amr = 'sms';
}

export interface TestUser {
  id: string;
  username: string;
  password: string;
}

export const USERS: TestUser[] = [
  { id: 'u-alice', username: 'alice', password: 'alice-password-1' },
  { id: 'u-bob', username: 'bob', password: 'bob-password-1' },
];

export interface MakeAppOptions {
  readonly expressVersion?: 4 | 5;
  readonly sessionStore?: Store;
  readonly stepup?: Omit<StepupOptions, 'passport' | 'factors'>;
  /** Users enrolled in the test factors. @default bob */
  readonly enrolled?: string[];
  readonly production?: boolean;
  /** Factors registered after the two test factors (e.g. `totp()`). */
  readonly extraFactors?: FactorFactory[];
  /** Replace the two test factors entirely. */
  readonly onlyFactors?: FactorFactory[];
  /** Use the library's own `password` factor with these options instead of passport-local. */
  readonly password?: PasswordOptions;
  /** Express `trust proxy` setting (to simulate clients from several IPs). */
  readonly trustProxy?: boolean;
  /** Test seams of createStepup (e.g. a login hook standing in for a remembered browser). */
  readonly internals?: StepupInternals;
  /** The users Passport can deserialize. @default USERS */
  readonly users?: readonly TestUser[];
}

/** An Express app wired the way the README teaches, with test routes behind each guard. */
export function makeApp(options: MakeAppOptions = {}) {
  const express = (options.expressVersion === 4 ? express4 : express5) as typeof express5;
  const passport = new Passport();
  const enrolled = new Set(options.enrolled ?? ['u-bob']);
  const events: StepupEvent[] = [];
  const users = options.users ?? USERS;
  const byName = new Map(users.map((u) => [u.username, u]));
  const byId = new Map(users.map((u) => [u.id, u]));

  if (!options.password) {
    passport.use(
      'password',
      new LocalStrategy((username, password, done) => {
        const user = byName.get(username);
        if (!user || user.password !== password) return done(null, false);
        return done(null, { id: user.id, username: user.username });
      }),
    );
  }
  passport.serializeUser((user, done) => done(null, (user as { id: string }).id));
  passport.deserializeUser((id: string, done) => {
    const user = byId.get(id);
    done(null, user ? { id: user.id, username: user.username } : false);
  });

  const shared = options.stepup?.store;
  const stepup = buildStepup(
    {
      // A credential "database" per test app (shared by apps on one MFA store).
      credentials: shared ? credentialsFor(shared) : new MemoryCredentialStore(),
      ...options.stepup,
      ...(options.password ? { password: options.password } : {}),
      passport,
      onEvent: (e) => {
        events.push(e);
        options.stepup?.onEvent?.(e);
      },
      factors: options.onlyFactors ?? [
        (ctx) => new TestCodeFactor(ctx, enrolled),
        (ctx) => new OtherCodeFactor(ctx, enrolled),
        ...(options.extraFactors ?? []),
      ],
    },
    options.internals ?? {},
  );

  const app = express();
  if (options.trustProxy) app.set('trust proxy', true);
  app.use(
    session({
      name: 'sid',
      secret: 'test-secret-test-secret-test-secret',
      resave: false,
      saveUninitialized: false,
      ...(options.sessionStore ? { store: options.sessionStore } : {}),
    }),
  );
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(stepup.middleware());
  app.use('/auth', stepup.router());
  app.get('/me', stepup.requireAuth(), (req, res) => {
    res.json({ ok: true, mfa: req.mfa });
  });
  app.get('/reports', stepup.requireMfa(), (_req, res) => {
    res.json({ ok: true });
  });
  app.get(
    '/billing',
    stepup.requireMfa({ maxAge: 300, allowRememberBrowser: false }),
    (_req, res) => {
      res.json({ ok: true });
    },
  );
  if (stepup.factors.has('other-code')) {
    app.get('/payout', stepup.requireMfa({ factors: ['other-code'] }), (_req, res) => {
      res.json({ ok: true });
    });
  }
  return { app, stepup, passport, events, enrolled };
}

/** A cookie-keeping client with the CSRF token fetched and sent on every write. */
export async function client(app: Parameters<typeof request.agent>[0]) {
  const agent = request.agent(app);
  agent.set('User-Agent', 'stepup-tests/1.0');
  let token = ((await agent.get('/auth/csrf').expect(200)).body as { csrfToken: string }).csrfToken;
  const post = async (path: string, body: object = {}) => {
    const res = await agent
      .post(path)
      .set('x-csrf-token', token)
      .set('Accept', 'application/json')
      .send(body);
    const fresh = (res.body as { csrfToken?: unknown }).csrfToken;
    if (typeof fresh === 'string') token = fresh;
    return res;
  };
  return {
    agent,
    post,
    get: (path: string) => agent.get(path).set('Accept', 'application/json'),
    getHtml: (path: string) => agent.get(path).set('Accept', 'text/html'),
    login: (username: string, password: string) => post('/auth/login', { username, password }),
    verify: (code: string, factor = 'test-code') => post('/auth/mfa/verify', { factor, code }),
    get csrf() {
      return token;
    },
    /** Fetch a new CSRF token (after logout the session, and its token, are gone). */
    async refreshCsrf() {
      token = ((await agent.get('/auth/csrf').expect(200)).body as { csrfToken: string }).csrfToken;
    },
    /** The session id in the cookie jar (the part of `sid` before the signature). */
    sessionId(): string | undefined {
      const cookie = agent.jar.getCookie('sid', {
        path: '/',
        domain: '127.0.0.1',
        secure: false,
        script: false,
      });
      const raw = cookie ? decodeURIComponent(cookie.value) : undefined;
      return raw?.startsWith('s:') ? raw.slice(2).split('.')[0] : undefined;
    },
  };
}
