/**
 * The demo app, wired the way the README teaches:
 *   express-session → passport.session() → stepup.middleware() → /auth (JSON router) → pages.
 * `createExampleApp(env)` builds it without listening, so tests can start it on any port.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type ErrorRequestHandler, type Express } from 'express';
import session, { type Store } from 'express-session';
import helmet from 'helmet';
import { Passport } from 'passport';
import { Redis } from 'ioredis';
import { RedisStore as RedisSessionStore } from 'connect-redis';
import {
  createStepup,
  csrfProtection,
  emailNotifier,
  isBackendUnavailable,
  isStepupError,
  RedisStore,
  sessionDefaults,
  sqlCredentialStore,
  type MfaStore,
  type Stepup,
} from '../lib/index.js';
import { ActivityLog } from './activity.js';
import { readConfig, type ExampleConfig, type ExampleEnv } from './config.js';
import type { ExampleContext } from './context.js';
import { buildFactors, ISSUER, type Features } from './factors.js';
import { createMail, type Mail } from './mail.js';
import { authPages } from './routes/auth-pages.js';
import { passwordResetPages } from './routes/password-reset.js';
import { apiRoutes, contentPages } from './routes/pages.js';
import { securityPages } from './routes/security.js';
import { seedDemoFactors, type DemoSecrets } from './seed.js';
import { UserDirectory, type SessionUser } from './users.js';
import { createRenderer } from './views.js';

export interface ExampleApp {
  readonly app: Express;
  readonly stepup: Stepup;
  readonly config: ExampleConfig;
  readonly users: UserDirectory;
  readonly mail: Mail;
  readonly features: Features;
  /** Bob's TOTP secret and recovery codes, for the start-up log and the tests. */
  readonly demo: DemoSecrets;
  /** Close Redis connections and the mail transport (the HTTP server is the caller's). */
  close(): Promise<void>;
}

const PUBLIC = join(dirname(fileURLToPath(import.meta.url)), 'public');
// The package's exports map hides dist/, so find it next to the CommonJS entry.
const WEBAUTHN_BUNDLE = join(
  dirname(dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser'))),
  'dist/bundle/index.umd.min.js',
);

export interface ExampleOptions {
  /** Print each development-outbox message to the console. @default true */
  readonly printMail?: boolean;
  /** The library's clock (ms since the epoch); tests move it forward. @default Date.now */
  readonly now?: () => number;
}

export async function createExampleApp(
  env: ExampleEnv = process.env,
  options: ExampleOptions = {},
): Promise<ExampleApp> {
  const config = readConfig(env);
  const users = await UserDirectory.seed();
  const mail = createMail({
    smtpUrl: config.smtpUrl,
    production: config.production,
    print: options.printMail ?? true,
  });

  // Redis: one client for sessions (connect-redis 8.1 speaks ioredis), the MFA store owns its own.
  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
    : undefined;
  if (redis) await redis.connect();
  const store: MfaStore | undefined = config.redisUrl
    ? new RedisStore({ url: config.redisUrl })
    : undefined;
  const sessionStore: Store | undefined = redis
    ? new RedisSessionStore({ client: redis, prefix: 'example:sess:' })
    : undefined;

  // Enrolled factors live in SQL (SQLite file by default), so they survive restarts and are
  // shared by every instance on one database; only short-lived state is in memory or Redis.
  const sqlitePath = /^sqlite:(?:\/\/)?(?!:memory:)(.+)$/.exec(config.databaseUrl)?.[1];
  if (sqlitePath) mkdirSync(dirname(sqlitePath), { recursive: true });
  const credentials = sqlCredentialStore({ url: config.databaseUrl });

  // A Passport instance of our own (not the singleton), so several apps can share a process.
  const passport = new Passport();
  passport.serializeUser((user, done) => done(null, (user as SessionUser).id));
  passport.deserializeUser((id: string, done) => done(null, users.findById(id) ?? false));

  const { factors, features } = buildFactors(config, mail, (id) => users.findById(id) ?? null);
  const stepup = createStepup({
    passport,
    ...(options.now ? { now: options.now } : {}),
    ...(store ? { store } : {}),
    credentials,
    mode: 'optional',
    factors,
    password: {
      findUser: (username) => users.findByUsername(username),
      onRehash: (id, hash) => users.setPasswordHash(id, hash),
      // For one-prompt clients (a CLI): bob may send `bob-password-1` + his current TOTP code in
      // the password field and be fully signed in by one request (docs/step-up.md, "CLI clients and one-field logins").
      appendedTotp: true,
    },
    isAdmin: (req) => (req.user as SessionUser | undefined)?.isAdmin === true,
    // Unexpected conditions and every 500 of the library's routes and errorHandler() (never a
    // secret or a code); a real deployment sends these to its log pipeline.
    logger: (message, fields) => console.error(`passport-stepup: ${message}`, fields ?? {}),
    // The admin reset answers 404 for an id that is none of ours.
    userExists: (id) => users.findById(id) !== undefined,
    // Security notices by mail (factor added or removed, recovery code used, admin reset…).
    notify: emailNotifier({
      mailer: mail.mailer,
      getEmail: (id) => users.findById(id)?.email,
      appName: ISSUER,
    }),
    // "Remember this browser" (30 days, AAL1 only): the cookie's HMAC key comes from the config.
    rememberBrowser: { secret: config.keys.rememberBrowser, secure: config.production },
    // "Forgot password?" (routes/password-reset.ts): a link by mail, plus the second factor.
    passwordReset: {
      mailer: mail.mailer,
      findAccount: (username) => {
        const user = users.findById(users.findByUsername(username)?.id ?? '');
        return user ? { id: user.id, email: user.email, username: user.username } : null;
      },
      setPasswordHash: (id, hash) => users.setPasswordHash(id, hash),
      resetUrl: (token) => `${config.baseUrl}/reset-password?token=${token}`,
      tokenKey: config.keys.resetToken,
      appName: ISSUER,
    },
    // Bearer tokens for the CLI (cli.ts) and scripts: `POST /auth/token` signs in with the
    // password and the code and answers a token (8 h), the /api guards accept it, and the
    // security page makes personal tokens (docs/architecture.md, invariant 22).
    bearerTokens: {},
  });
  const activity = new ActivityLog(stepup.events);
  // Versioned and idempotent: safe at every start and from several instances at once.
  await stepup.migrate();
  const demo = await seedDemoFactors(stepup);

  const render = createRenderer(stepup, features, {
    cache: config.production,
    devOutbox: mail.outbox() !== undefined,
  });
  const ctx: ExampleContext = { stepup, users, mail, activity, features, config, render };

  const app = express();
  app.disable('x-powered-by');
  // Behind a TLS-terminating proxy in production: needed for `secure` cookies and real client IPs.
  if (config.production) app.set('trust proxy', 1);
  app.use(
    helmet({
      // On http://localhost an upgrade-insecure-requests directive would send the stylesheet to https.
      contentSecurityPolicy: {
        directives: { upgradeInsecureRequests: config.production ? [] : null },
      },
      strictTransportSecurity: config.production,
    }),
  );
  app.use(
    '/static',
    express.static(PUBLIC, { index: false, maxAge: config.production ? '1h' : 0 }),
  );
  // @simplewebauthn/browser from node_modules, same origin (no CDN: the page that talks to the
  // authenticator loads no third-party script; helmet's CSP is script-src 'self').
  app.get('/static/webauthn.js', (_req, res) => {
    res.type('application/javascript').sendFile(WEBAUTHN_BUNDLE);
  });
  // The library's cookie settings: HttpOnly, SameSite=Lax, and in production Secure with the
  // `__Host-` prefix (pinned to this origin, path /, no Domain: invariant 10 (docs/architecture.md)).
  app.use(
    session(
      sessionDefaults({
        secret: config.sessionSecret,
        production: config.production,
        store: sessionStore,
      }),
    ),
  );
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(stepup.middleware());

  // The JSON API of the JSON contract (docs/http-api.md), for SPAs and CLIs (its own body parsing and CSRF check).
  app.use('/auth', stepup.router());
  app.use('/api', apiRoutes(ctx));

  // The pages: forms are urlencoded, every POST carries `_csrf` (login included: login CSRF).
  app.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 }));
  app.use(csrfProtection());
  app.use(authPages(ctx), passwordResetPages(ctx), securityPages(ctx), contentPages(ctx));
  app.use((req, res) =>
    render(req, res, 'error', { title: 'Not found', error: 'There is no page here.' }, 404),
  );
  app.use(pageErrors(ctx));

  return {
    app,
    stepup,
    config,
    users,
    mail,
    features,
    demo,
    async close() {
      await store?.close?.();
      await credentials.close();
      await redis?.quit().catch(() => undefined);
      await mail.close();
    },
  };
}

/** Errors on pages: the library's errors as a page with their status; a store outage is 503. */
function pageErrors(ctx: ExampleContext): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    if (isStepupError(err) && err.code === 'csrf_invalid') {
      const error =
        'This form has expired (you signed in or out in another tab, or the page was open too long). Reload the page and try again.';
      return ctx.render(req, res, 'error', { title: 'Form expired', error }, err.status);
    }
    if (isStepupError(err)) {
      return ctx.render(
        req,
        res,
        'error',
        { title: 'Request refused', error: err.message },
        err.status,
      );
    }
    if (isBackendUnavailable(err)) {
      res.set('Retry-After', '5');
      return ctx.render(
        req,
        res,
        'error',
        { title: 'Unavailable', error: 'The sign-in service is unavailable. Try again shortly.' },
        503,
      );
    }
    const status = (err as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return ctx.render(
        req,
        res,
        'error',
        { title: 'Bad request', error: 'The request was not valid.' },
        status,
      );
    }
    console.error('example-app: unexpected error', err);
    return ctx.render(req, res, 'error', { title: 'Error', error: 'Something went wrong.' }, 500);
  };
}
