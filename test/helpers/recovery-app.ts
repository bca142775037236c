/**
 * `makeApp()` (test/helpers/app.ts) with the recovery-code factor registered next to the test
 * factor (and no other), a chosen MFA store (memory or Redis), and the notices the notifier
 * received.
 */
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type express from 'express';
import type { Store } from 'express-session';
import {
  MemoryStore,
  type FactorFactory,
  type MfaStore,
  type StepupOptions,
} from '../../lib/index.js';
import {
  recoveryCodes,
  RecoveryCodeStrategy,
  type RecoveryCodeOptions,
} from '../../strategies/recovery-code.js';
import { makeApp, TestCodeFactor } from './app.js';

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
  const enrolled = new Set(options.enrolled ?? ['u-bob']);
  const notices: Notice[] = [];
  const now = options.stepup?.now;
  const store = options.store ?? new MemoryStore(now ? { now } : {});
  const factors: FactorFactory[] = [
    (ctx) => new TestCodeFactor(ctx, enrolled),
    recoveryCodes(options.recovery ?? { hmacKey: TEST_HMAC_KEY }),
  ];
  const built = makeApp({
    sessionStore: options.sessionStore,
    stepup: {
      ...options.stepup,
      store,
      notify: (n) => {
        notices.push(n);
      },
    },
    onlyFactors: factors,
  });
  const recovery = built.stepup.factors.get('recovery-code');
  if (!(recovery instanceof RecoveryCodeStrategy)) throw new Error('recovery-code not registered');
  return { ...built, enrolled, store, recovery, notices };
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
