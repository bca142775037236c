// Attack: an attacker who holds the password and one recovery code (or a user's code leaked from
// a screenshot) fires it many times at once, hoping that a check-then-delete lets it through more
// than once, also across app instances. Exactly one request may win (invariant 1 (docs/architecture.md), ASVS 5.0 V6.5.1).
import { MemoryCredentialStore } from '../../lib/stores/credentials/memory.js';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../lib/stores/memory.js';
import { RedisStore } from '../../lib/stores/redis.js';
import { client } from '../helpers/app.js';
import { close, listen, makeRecoveryApp } from '../helpers/recovery-app.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

const PARALLEL = 50;
// The race is about the store, not the lockout: 49 losers must not lock the account first.
const stepupOptions = { lockout: { maxFailures: 100 } };

/** `n` pending logins of bob on `server`, each a separate session (attackers use many). */
async function pendingSessions(server: Server, n: number) {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const c = await client(server);
      expect((await c.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');
      return c;
    }),
  );
}

/**
 * The memory store with 0-3 ms of latency before each call, like a networked store. On
 * the bare MemoryStore a read-then-delete bug would hide: nothing else runs between two awaits
 * of already-resolved promises, so HTTP requests could never interleave inside it.
 */
function withLatency(inner: MemoryStore): MemoryStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

function tally(responses: { status: number; body: { error?: string } }[]) {
  return {
    ok: responses.filter((r) => r.status === 200).length,
    invalid: responses.filter((r) => r.status === 401 && r.body.error === 'invalid_code').length,
    other: responses
      .filter((r) => r.status !== 200 && r.body.error !== 'invalid_code')
      .map((r) => r.status),
  };
}

describe('50 parallel submissions of one recovery code', () => {
  it('in one app on a memory store with network-like latency: exactly one success', async () => {
    const store = withLatency(new MemoryStore());
    const { app, recovery, events } = makeRecoveryApp({ store, stepup: stepupOptions });
    const server = await listen(app);
    try {
      const [code] = await recovery.generate(undefined, 'u-bob');
      const sessions = await pendingSessions(server, PARALLEL);
      const responses = await Promise.all(
        sessions.map((c) => c.verify(code ?? '', 'recovery-code')),
      );
      expect(tally(responses)).toEqual({ ok: 1, invalid: PARALLEL - 1, other: [] });
      expect(events.filter((e) => e.type === 'recovery.used')).toHaveLength(1);
      expect(await recovery.remaining('u-bob')).toBe(9);
    } finally {
      await close(server);
    }
  });

  it('through the service API (what TOTP disable calls): exactly one true', async () => {
    const { recovery } = makeRecoveryApp();
    const [code] = await recovery.generate(undefined, 'u-bob');
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, () => recovery.consume(undefined, 'u-bob', code ?? '')),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

describe('50 parallel submissions split across two app instances on one Redis', () => {
  let redis: RedisServer;
  const clients: Redis[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await redis.stop();
  });

  it('exactly one success, whichever instance wins', async () => {
    // Two processes in production: each instance has its own Redis connection and its own
    // session store; they share the MFA store (same Redis, same prefix) and the HMAC key.
    const prefix = `test:${randomUUID()}:`;
    const credentials = new MemoryCredentialStore(); // one database behind both instances
    const instances = [0, 1].map(() => {
      const conn = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      clients.push(conn);
      const store = new RedisStore({ client: conn, prefix });
      return makeRecoveryApp({ store, stepup: { ...stepupOptions, credentials } });
    });
    const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]];
    const servers = await Promise.all([listen(a.app), listen(b.app)]);
    try {
      // Codes made on instance A are checked on B: the shared key and store make them one set.
      const [code] = await a.recovery.generate(undefined, 'u-bob');
      expect(await b.recovery.remaining('u-bob')).toBe(10);
      const [onA, onB] = await Promise.all(servers.map((s) => pendingSessions(s, PARALLEL / 2)));
      // Interleave A and B so that both instances are in flight at the same time.
      const order = (onA ?? []).flatMap((c, i) => [c, onB?.[i]]).filter((c) => c !== undefined);
      expect(order).toHaveLength(PARALLEL);
      const responses = await Promise.all(order.map((c) => c.verify(code ?? '', 'recovery-code')));
      expect(tally(responses)).toEqual({ ok: 1, invalid: PARALLEL - 1, other: [] });
      const used = [...a.events, ...b.events].filter((e) => e.type === 'recovery.used');
      expect(used).toHaveLength(1);
      expect(await a.recovery.remaining('u-bob')).toBe(9);
      await a.store.delete(...Object.keys(await (a.store as RedisStore).dump()));
    } finally {
      await Promise.all(servers.map(close));
    }
  });
});
