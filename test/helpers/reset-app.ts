/**
 * An app with "forgot password" on: the library's own password factor (real argon2id hashes),
 * TOTP, recovery codes, the test factor, remember-this-browser, a dev outbox for the links, the
 * notices and events kept. Accounts for the reset: alice (address), bob (address), dora (no
 * address), carol (locked); `setPasswordHash` writes into the password directory so that the new
 * password signs in.
 */
import type { Store } from 'express-session';
import { expect } from 'vitest';
import {
  devOutbox,
  MemoryStore,
  StoreUnavailableError,
  type MfaStore,
  type PasswordOptions,
  type PasswordResetOptions,
  type ResetAccount,
} from '../../lib/index.js';
import { recoveryCodes } from '../../strategies/recovery-code.js';
import { client } from './app.js';
import { passwordResetOf } from '../../lib/password-reset/service.js';
import { hashedDirectory } from './password-users.js';
import type { Notice } from './recovery-app.js';
import { TEST_HMAC_KEY } from './recovery-app.js';
import { RB_SECRET } from './remember.js';
import { makeTotpApp } from './totp-app.js';

export const ACCOUNTS: Record<string, ResetAccount> = {
  alice: { id: 'u-alice', email: 'alice@example.test' },
  bob: { id: 'u-bob', email: 'bob@example.test' },
  dora: { id: 'u-dora', email: null },
  carol: { id: 'u-carol', email: 'carol@example.test', locked: true },
};

/**
 * A MemoryStore that can be switched off (every call rejects with StoreUnavailableError) or
 * slowed down (every call waits `delayMs`, as a network round trip does, so that parallel
 * requests interleave between their store calls).
 */
export function switchableStore(now: () => number) {
  const inner = new MemoryStore({ now });
  const state = { down: false, delayMs: 0 };
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (state.delayMs > 0) await new Promise((r) => setTimeout(r, state.delayMs));
        if (state.down) throw new StoreUnavailableError();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as MfaStore;
  return { store, state };
}

export interface ResetAppOptions {
  /** Users enrolled in the test factor (not usable for a reset). @default none */
  readonly testCodeUsers?: string[];
  readonly reset?: Partial<PasswordResetOptions>;
  readonly store?: MfaStore;
  readonly sessionStore?: Store;
  /** Each mail takes this long to send, as over SMTP. @default 0 */
  readonly mailDelayMs?: number;
  /** argon2 parameters of new passwords (cheap ones let parallel requests meet at the store). */
  readonly passwordParams?: PasswordOptions['params'];
}

export async function makeResetApp(options: ResetAppOptions = {}) {
  const directory = await hashedDirectory();
  const outbox = devOutbox({ print: false });
  const notices: Notice[] = [];
  const built = makeTotpApp({
    password: {
      findUser: directory.findUser,
      ...(options.passwordParams ? { params: options.passwordParams } : {}),
    },
    enrolled: options.testCodeUsers ?? [],
    ...(options.sessionStore ? { sessionStore: options.sessionStore } : {}),
    stepup: {
      ...(options.store ? { store: options.store } : {}),
      notify: (n) => void notices.push(n),
      rememberBrowser: { secret: RB_SECRET },
      passwordReset: {
        mailer: {
          async send(message) {
            const delay = options.mailDelayMs ?? 0;
            if (delay > 0) await new Promise((r) => setTimeout(r, delay));
            await outbox.send(message);
          },
        },
        findAccount: (username) => ACCOUNTS[username] ?? null,
        setPasswordHash: (userId, hash) => {
          for (const record of directory.records.values()) {
            if (record.id === userId)
              directory.records.set(record.username, { ...record, passwordHash: hash });
          }
        },
        resetUrl: (token) => `https://app.example.test/reset-password?token=${token}`,
        ...options.reset,
      },
    },
    extraFactors: [recoveryCodes({ hmacKey: TEST_HMAC_KEY })],
  });
  return { ...built, directory, outbox, notices };
}

export type ResetApp = Awaited<ReturnType<typeof makeResetApp>>;

/** POST /auth/password/forgot from a fresh client; the token mailed to `to`, if one was. */
export async function forgot(app: ResetApp, username: string, to?: string) {
  const c = await client(app.app);
  const before = app.outbox.messages().length;
  const res = await c.post('/auth/password/forgot', { username });
  expect(res.status).toBe(202);
  await passwordResetOf(app.stepup).idle();
  const sent = app.outbox.messages().slice(before);
  const mail = to ? sent.find((m) => m.to === to) : undefined;
  const token = mail ? /token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1] : undefined;
  return { res, token, sent };
}

/** POST /auth/password/reset from a fresh client (or `c`). */
export async function reset(app: ResetApp, body: object, c?: Awaited<ReturnType<typeof client>>) {
  const who = c ?? (await client(app.app));
  return who.post('/auth/password/reset', body);
}

export const NEW_PASSWORD = 'a brand new passphrase 42';
