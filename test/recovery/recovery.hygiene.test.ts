// Attack: a read of the MFA store (a backup, a Redis replica, a debug dump) or of the logs must
// not yield a usable recovery code. Only keyed digests are stored, never a code in any of its
// spellings, nor the key (NIST SP 800-63B-4 §3.1.2.2, ASVS 5.0 V6.5.2, invariant 7 (docs/architecture.md)).
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../lib/stores/redis.js';
import { client, TEST_CODE } from '../helpers/app.js';
import { credentialsFor } from '../helpers/shared-credentials.js';
import { dumpStore, makeRecoveryApp, TEST_HMAC_KEY } from '../helpers/recovery-app.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

/** Every way a code could appear in text: as shown, without dashes, in lower case. */
function spellings(codes: readonly string[]): string[] {
  return codes.flatMap((code) => {
    const compact = code.replace(/-/g, '');
    return [code, compact, code.toLowerCase(), compact.toLowerCase(), code.replace(/-/g, ' ')];
  });
}

function expectNoSecret(text: string, codes: readonly string[]): void {
  for (const s of spellings(codes)) expect(text).not.toContain(s);
  for (const encoding of ['utf8', 'hex', 'base64'] as const) {
    expect(text).not.toContain(TEST_HMAC_KEY.toString(encoding));
  }
}

/** Generate, use one code through the router, regenerate: every write path runs once. */
async function exercise(made: ReturnType<typeof makeRecoveryApp>) {
  const first = await made.recovery.generate(undefined, 'u-bob');
  const c = await client(made.app);
  await c.login('bob', 'bob-password-1');
  expect((await c.verify(first[0] ?? '', 'recovery-code')).status).toBe(200);
  expect((await c.verify(TEST_CODE)).status).toBe(200); // step up with the other factor
  const regen = await c.post('/auth/mfa/recovery-codes/regenerate');
  expect(regen.status).toBe(200);
  const second = regen.body.recoveryCodes as string[];
  return [...first, ...second];
}

describe('no recovery code in clear text', () => {
  it('in the memory store, the events, the notices or an inspect() of the strategy', async () => {
    const made = makeRecoveryApp();
    const codes = await exercise(made);
    expect(codes).toHaveLength(20);
    const dump = await dumpStore(made.store);
    const rows = await credentialsFor(made.store).list('u-bob');
    const set = rows.find((r) => r.type === 'recovery-codes');
    const unused = set?.type === 'recovery-codes' ? set.codes.filter((c) => !c.usedAt) : [];
    expect(unused).toHaveLength(10);
    for (const { digest } of unused) expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expectNoSecret(JSON.stringify(dump), codes);
    expectNoSecret(JSON.stringify(rows), codes);
    expectNoSecret(JSON.stringify(made.events), codes);
    expectNoSecret(JSON.stringify(made.notices), codes);
    expectNoSecret(inspect(made.recovery, { depth: 5, showHidden: true }), codes);
  });

  describe('on Redis', () => {
    let redis: RedisServer;
    let conn: Redis;
    beforeAll(async () => {
      redis = await startRedis();
      conn = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    });
    afterAll(async () => {
      conn.disconnect();
      await redis.stop();
    });

    it('RedisStore.dump() holds digests only', async () => {
      const store = new RedisStore({ client: conn, prefix: `test:${randomUUID()}:` });
      const made = makeRecoveryApp({ store });
      const codes = await exercise(made);
      const dump = await store.dump();
      const rows = await credentialsFor(store).list('u-bob');
      const set = rows.find((r) => r.type === 'recovery-codes');
      expect(set?.type === 'recovery-codes' && set.codes.filter((c) => !c.usedAt)).toHaveLength(10);
      expectNoSecret(JSON.stringify(dump), codes);
      expectNoSecret(JSON.stringify(rows), codes);
      await store.delete(...Object.keys(dump));
    });
  });
});
