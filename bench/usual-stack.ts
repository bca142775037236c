/**
 * The hand-assembled stack passport-stepup replaces: express-session on Redis, passport-local,
 * then passport-totp on a second route, as in passport-totp's own example. The TOTP key lives
 * in the same database as ours keeps its credentials (PostgreSQL or SQLite, one SELECT per
 * check, as an app reads it from its users table), so that the pair compares equal storage.
 *
 * Set up to be a fair (and favourable) comparison: `window: 1` (±1 step like ours, instead of
 * its ±3 minute default). It has no replay check, no attempt counter, no CSRF check and no
 * encryption of the key at rest: everything it skips makes it faster. With `sameWork` it does
 * the round trips ours needs for replay, lockout and the sessions list (see SameWork), to tell
 * the cost of our code from the cost of that work.
 */
import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Store } from 'express-session';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { Strategy as TotpStrategy } from 'passport-totp';
import { verifyPassword } from '../lib/index.js';
import { generateTotpSecret } from '../lib/totp/totp-core.js';
import { ensureLoggedIn, sessionMiddleware } from './apps.js';
import { base32Decode } from './totp-code.js';

/** The app's own table of TOTP keys (hex), one row per user. */
export interface KeyTable {
  get(userId: string): Promise<string | undefined>;
  set(userId: string, hex: string): Promise<void>;
  /** The replay marker: move the user's last accepted step forward; false when it did not. */
  advance(userId: string, step: number): Promise<boolean>;
}

/**
 * The I/O a hand-made stack needs to do what ours does on a verify, without our code: reserve
 * an attempt before the check (INCR of a counter and GET of the login epoch in one round trip,
 * as ours does in one script), move a durable replay marker (one conditional UPDATE), settle
 * the attempt after a success (DEL of the counter, SET of the streak to 0: one round trip), and
 * list the session for "your active sessions" (HGETALL, for pruning, + HSET + PEXPIRE in one
 * round trip). With it, the pair measures our code, not the work the features need.
 */
export interface SameWork {
  readonly redis: Pick<Redis, 'multi'>;
}

export interface UsualOptions {
  readonly sessionStore: Store;
  /** Where the TOTP keys live: the database our credentials are in, another table. */
  readonly keys: KeyTable;
  readonly passwordHash: string;
  /** Do the round trips ours does (see SameWork); off for the plain passport-totp stack. */
  readonly sameWork?: SameWork;
}

export function usualApp(options: UsualOptions): Express {
  const { keys, passwordHash } = options;
  const passport = new Passport();
  passport.serializeUser((user, done) => done(null, (user as { id: string }).id));
  passport.deserializeUser((id: string, done) => done(null, { id }));
  passport.use(
    new LocalStrategy((username, password, done) => {
      verifyPassword(passwordHash, password).then(
        (match) => done(null, match ? { id: username } : false),
        done,
      );
    }),
  );
  passport.use(
    new TotpStrategy({ window: 1 }, (user, done) => {
      keys
        .get((user as { id: string }).id)
        .then(
          (hex) => (hex ? done(null, Buffer.from(hex, 'hex'), 30) : done(new Error('no TOTP key'))),
          done,
        );
    }),
  );

  const app = express();
  app.disable('x-powered-by');
  app.use(sessionMiddleware(options.sessionStore));
  app.use(passport.initialize());
  app.use(passport.session());
  // Not measured (argon2id would dominate); the bench signs users in through /bench/seed instead.
  app.post('/login', express.json(), passport.authenticate('local'), (_req, res) => {
    res.json({ status: 'mfa_required' });
  });
  // passport.authenticate() answers 401 itself on a wrong code; on success Passport 0.7's
  // req.logIn() regenerates the session, as ours does.
  const work = options.sameWork;
  const userOf = (req: express.Request): string => (req.user as { id: string }).id;
  app.post(
    '/login-otp',
    express.json(),
    ensureLoggedIn,
    (req, _res, next) => {
      if (!work) return next();
      const id = userOf(req);
      work.redis
        .multi()
        .incr(`usual:{${id}}:failures`)
        .get(`usual:{${id}}:epoch`)
        .exec()
        .then(() => next(), next);
    },
    passport.authenticate('totp'),
    (req, res, next) => {
      (req.session as unknown as Record<string, unknown>).secondFactor = 'totp';
      if (!work) {
        res.json({ status: 'authenticated' });
        return;
      }
      const id = userOf(req);
      keys
        .advance(id, Math.floor(Date.now() / 30_000))
        .then((fresh) => {
          if (!fresh) throw new Error('code already used');
          return work.redis
            .multi()
            .del(`usual:{${id}}:failures`)
            .set(`usual:{${id}}:streak`, '0', 'PX', 34_560_000_000)
            .exec();
        })
        .then(() =>
          work.redis
            .multi()
            .hgetall(`usual:{${id}}:sessions`)
            .hset(`usual:{${id}}:sessions`, req.sessionID, String(Date.now()))
            .pexpire(`usual:{${id}}:sessions`, 86_400_000)
            .exec(),
        )
        .then(() => res.json({ status: 'authenticated' }), next);
    },
  );
  // What passport.authenticate('local') does on success, minus argon2id: req.logIn().
  app.post('/bench/seed/:id', (req, res, next) => {
    const id = String(req.params.id);
    const secret = generateTotpSecret();
    keys.set(id, base32Decode(secret).toString('hex')).then(
      () =>
        req.logIn({ id }, (err: unknown) => {
          if (err) next(err);
          else res.json({ secret });
        }),
      next,
    );
  });
  return app;
}
