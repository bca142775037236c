// Attack: the short-lived store is a cache. Redis restarts without persistence, evicts under
// maxmemory or fails over to a lagging replica; if enrolments lived there, an enrolled user would
// then sign in with the password alone (and whoever holds the password could enrol a new TOTP).
// Enrolments, replay markers and recovery codes live in the credential store: losing every
// short-lived key only makes users present a factor again (docs/architecture.md, invariants 12
// and 13). A secret that cannot be decrypted keeps the user enrolled and fails the check.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createStepup, type StepupEvent } from '../../lib/index.js';
import { MemoryCredentialStore } from '../../lib/stores/credentials/memory.js';
import { RedisStore } from '../../lib/stores/redis.js';
import { recoveryCodes } from '../../strategies/recovery-code.js';
import { client } from '../helpers/app.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { codeAt, enrolledClient, makeTotpApp } from '../helpers/totp-app.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

/**
 * Every key of this test's store gone, as after a FLUSHALL (by prefix, so that a shared
 * REDIS_URL server is never flushed for other users).
 */
async function flush(store: RedisStore): Promise<void> {
  const keys = Object.keys(await store.dump());
  if (keys.length > 0) await store.delete(...keys);
  expect(Object.keys(await store.dump())).toEqual([]);
}

describe('losing the short-lived store', () => {
  it('keeps the enrolment, the replay marker and the remaining recovery codes', async () => {
    const store = new RedisStore({ client: redis.client(), prefix: `durable:${randomUUID()}:` });
    const credentials = new MemoryCredentialStore();
    const built = makeTotpApp({
      stepup: { store, credentials },
      extraFactors: [recoveryCodes({ hmacKey: Buffer.alloc(32, 9) })],
    });
    const { app, clock } = built;
    const { secret, confirm } = await enrolledClient(app, clock.now);
    const codes = confirm.body.recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    clock.advance(60_000);
    const a = await client(app);
    await a.login('alice', 'alice-password-1');
    const used = await codeAt(secret, clock.now());
    expect((await a.verify(used, 'totp')).status).toBe(200);

    await flush(store);

    // Still enrolled: the password alone is not enough.
    const b = await client(app);
    expect((await b.login('alice', 'alice-password-1')).body).toMatchObject({
      status: 'mfa_required',
      factors: expect.arrayContaining(['totp', 'recovery-code']),
    });
    // The replay marker survived: the code used before the flush is refused in its own step.
    expect((await b.verify(used, 'totp')).status).toBe(401);
    // Recovery codes survived: 10 left, and one of them signs in.
    expect((await b.verify(codes[0] ?? '', 'recovery-code')).status).toBe(200);
    clock.advance(30_000);
    const c = await client(app);
    await c.login('alice', 'alice-password-1');
    expect((await c.verify(await codeAt(secret, clock.now()), 'totp')).status).toBe(200);
    expect((await c.get('/auth/mfa/recovery-codes')).body).toEqual({ remaining: 9 });
  });
});

describe('a TOTP secret that cannot be decrypted', () => {
  it('keeps the user enrolled, refuses the code, emits credential.undecryptable and logs the key id', async () => {
    const credentials = new MemoryCredentialStore();
    const first = makeTotpApp({ stepup: { credentials } });
    const { secret } = await enrolledClient(first.app, first.clock.now);
    const events: StepupEvent[] = [];
    const logger = vi.fn();
    // The same database, another key (a lost or misconfigured TOTP key).
    const other = makeTotpApp({
      stepup: { credentials, logger, onEvent: (e) => events.push(e) },
      totp: { encryptionKeys: { current: 'k9', keys: { k9: Buffer.alloc(32, 3) } } },
    });
    other.clock.advance(60_000);
    const c = await client(other.app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('mfa_required');
    const res = await c.verify(await codeAt(secret, other.clock.now()), 'totp');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_code');
    expect((await c.get('/reports')).status).toBe(401);
    const event = events.find((e) => e.type === 'credential.undecryptable');
    expect(event).toMatchObject({ userId: 'u-alice', keyId: 'k1' });
    expect(logger).toHaveBeenCalledWith(
      expect.stringMatching(/could not be decrypted/),
      expect.objectContaining({ keyId: 'k1', userId: 'u-alice' }),
    );
    expect(JSON.stringify(logger.mock.calls)).not.toContain(secret);
  });
});

describe('without a credential store', () => {
  it('refuses to start in production, naming the option and the PostgreSQL way', () => {
    vi.stubEnv('NODE_ENV', 'production');
    try {
      expect(() => createStepup({ rememberBrowser: { enabled: false } })).toThrow(
        /credentials is required in production.*sqlCredentialStore\(\{ url: 'postgres:/s,
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
