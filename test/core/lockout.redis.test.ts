// Attack: spread second-factor guesses over several app instances behind a load balancer, so
// that no single instance sees 10 failures. The counter lives in the shared store: 10 wrong
// codes on instance A lock the account on instance B too.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../lib/stores/redis.js';
import { client, makeApp, TEST_CODE } from '../helpers/app.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

describe('second-factor lockout across two instances on one Redis', () => {
  it('failures on A and B add up; the lock set by them holds on both', async () => {
    const prefix = `lock-${randomUUID()}:`;
    const a = makeApp({ stepup: { store: new RedisStore({ client: redis.client(), prefix }) } });
    const b = makeApp({ stepup: { store: new RedisStore({ client: redis.client(), prefix }) } });
    const onA = await client(a.app);
    const onB = await client(b.app);
    await onA.login('bob', 'bob-password-1');
    await onB.login('bob', 'bob-password-1');
    for (let i = 0; i < 5; i++) expect((await onA.verify('000000')).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await onB.verify('000000')).status).toBe(401);
    const lockedOnA = await onA.verify(TEST_CODE);
    expect(lockedOnA.status).toBe(429);
    expect(lockedOnA.body.retryAfter).toBeGreaterThan(800);
    expect((await onB.verify(TEST_CODE)).status).toBe(429);
  });
});
