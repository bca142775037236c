// Attack: an insider, a backup or a log pipeline reads the MFA store, the session store or the
// event stream. After a scripted run through every flow, none of them may contain a password,
// a TOTP secret (Base32 or hex), a one-time code, a recovery code or a remember-browser token.
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import { randomUUID } from 'node:crypto';
import session from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base32ToHex } from '../helpers/base32.js';
import { emailOtp } from '../../strategies/one-time-code.js';
import { recoveryCodes } from '../../strategies/recovery-code.js';
import { totp } from '../../strategies/totp.js';
import { devOutbox, MemoryStore, RedisStore, type MfaStore } from '../../lib/index.js';
import { client, makeApp } from '../helpers/app.js';
import { fakeClock } from '../helpers/clock.js';
import { codeIn } from '../helpers/otp-app.js';
import { hashedDirectory } from '../helpers/password-users.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { codeAt, KEYS } from '../helpers/totp-app.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

interface Backend {
  store: MfaStore;
  sessionStore: session.Store;
  dump(): Promise<string>;
}

function memoryBackend(clockNow: () => number): Backend {
  const store = new MemoryStore({ now: clockNow });
  const sessionStore = new session.MemoryStore();
  return {
    store,
    sessionStore,
    dump: async () => {
      const sessions = await new Promise((resolve) => sessionStore.all((_e, all) => resolve(all)));
      return JSON.stringify([store.dump(), sessions]);
    },
  };
}

function redisBackend(): Backend {
  const prefix = `hyg-${randomUUID()}:`;
  const c = redis.client();
  const store = new RedisStore({ client: c, prefix });
  const sessionStore = new ConnectRedisStore({ client: c, prefix: `${prefix}sess:` });
  return {
    store,
    sessionStore,
    dump: async () => {
      const keys = await c.keys(`${prefix}*`);
      const values = await Promise.all(
        keys.map(async (k) => ((await c.type(k)) === 'hash' ? c.hgetall(k) : c.get(k))),
      );
      return JSON.stringify([keys, values, await store.dump()]);
    },
  };
}

describe.each([
  ['memory stores', 'memory'],
  ['Redis (RedisStore + connect-redis)', 'redis'],
] as const)('secret hygiene on %s', (_name, kind) => {
  it('no secret, code or password in the stores or the events after every flow', async () => {
    const clock = fakeClock();
    const backend = kind === 'memory' ? memoryBackend(clock.now) : redisBackend();
    const dir = await hashedDirectory();
    const outbox = devOutbox({ print: false });
    const { app, events, stepup } = makeApp({
      sessionStore: backend.sessionStore,
      password: { findUser: dir.findUser, appendedTotp: true },
      stepup: {
        store: backend.store,
        now: clock.now,
        rememberBrowser: { secret: 'hygiene-remember-secret-0123456789abcdef' },
      },
      onlyFactors: [
        totp({ encryptionKeys: KEYS }),
        recoveryCodes({ hmacKey: Buffer.alloc(32, 9) }),
        emailOtp({ mailer: outbox, codeKey: Buffer.alloc(32, 5) }),
      ],
    });
    const secrets: string[] = [
      'alice-password-1',
      'bob-password-1',
      'a new passphrase for alice 7',
    ];

    // Enrol TOTP (secret + confirming code), get recovery codes.
    const c = await client(app);
    await c.login('alice', 'alice-password-1');
    const enroll = await c.post('/auth/mfa/totp/enroll');
    const secret = enroll.body.secret as string;
    secrets.push(secret, base32ToHex(secret));
    let code = await codeAt(secret, clock.now());
    secrets.push(code);
    const confirm = await c.post('/auth/mfa/totp/confirm', { code });
    const rc = confirm.body.recoveryCodes as string[];
    expect(rc).toHaveLength(10);
    secrets.push(...rc, ...rc.map((r) => r.replace(/-/g, '')));

    // Enrol an email address with the code sent to it.
    await c.post('/auth/mfa/email/enroll', { email: 'alice@example.test' });
    code = codeIn(outbox.last('alice@example.test')?.text);
    secrets.push(code);
    expect((await c.post('/auth/mfa/email/confirm', { code })).status).toBe(200);
    await c.post('/auth/logout');

    // TOTP login with "remember this browser"; then the remembered login.
    clock.advance(30_000);
    const d = await client(app);
    await d.login('alice', 'alice-password-1');
    code = await codeAt(secret, clock.now());
    secrets.push(code);
    const remembered = await d.post('/auth/mfa/verify', {
      factor: 'totp',
      code,
      rememberBrowser: true,
    });
    const cookie = (remembered.headers['set-cookie'] as unknown as string[]).find((h) =>
      h.startsWith('stepup_rb='),
    );
    expect(cookie).toBeDefined();
    const token = decodeURIComponent(cookie?.split(';')[0]?.split('=')[1] ?? '');
    // `<id>.<token>.<hmac>`: the id is a public handle (listed, revocable); the token is the secret.
    const [, rbToken = ''] = token.split('.');
    expect(rbToken.length).toBeGreaterThanOrEqual(22);
    secrets.push(rbToken);
    await d.post('/auth/logout');
    d.agent.jar.setCookie(cookie ?? '');
    await d.refreshCsrf();
    expect((await d.login('alice', 'alice-password-1')).body.amr).toEqual(['pwd', 'rb']);

    // Recovery code login; email code login; password + code in one field; a wrong code.
    const e = await client(app);
    await e.login('alice', 'alice-password-1');
    expect((await e.verify(rc[0] ?? '', 'recovery-code')).status).toBe(200);
    const f = await client(app);
    await f.login('alice', 'alice-password-1');
    clock.advance(61_000);
    await f.post('/auth/mfa/email/send');
    code = codeIn(outbox.last('alice@example.test')?.text);
    secrets.push(code);
    expect((await f.verify(code, 'email-otp')).status).toBe(200);
    clock.advance(30_000);
    code = await codeAt(secret, clock.now());
    secrets.push(code);
    const g = await client(app);
    expect((await g.login('alice', `alice-password-1${code}`)).body.amr).toEqual([
      'pwd',
      'otp',
      'mfa',
    ]);
    await (await client(app)).login('bob', 'wrong-password-for-bob');

    // Password change.
    await stepup.changePassword(
      Object.assign(Object.create(null) as object, {
        ip: '127.0.0.1',
        get: () => undefined,
      }) as never,
      {
        userId: 'u-alice',
        newPassword: 'a new passphrase for alice 7',
        setPasswordHash: () => undefined,
      },
    );

    const dump = await backend.dump();
    const log = JSON.stringify(events);
    expect(dump.length).toBeGreaterThan(500);
    for (const s of secrets) {
      // A 6-digit code may occur inside a timestamp by chance: match it as a whole number only.
      const pattern = /^\d{6}$/.test(s) ? new RegExp(`(?<![0-9])${s}(?![0-9])`) : undefined;
      if (pattern) {
        expect(pattern.test(dump), `store contains ${s}`).toBe(false);
        expect(pattern.test(log), `events contain ${s}`).toBe(false);
        continue;
      }
      expect(dump, `store contains ${s}`).not.toContain(s);
      expect(dump.toLowerCase(), `store contains ${s}`).not.toContain(s.toLowerCase());
      expect(log, `events contain ${s}`).not.toContain(s);
    }
    if (kind === 'redis') await backend.store.close?.();
  });
});
