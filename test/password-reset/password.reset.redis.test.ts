// Attack: the same reset link sent a hundred times at once, spread over two app instances on
// one Redis, to set two passwords (or to race the victim): exactly one reset, every other
// request invalid_token, and a link mailed by one instance works on the other (docs/
// architecture.md, invariant 21). Through HTTP the password policy's synchronous work spaces
// the requests out, so the atomic take itself (GETDEL) is proven by the test with a slow store
// in password.reset.bypass; this one proves the shared-store path on a real Redis.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../lib/stores/redis.js';
import { client } from '../helpers/app.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { forgot, makeResetApp, reset } from '../helpers/reset-app.js';

const PARALLEL = 100;
const TOKEN_KEY = Buffer.alloc(32, 7); // one key for every instance, as in production

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

describe('one link, one reset, across two instances on one Redis', () => {
  it(`${PARALLEL} parallel requests with one token: exactly one reset`, async () => {
    const prefix = `reset-${randomUUID()}:`;
    const [a, b] = await Promise.all(
      [0, 1].map(() =>
        makeResetApp({
          store: new RedisStore({ client: redis.client(), prefix }),
          reset: { tokenKey: TOKEN_KEY },
          // Cheap hashing: the requests reach the token at the same moment instead of one by one.
          passwordParams: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
        }),
      ),
    );
    if (!a || !b) throw new Error('no instances');
    const { token } = await forgot(a, 'alice', 'alice@example.test');
    expect(token).toBeDefined();
    const clients = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) => client((i % 2 ? b : a).app)),
    );
    const results = await Promise.all(
      clients.map((c, i) =>
        reset(i % 2 ? b : a, { token, newPassword: `parallel passphrase ${i}x` }, c),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(
      results.filter((r) => r.status === 400 && r.body.error === 'invalid_token'),
    ).toHaveLength(PARALLEL - 1);
    const resets = [...a.events, ...b.events].filter((e) => e.type === 'password.reset');
    expect(resets).toHaveLength(1);
    // A new link from A, used on B: one truth across instances.
    const again = await forgot(a, 'alice', 'alice@example.test');
    expect(
      (await reset(b, { token: again.token, newPassword: 'another passphrase 77x' })).status,
    ).toBe(200);
    expect(
      (await reset(a, { token: again.token, newPassword: 'another passphrase 78x' })).status,
    ).toBe(400);
  });
});
