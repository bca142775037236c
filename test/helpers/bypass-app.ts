// An app with every way a session can become signed in: the router's login (password, HTTP Basic, a
// custom firstFactor), stepup.authenticate() and stepup.stepUp() on app routes, a bare req.login(),
// password changes and admin resets. Bob and Carol have TOTP, Alice has no factor.
import express, { type NextFunction, type Request, type Response } from 'express';
import session, { type Store } from 'express-session';
import { Passport } from 'passport';
import { Strategy } from 'passport-strategy';
import {
  createStepup,
  generateTotp,
  hashPassword,
  totp,
  type ElevationOutcome,
  type StepupOptions,
  type TotpStrategy,
} from '../../lib/index.js';
import { fakeClock } from './clock.js';

export interface BypassUser {
  readonly id: string;
  readonly username: string;
  readonly password: string;
  /** What the app's own strategies accept: a header token, and a "directory" password. */
  readonly token: string;
  readonly directoryPassword: string;
  passwordHash: string;
}

export const SECRETS = {
  'u-bob': 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  'u-carol': 'KRUGKIDROVUWG2ZAMJZG653OEBTG66BA',
} as const;

// Low argon2 cost: these tests are about sessions, not about hashing.
const FAST = { memoryCost: 1024, timeCost: 1, parallelism: 1 } as const;

async function makeUsers(): Promise<Map<string, BypassUser>> {
  const users = new Map<string, BypassUser>();
  for (const name of ['alice', 'bob', 'carol']) {
    const password = `${name}-password-1`;
    users.set(name, {
      id: `u-${name}`,
      username: name,
      password,
      token: `${name}-signin-token`,
      directoryPassword: `${name}-directory-pw`,
      passwordHash: await hashPassword(password, FAST),
    });
  }
  return users;
}

/** A passport-custom-like strategy: `check(req)` returns the user or undefined. */
class CustomStrategy extends Strategy {
  constructor(
    readonly name: string,
    private readonly check: (req: Request) => { id: string; username: string } | undefined,
  ) {
    super();
  }
  override authenticate(req: Request): void {
    const user = this.check(req);
    if (user) this.success(user, { message: `${this.name} ok` });
    else this.fail({ message: `${this.name} refused` }, 401);
  }
}

export interface BypassAppOptions {
  /** `password` (built-in), or `directory`: the app's own username + password strategy. */
  readonly firstFactor?: 'password' | 'directory';
  readonly appendedTotp?: boolean;
  readonly sessionStore?: Store;
  readonly stepup?: Omit<
    StepupOptions,
    'passport' | 'factors' | 'password' | 'firstFactor' | 'now'
  >;
}

export async function makeBypassApp(options: BypassAppOptions = {}) {
  const clock = fakeClock();
  const users = await makeUsers();
  const byId = new Map([...users.values()].map((u) => [u.id, u]));
  const publicUser = (u: BypassUser | undefined) =>
    u ? { id: u.id, username: u.username } : undefined;
  const byToken = (req: Request) =>
    publicUser([...users.values()].find((u) => u.token === req.get('x-signin-token')));

  const passport = new Passport();
  passport.serializeUser((user, done) => done(null, (user as { id: string }).id));
  passport.deserializeUser((id: string, done) => done(null, publicUser(byId.get(id)) ?? false));
  // An HTTP-header strategy and a passport-custom-like directory login, both the app's own.
  passport.use(new CustomStrategy('header-token', byToken));
  passport.use(
    new CustomStrategy('directory', (req) => {
      const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
      const u = typeof body.username === 'string' ? users.get(body.username) : undefined;
      return u && u.directoryPassword === body.password ? publicUser(u) : undefined;
    }),
  );

  const builtIn = (options.firstFactor ?? 'password') === 'password';
  const stepup = createStepup({
    rememberBrowser: { secret: 'bypass-tests-remember-secret-0123456789' },
    ...options.stepup,
    passport,
    now: clock.now,
    factors: [
      totp({
        issuer: 'Bypass',
        encryptionKeys: { current: 'k1', keys: { k1: Buffer.alloc(32, 9) } },
      }),
    ],
    ...(builtIn
      ? {
          password: {
            findUser: (username: string) => {
              const u = users.get(username);
              return u ? { id: u.id, username: u.username, passwordHash: u.passwordHash } : null;
            },
            throttle: false,
            params: FAST,
            ...(options.appendedTotp ? { appendedTotp: true } : {}),
          },
        }
      : { firstFactor: 'directory' }),
  });
  const totpFactor = stepup.factors.get('totp') as TotpStrategy;
  for (const [userId, secret] of Object.entries(SECRETS))
    await totpFactor.enrollWithSecret(userId, secret);

  const app = express();
  app.use(
    session({
      name: 'sid',
      secret: 'bypass-session-secret-bypass-session-secret',
      resave: false,
      saveUninitialized: false,
      ...(options.sessionStore ? { store: options.sessionStore } : {}),
    }),
  );
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(stepup.middleware());
  app.use('/auth', stepup.router());
  app.get('/me', stepup.requireAuth(), (req, res) => void res.json({ ok: true, mfa: req.mfa }));
  app.get('/reports', stepup.requireMfa(), (_req, res) => void res.json({ ok: true }));
  app.get(
    '/billing',
    stepup.requireMfa({ maxAge: 300, allowRememberBrowser: false }),
    (_req, res) => {
      res.json({ ok: true });
    },
  );
  app.get('/whoami', (req, res) => {
    res.json({
      isAuthenticated: req.isAuthenticated(),
      user: req.user ?? null,
      status: stepup.mfaOf(req).status,
    });
  });

  const outcome = (_req: Request, res: Response) =>
    void res.json(res.locals.stepup as ElevationOutcome);
  app.post('/app/login/authenticate-header', stepup.authenticate('header-token'), outcome);
  app.post(
    '/app/login/stepup-header',
    passport.authenticate('header-token', { session: false }),
    stepup.stepUp(),
    outcome,
  );
  // An app that forgot `session: false`: Passport logs in first, stepUp() must still decide.
  app.post(
    '/app/login/stepup-header-session',
    passport.authenticate('header-token'),
    stepup.stepUp(),
    outcome,
  );
  if (builtIn) {
    app.post(
      '/app/login/authenticate-password',
      express.json(),
      stepup.authenticate('password'),
      outcome,
    );
    app.post(
      '/app/login/stepup-password',
      express.json(),
      passport.authenticate('password', { session: false }),
      stepup.stepUp(),
      outcome,
    );
  }
  // The app signs the user in by itself (an SSO callback, a magic link), bypassing stepUp().
  app.post('/app/login/bare', (req, res, next) => {
    const user = byToken(req);
    if (!user) return void res.status(401).json({ error: 'unknown_token' });
    req.login(user, { session: true, keepSessionInfo: req.query.keep === '1' }, (err: unknown) =>
      err ? next(err) : res.json({ ok: true }),
    );
  });
  app.post('/app/logout', (req, res, next) => {
    req.logout({ keepSessionInfo: req.query.keep === '1' }, (err: unknown) =>
      err ? next(err) : res.status(204).end(),
    );
  });

  const changeTo = (
    req: Request,
    res: Response,
    next: NextFunction,
    userId: string | undefined,
  ) => {
    const newPassword = (req.body as { newPassword?: unknown } | undefined)?.newPassword;
    if (userId === undefined) return void res.status(400).json({ error: 'no_user' });
    stepup
      .changePassword(req, {
        userId,
        newPassword,
        setPasswordHash: (id, hash) => {
          const u = byId.get(id);
          if (u) u.passwordHash = hash;
        },
      })
      .then((result) => res.json(result), next);
  };
  // A reset link: an anonymous session that names the user (the app checked the link's token).
  app.post('/app/reset-password', express.json(), (req, res, next) => {
    changeTo(req, res, next, (req.body as { userId?: string }).userId);
  });
  // A signed-in user changes their own password.
  app.post('/app/change-password', express.json(), stepup.requireMfa(), (req, res, next) => {
    changeTo(req, res, next, req.mfa?.userId);
  });
  // "Your password expired, choose a new one" before the second factor, for the pending login.
  app.post('/app/expired-password', express.json(), (req, res, next) => {
    const view = stepup.mfaOf(req);
    changeTo(req, res, next, view.status === 'pending' ? view.userId : undefined);
  });
  app.use(stepup.errorHandler());

  /** The current TOTP code of a user, one time step later than the last one (codes work once). */
  const codeFor = async (userId: keyof typeof SECRETS) => {
    clock.advance(30_000);
    return generateTotp({ secret: SECRETS[userId], now: clock.now() });
  };
  return { app, stepup, passport, clock, users, totpFactor, codeFor };
}

export type BypassApp = Awaited<ReturnType<typeof makeBypassApp>>;
