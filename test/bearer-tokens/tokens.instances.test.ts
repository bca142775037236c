// Attack: a revoked token still working on another instance (a cache, a replica that lags) or
// surviving a way out of the account. Two app instances share one PostgreSQL database and one
// Redis (where the tokens' hot copies and tombstones live, lib/core/bearer-cache.ts); a token
// minted on one is refused on the other the moment it is revoked, and a password reset, a
// password change and an admin reset on one end every token of the user on both
// (docs/architecture.md, invariant 22).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { devOutbox, sqlCredentialStore, type SqlCredentialStore } from '../../lib/index.js';
import { passwordResetOf } from '../../lib/password-reset/service.js';
import { RedisStore } from '../../lib/stores/redis.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { client } from '../helpers/app.js';
import { ACCOUNTS } from '../helpers/reset-app.js';
import {
  createPostgresDatabase,
  type TestDatabase,
  uniquePrefix,
} from '../helpers/sql-databases.js';
import { codeAt } from '../helpers/totp-app.js';
import { enrolTotp, makeTokenApp, mintToken, withToken } from '../helpers/token-app.js';

let db: TestDatabase;
let redis: RedisServer;
const stores: SqlCredentialStore[] = [];
beforeAll(async () => {
  db = await createPostgresDatabase();
  redis = await startRedis();
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await redis.stop();
  await db.drop();
});

async function twoInstances() {
  const outbox = devOutbox({ print: false });
  const prefix = uniquePrefix();
  const open = () => {
    const store = sqlCredentialStore({ url: db.url, tablePrefix: prefix });
    stores.push(store);
    return store;
  };
  await open().migrate();
  // One Redis for both, as in production: the tokens' hot copies and tombstones live there.
  const redisPrefix = `tok-test:${prefix}:`;
  const instance = () =>
    makeTokenApp({
      stepup: {
        credentials: open(),
        store: new RedisStore({ client: redis.client(), prefix: redisPrefix }),
        passwordReset: {
          mailer: outbox,
          findAccount: (username) => ACCOUNTS[username] ?? null,
          setPasswordHash: () => undefined,
          resetUrl: (token) => `https://app.example.test/reset-password?token=${token}`,
        },
      },
    });
  const a = await instance();
  const b = await instance();
  // Both clocks move together: one wall clock.
  b.clock.set(a.clock.now());
  return { a, b, outbox };
}

async function bobTokenOn(
  app: Awaited<ReturnType<typeof makeTokenApp>>,
  secret: string,
  now: number,
): Promise<string> {
  const res = await mintToken(app.app, {
    username: 'bob',
    password: 'bob-password-1',
    code: await codeAt(secret, now),
  });
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  return res.body.access_token as string;
}

describe('tokens on two instances sharing one database', () => {
  it('revoked on one instance → refused on the other at once', async () => {
    const { a, b } = await twoInstances();
    const { secret } = await enrolTotp(a.app, a.clock.now);
    for (const i of [a, b]) i.clock.advance(60_000);
    const token = await bobTokenOn(b, secret, b.clock.now());
    expect((await withToken(a.app, '/reports', token)).status).toBe(200);
    expect((await withToken(b.app, '/reports', token)).status).toBe(200);
    const out = await request(a.app).delete('/auth/token').set('Authorization', `Bearer ${token}`);
    expect(out.status).toBe(204);
    expect((await withToken(b.app, '/reports', token)).body.error).toBe('invalid_token');
  });

  it('one code, 60 parallel token requests split over both instances → exactly one token', async () => {
    const { a, b } = await twoInstances();
    const { secret } = await enrolTotp(a.app, a.clock.now);
    for (const i of [a, b]) i.clock.advance(60_000);
    const body = {
      username: 'bob',
      password: 'bob-password-1',
      code: await codeAt(secret, a.clock.now()),
    };
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => mintToken((i % 2 ? a : b).app, body)),
    );
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 500 || r.status === 503)).toHaveLength(0);
  });

  it('a password reset, a password change and an admin reset on A end the tokens minted on B', async () => {
    const { a, b, outbox } = await twoInstances();
    const { secret, c } = await enrolTotp(a.app, a.clock.now);
    const step = async () => {
      for (const i of [a, b]) i.clock.advance(30_000);
    };
    // 1. Password reset on A (link + TOTP).
    await step();
    let token = await bobTokenOn(b, secret, b.clock.now());
    const forgot = await (await client(a.app)).post('/auth/password/forgot', { username: 'bob' });
    expect(forgot.status).toBe(202);
    await passwordResetOf(a.stepup).idle();
    const mail = outbox.messages().find((m) => m.to === 'bob@example.test');
    const link = /token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1];
    await step();
    const reset = await (
      await client(a.app)
    ).post('/auth/password/reset', {
      token: link,
      newPassword: 'a brand new passphrase 42',
      factor: 'totp',
      code: await codeAt(secret, a.clock.now()),
    });
    expect(reset.status).toBe(200);
    expect((await withToken(b.app, '/reports', token)).body.error).toBe('invalid_token');
    // 2. Password change on A (the hash store of the test directory is not changed: the old
    //    password still signs in, which keeps the test short).
    await step();
    await c.refreshCsrf();
    expect((await c.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');
    const code = await codeAt(secret, a.clock.now());
    expect((await c.post('/auth/mfa/verify', { factor: 'totp', code })).status).toBe(200);
    await step();
    token = await bobTokenOn(b, secret, b.clock.now());
    expect((await c.post('/password', { newPassword: 'another new passphrase 7' })).status).toBe(
      204,
    );
    expect((await withToken(b.app, '/me', token)).body.error).toBe('invalid_token');
    // 3. Admin reset on A.
    await step();
    token = await bobTokenOn(b, secret, b.clock.now());
    expect((await withToken(b.app, '/me', token)).status).toBe(200);
    await a.stepup.adminReset(undefined, 'u-bob');
    expect((await withToken(b.app, '/me', token)).body.error).toBe('invalid_token');
  });
});
