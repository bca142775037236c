/**
 * The apps under load, built the way the README teaches. Each one also has a bench-only
 * `POST /bench/seed/:id` route that prepares a user without paying for argon2id or a QR code,
 * so that thousands of fresh users can be made between runs (it is never part of a measurement).
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import session, { type Store } from 'express-session';
import { Passport } from 'passport';
import {
  createCipher,
  createStepup,
  csrfToken,
  totp,
  type CredentialStore,
  type EncryptionKeys,
  type MfaStore,
  type TotpStrategy,
} from '../lib/index.js';
import { hostOf } from '../lib/core/context.js';
import { storeKey } from '../lib/stores/types.js';
import { generateTotpSecret } from '../lib/totp/totp-core.js';
import { cloneSessionsRoute } from './session-clones.js';
import { BENCH_PASSWORD } from './seed.js';

export { BENCH_PASSWORD };
import { base32Decode, totpCode } from './totp-code.js';

export const SESSION_SECRET = 'bench-session-secret-bench-session-secret';
const KEYS: EncryptionKeys = { current: 'k1', keys: { k1: Buffer.alloc(32, 7) } };

const ok = (_req: Request, res: Response): void => {
  res.json({ ok: true });
};

/** What `connect-ensure-login` and every hand-written "is signed in" check do. */
export function ensureLoggedIn(req: Request, res: Response, next: NextFunction): void {
  if (req.isAuthenticated()) next();
  else res.status(401).json({ error: 'authentication_required' });
}

export function sessionMiddleware(store: Store | undefined) {
  return session({
    name: 'sid',
    secret: SESSION_SECRET,
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: 'lax' },
    ...(store ? { store } : {}),
  });
}

/** Scenario 1: the ceiling. */
export function bareApp(): Express {
  const app = express();
  app.get('/bare', ok);
  return app;
}

export interface OursOptions {
  readonly store: MfaStore;
  /** Where enrolled factors live (PostgreSQL, SQLite or memory). */
  readonly credentials: CredentialStore;
  /** undefined: express-session's MemoryStore. */
  readonly sessionStore: Store | undefined;
  /** One argon2id hash (of BENCH_PASSWORD) shared by every user. */
  readonly passwordHash: string;
}

/**
 * passport-stepup: password (argon2id) + TOTP, the JSON router, and two routes that differ only
 * by the guard: `/authed` (signed in, the usual check) and `/guarded` (`requireMfa()`, which
 * takes a satisfied cookie session or a bearer token).
 */
export function oursApp(options: OursOptions): Express {
  const passport = new Passport();
  passport.serializeUser((user, done) => done(null, (user as { id: string }).id));
  passport.deserializeUser((id: string, done) => done(null, { id }));
  const stepup = createStepup({
    passport,
    store: options.store,
    credentials: options.credentials,
    factors: [totp({ issuer: 'bench', encryptionKeys: KEYS })],
    password: { findUser: (username) => ({ id: username, passwordHash: options.passwordHash }) },
    rememberBrowser: { secret: Buffer.alloc(32, 9) },
    // `POST /auth/token` and `Authorization: Bearer` on the guards, for `requireMfaBearer`.
    bearerTokens: {},
  });
  const factor = stepup.factors.get('totp') as TotpStrategy;
  const cipher = createCipher(KEYS);
  const { attempts } = hostOf(stepup).context;

  /**
   * Enrol TOTP for `id`: what `beginEnrollment()` stores, minus its QR code (about 25 ms of
   * rendering, which would make seeding 5,000 users take minutes), then the public
   * `confirmEnrollment()` with the code of the previous 30 s step. The confirmed step becomes
   * the user's last used step, so the code of the current step (what the bench sends) is fresh.
   */
  const enrol = async (req: Request, id: string): Promise<string> => {
    const secret = generateTotpSecret();
    const pending = { secret: cipher.encrypt(secret, `totp:${id}`), createdAt: Date.now() };
    await stepup.store.set(storeKey(id, 'totp', 'pending'), JSON.stringify(pending), 900_000);
    // Through the attempt counter, as `POST /auth/mfa/totp/confirm` (`confirmTotp`) does: it
    // seeds the user's lockout state, so the measured verify is a returning user's, not the
    // first-ever check (which also reads the durable failure streak once).
    const confirm = () =>
      attempts.attempt(req, id, 'totp', () =>
        factor.confirmEnrollment(req, id, totpCode(base32Decode(secret), Date.now() - 30_000)),
      );
    // A 30 s step boundary between making the code and checking it makes it two steps old:
    // once in a while, so one retry with a fresh code (the wrong one consumed nothing).
    if (!(await confirm()).ok && !(await confirm()).ok) {
      throw new Error(
        'bench: confirmEnrollment() refused the seeded secret; the pending-enrolment format in ' +
          'strategies/totp.ts changed, update enrol() in bench/apps.ts',
      );
    }
    return secret;
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(sessionMiddleware(options.sessionStore));
  app.use(passport.initialize());
  app.use(passport.session());
  app.use('/auth', stepup.router());
  app.get('/authed', ensureLoggedIn, ok);
  app.get('/guarded', stepup.middleware(), stepup.requireMfa(), ok);
  // A first factor proven by fiat (the user id in the path), then the real stepUp():
  // the session becomes a pending login, exactly as after POST /auth/login.
  app.post(
    '/bench/seed/:id',
    (req, res, next) => {
      const id = String(req.params.id);
      enrol(req, id).then((secret) => {
        res.locals.secret = secret;
        req.user = { id };
        next();
      }, next);
    },
    stepup.stepUp(),
    (req, res) => {
      res.json({
        secret: res.locals.secret as string,
        csrfToken: csrfToken(req),
        outcome: res.locals.stepup as unknown,
      });
    },
  );
  // Many sessions of one signed-in user, for the sessions-list scenarios (bench/session-clones.ts).
  app.post('/bench/clone-sessions/:count', cloneSessionsRoute(stepup.store));
  app.use(stepup.errorHandler((err) => console.error('bench server:', err)));
  // For bench/micro.ts, which times the guard on this app's real request objects.
  app.locals.stepup = stepup;
  return app;
}
