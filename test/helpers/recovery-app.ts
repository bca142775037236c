/**
 * An app like `makeApp()` (test/helpers/app.ts) with the recovery-code factor registered next to
 * the test factor, a chosen MFA store (memory or Redis), and the notices the notifier received.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import express from 'express';
import session, { type Store } from 'express-session';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import {
  createStepup,
  MemoryStore,
  type MfaStore,
  type StepupEvent,
  type StepupOptions,
} from '../../lib/index.js';
import {
  recoveryCodes,
  RecoveryCodeStrategy,
  type RecoveryCodeOptions,
} from '../../strategies/recovery-code.js';
import { TestCodeFactor, USERS } from './app.js';

export type Notice = Parameters<NonNullable<StepupOptions['notify']>>[0];

/** A fixed test key, 32 bytes; shared by app instances that share a store. */
export const TEST_HMAC_KEY = Buffer.from('recovery-test-key-0123456789abcd');

export interface RecoveryAppOptions {
  /** @default a new MemoryStore on the app's clock */
  readonly store?: MfaStore;
  readonly sessionStore?: Store;
  readonly stepup?: Omit<StepupOptions, 'passport' | 'factors' | 'store' | 'notify'>;
  /** @default { hmacKey: TEST_HMAC_KEY } */
  readonly recovery?: RecoveryCodeOptions;
  /** Users enrolled in the test factor (code 246810). @default bob */
  readonly enrolled?: string[];
}

export function makeRecoveryApp(options: RecoveryAppOptions = {}) {
  const passport = new Passport();
  const enrolled = new Set(options.enrolled ?? ['u-bob']);
  const events: StepupEvent[] = [];
  const notices: Notice[] = [];
  const byName = new Map(USERS.map((u) => [u.username, u]));
  const byId = new Map(USERS.map((u) => [u.id, u]));
  passport.use(
    'password',
    new LocalStrategy((username, password, done) => {
      const user = byName.get(username);
      if (!user || user.password !== password) return done(null, false);
      return done(null, { id: user.id, username: user.username });
    }),
  );
  passport.serializeUser((user, done) => done(null, (user as { id: string }).id));
  passport.deserializeUser((id: string, done) => {
    const user = byId.get(id);
    done(null, user ? { id: user.id, username: user.username } : false);
  });

  const now = options.stepup?.now;
  const store = options.store ?? new MemoryStore(now ? { now } : {});
  const stepup = createStepup({
    ...options.stepup,
    store,
    passport,
    onEvent: (e) => events.push(e),
    notify: (n) => {
      notices.push(n);
    },
    factors: [
      (ctx) => new TestCodeFactor(ctx, enrolled),
      recoveryCodes(options.recovery ?? { hmacKey: TEST_HMAC_KEY }),
    ],
  });
  const recovery = stepup.factors.get('recovery-code');
  if (!(recovery instanceof RecoveryCodeStrategy)) throw new Error('recovery-code not registered');

  const app = express();
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
  app.get('/reports', stepup.requireMfa(), (_req, res) => {
    res.json({ ok: true });
  });
  return { app, stepup, store, recovery, events, notices, enrolled };
}

/** `MemoryStore.dump()` or `RedisStore.dump()`: every key and value, for secret-hygiene tests. */
export async function dumpStore(store: MfaStore): Promise<Record<string, unknown>> {
  const dump = (store as { dump?: () => unknown }).dump;
  if (typeof dump !== 'function') throw new Error('this store has no dump()');
  return (await dump.call(store)) as Record<string, unknown>;
}

/** A listening HTTP server (one per app, instead of one per supertest request). */
export async function listen(app: express.Express): Promise<Server> {
  const server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

export async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
