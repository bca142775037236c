// Attack: online guessing of one account's password (brute force), of many accounts from one
// address (spraying), a parallel burst that slips past a read-then-write counter, and a
// lock-out of the real user by someone who does not know the password. NIST SP 800-63B-4 §3.2.2.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { isStepupError } from '../../lib/core/errors.js';
import {
  createPasswordThrottle,
  ipBucket,
  type PasswordThrottle,
} from '../../lib/password/throttle.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

const IP_A = '203.0.113.10';
const IP_B = '198.51.100.7';

async function fail(t: PasswordThrottle, user: string, ip: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    expect(await t.check(user, ip)).toEqual({ allowed: true });
    await t.recordFailure(user, ip);
  }
}

/** The next attempt is refused, with retryAfterSec just under `about` seconds. */
async function expectLocked(
  t: PasswordThrottle,
  user: string,
  ip: string,
  about: number,
): Promise<void> {
  const decision = await t.check(user, ip);
  expect(decision.allowed).toBe(false);
  if (!decision.allowed) {
    expect(decision.retryAfterSec).toBeGreaterThan(about - 5);
    expect(decision.retryAfterSec).toBeLessThanOrEqual(about);
  }
}

describe('password throttle (memory backend)', () => {
  const memory = () => createPasswordThrottle({ backend: { kind: 'memory' } });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('10 failures lock the username+IP pair for about 15 minutes', async () => {
    const t = memory();
    await fail(t, 'alice', IP_A, 10);
    await expectLocked(t, 'alice', IP_A, 900);
  });

  it('does not lock the real user out from another IP, nor other users from this IP', async () => {
    const t = memory();
    await fail(t, 'alice', IP_A, 10);
    await expectLocked(t, 'alice', IP_A, 900);
    expect(await t.check('alice', IP_B)).toEqual({ allowed: true });
    expect(await t.check('bob', IP_A)).toEqual({ allowed: true });
  });

  it('a success resets the username+IP counter', async () => {
    const t = memory();
    await fail(t, 'alice', IP_A, 9);
    expect(await t.check('alice', IP_A)).toEqual({ allowed: true });
    await t.recordSuccess('alice', IP_A);
    await fail(t, 'alice', IP_A, 10); // a fresh budget of 10
    await expectLocked(t, 'alice', IP_A, 900);
  });

  it('the lock lifts after 15 minutes (fake clock)', async () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const t = memory();
    await fail(t, 'alice', IP_A, 10);
    await expectLocked(t, 'alice', IP_A, 900);
    vi.advanceTimersByTime(901_000);
    expect(await t.check('alice', IP_A)).toEqual({ allowed: true });
  });

  it('limits one IP to 100 failures a day across usernames (spraying)', async () => {
    const t = memory();
    for (let i = 0; i < 100; i++) {
      expect(await t.check(`user${i}`, IP_A)).toEqual({ allowed: true });
      await t.recordFailure(`user${i}`, IP_A);
    }
    await expectLocked(t, 'user100', IP_A, 86_400);
    expect(await t.check('user100', IP_B)).toEqual({ allowed: true });
  });

  it('successes and attempts refused on a locked pair do not use up the IP budget', async () => {
    const t = createPasswordThrottle({
      backend: { kind: 'memory' },
      perIp: { points: 12, durationSec: 3600, blockSec: 0 },
    });
    await fail(t, 'alice', IP_A, 10);
    for (let i = 0; i < 5; i++) await expectLocked(t, 'alice', IP_A, 900);
    for (let i = 0; i < 5; i++) {
      expect(await t.check('bob', IP_A)).toEqual({ allowed: true });
      await t.recordSuccess('bob', IP_A);
    }
    await fail(t, 'carol', IP_A, 2); // 10 + 2 failures: the budget of 12 is now spent
    expect((await t.check('dave', IP_A)).allowed).toBe(false);
  });

  it('a parallel burst of 50 attempts gets exactly 10 through', async () => {
    const t = memory();
    const decisions = await Promise.all(Array.from({ length: 50 }, () => t.check('alice', IP_A)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
  });

  it('normalises the username: case, width and surrounding spaces share one counter', async () => {
    const t = memory();
    await fail(t, 'Alice', IP_A, 4);
    await fail(t, ' alice ', IP_A, 3);
    await fail(t, 'ＡＬＩＣＥ', IP_A, 3);
    await expectLocked(t, 'alice', IP_A, 900);
  });

  it('counts IPv6 per /64 and IPv4-mapped IPv6 as IPv4', async () => {
    expect(ipBucket('::ffff:203.0.113.10')).toBe('203.0.113.10');
    expect(ipBucket('::FFFF:cb00:710a')).toBe('203.0.113.10');
    expect(ipBucket('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(ipBucket('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(ipBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(ipBucket('::1')).toBe('0:0:0:0::/64');
    const t = memory();
    await fail(t, 'alice', '2001:db8:1:2::1', 5);
    await fail(t, 'alice', '2001:db8:1:2:dead:beef:0:1', 5);
    await expectLocked(t, 'alice', '2001:db8:1:2::ffff', 900);
    expect(await t.check('alice', '2001:db8:1:3::1')).toEqual({ allowed: true });
    await fail(t, 'bob', '::ffff:192.0.2.1', 10);
    await expectLocked(t, 'bob', '192.0.2.1', 900);
  });

  it('checks its options when created, with a TypeError that says how to fix them', () => {
    const bad = { points: 0, durationSec: 60, blockSec: 0 };
    expect(() => createPasswordThrottle({ backend: { kind: 'memory' }, perUserIp: bad })).toThrow(
      /points >= 1/,
    );
    expect(() => createPasswordThrottle({ backend: { kind: 'nope' } as never })).toThrow(TypeError);
    const noClient = { kind: 'redis' } as never;
    expect(() => createPasswordThrottle({ backend: noClient })).toThrow(/ioredis/);
  });
});

describe('password throttle (Redis backend)', () => {
  let server: RedisServer;
  let clientA: Redis;
  let clientB: Redis;
  let prefix: string;

  const ready = async (client: Redis): Promise<Redis> => {
    if (client.status !== 'ready') await once(client, 'ready');
    return client;
  };

  beforeAll(async () => {
    server = await startRedis();
    clientA = await ready(server.client());
    clientB = await ready(server.client());
  });
  afterAll(async () => {
    await server.stop();
  });

  const throttle = (client: Redis) =>
    createPasswordThrottle({ backend: { kind: 'redis', client, prefix } });

  it('locks the pair after 10 failures and stores only hashed, hash-tagged keys', async () => {
    prefix = `test:${randomUUID()}`;
    const t = throttle(clientA);
    await fail(t, 'alice@example.com', IP_A, 10);
    await expectLocked(t, 'alice@example.com', IP_A, 900);
    expect(await t.check('alice@example.com', IP_B)).toEqual({ allowed: true });
    const keys = await clientA.keys(`${prefix}:*`);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    for (const key of keys) {
      expect(key).toMatch(new RegExp(`^${prefix}:(ui|ip):\\{[A-Za-z0-9_-]{43}\\}$`));
      expect(key).not.toContain('alice');
      expect(key).not.toContain(IP_A);
    }
  });

  it('two app instances on one Redis share the counter, also under a parallel burst', async () => {
    prefix = `test:${randomUUID()}`;
    const a = throttle(clientA);
    const b = throttle(clientB);
    await fail(a, 'bob', IP_A, 5);
    await fail(b, 'bob', IP_A, 5);
    await expectLocked(a, 'bob', IP_A, 900);
    await b.recordSuccess('carol', IP_A);
    const burst = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).check('carol', IP_B)),
    );
    expect(burst.filter((d) => d.allowed)).toHaveLength(10);
  });

  it('fails closed when Redis dies (503), and recovers by itself when it returns', async (ctx) => {
    if (server.external) ctx.skip(); // we do not own an external REDIS_URL server
    prefix = `test:${randomUUID()}`;
    const t = throttle(clientA);
    expect(await t.check('dave', IP_A)).toEqual({ allowed: true });
    await server.kill();
    const started = Date.now();
    const outcome = await t.check('dave', IP_A).then(
      (decision) => ({ decision }),
      (error: unknown) => ({ error }),
    );
    expect('error' in outcome && isStepupError(outcome.error)).toBe(true);
    if ('error' in outcome && isStepupError(outcome.error)) {
      expect(outcome.error.status).toBe(503);
      expect(outcome.error.code).toBe('service_unavailable');
    }
    expect(Date.now() - started).toBeLessThan(3000); // the timeout bounds it even mid-reconnect
    await expect(t.recordSuccess('dave', IP_A)).rejects.toMatchObject({ status: 503 });

    await server.restart();
    await ready(clientA);
    expect(await t.check('dave', IP_A)).toEqual({ allowed: true });
  });

  it('refuses (503) while the client is not connected yet: never a silent allow', async () => {
    prefix = `test:${randomUUID()}`;
    const { Redis: RedisClient } = await import('ioredis');
    const lazy = new RedisClient(server.url, { lazyConnect: true });
    try {
      const t = createPasswordThrottle({ backend: { kind: 'redis', client: lazy, prefix } });
      await expect(t.check('erin', IP_A)).rejects.toMatchObject({ code: 'service_unavailable' });
    } finally {
      lazy.disconnect();
    }
  });
});
