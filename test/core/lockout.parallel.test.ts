// Attack: the attacker holds the password and sends 300 wrong second-factor codes at once, on
// one instance or spread over two behind a load balancer. With a read-compare-count lockout
// every request reads "fewer than 10 failures" before any of them counts, so hundreds of codes
// get compared (256 of 300 on Redis before this test existed) and each late failure locks and
// mails the victim again. Attempts are reserved atomically before the comparison: at most 10
// codes are compared, one lock is set, one notice is sent (docs/architecture.md, invariant 19).
import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeCheck, SecurityNotice, StepupContext, Subject } from '../../lib/index.js';
import { MemoryStore } from '../../lib/stores/memory.js';
import { RedisStore } from '../../lib/stores/redis.js';
import type { MfaStore } from '../../lib/stores/types.js';
import { client, makeApp, TestCodeFactor } from '../helpers/app.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

const PARALLEL = 300;

/** The test factor, counting every comparison and yielding first as a real check does. */
function countingFactor(compared: { n: number }) {
  return (ctx: StepupContext) =>
    new (class extends TestCodeFactor {
      protected override async verifyCode(req: Request, s: Subject, code: string) {
        await new Promise((resolve) => setTimeout(resolve, 1)); // a database round trip
        compared.n++;
        return super.verifyCode(req, s, code) as Promise<CodeCheck>;
      }
    })(ctx, new Set(['u-bob']));
}

/** `instances` apps on one MfaStore, each with bob pending on it, and 300 wrong codes at once. */
async function burst(stores: MfaStore[]) {
  const compared = { n: 0 };
  const notices: SecurityNotice[] = [];
  const apps = stores.map((store) =>
    makeApp({
      stepup: { store, notify: (n) => void notices.push(n) },
      onlyFactors: [countingFactor(compared)],
    }),
  );
  const clients = await Promise.all(apps.map(({ app }) => client(app)));
  for (const c of clients) expect((await c.login('bob', 'bob-password-1')).status).toBe(200);
  const answers = await Promise.all(
    Array.from({ length: PARALLEL }, (_, i) => {
      const c = clients[i % clients.length];
      if (!c) throw new Error('no client');
      return c.verify(String(100000 + i), 'test-code');
    }),
  );
  const statuses = new Map<number, number>();
  for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
  const events = apps.flatMap((a) => a.events);
  return {
    compared: compared.n,
    statuses,
    locks: events.filter((e) => e.type === 'mfa.locked').length,
    failed: events.filter((e) => e.type === 'mfa.failed').length,
    lockNotices: notices.filter((n) => n.kind === 'lockout').length,
  };
}

function expectAtMostTheLimit(r: Awaited<ReturnType<typeof burst>>) {
  expect(r.compared).toBe(10);
  expect(r.statuses.get(401)).toBe(10);
  expect(r.statuses.get(429)).toBe(PARALLEL - 10);
  expect(r.failed).toBe(10);
  expect(r.locks).toBe(1);
  expect(r.lockNotices).toBe(1);
}

describe('300 parallel wrong codes on one pending login', () => {
  it('memory store: 10 compared, one lock, one notice', async () => {
    expectAtMostTheLimit(await burst([new MemoryStore()]));
  });

  describe('on a real Redis', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      await redis.stop();
    });
    const store = (prefix: string) => new RedisStore({ client: redis.client(), prefix });

    it('one instance: 10 compared, one lock, one notice', async () => {
      expectAtMostTheLimit(await burst([store(`par-${randomUUID()}:`)]));
    });

    it('two instances: 10 compared in all, one lock, one notice', async () => {
      const prefix = `par2-${randomUUID()}:`;
      expectAtMostTheLimit(await burst([store(prefix), store(prefix)]));
    });
  });
});
