// Attack: with several app instances behind a load balancer, a cookie revoked on one instance
// (by the user, or by a credential change) is replayed against another instance that still
// believes it; or one cookie is raced through two instances at once to get two sessions.
// All instances share one Redis, so all of them must refuse.
import { hostOf } from '../../lib/core/context.js';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../lib/stores/redis.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import {
  browser,
  del,
  listed,
  loginWith,
  makeRememberApp,
  rbCookie,
  rejections,
  rememberMe,
  setRbCookie,
} from '../helpers/remember.js';

let server: RedisServer;
const clients: Redis[] = [];

beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server.stop();
});

/** Two app instances, each with its own Redis connection, on one Redis and one secret. */
function twoInstances() {
  const prefix = `rb-test:${randomUUID()}:`;
  const make = () => {
    const client = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    clients.push(client);
    const store = new RedisStore({ client, prefix });
    return { ...makeRememberApp({ stepup: { store } }), store };
  };
  return { a: make(), b: make() };
}

describe('remembered browsers on two instances sharing Redis', () => {
  it('a cookie issued by A is honoured by B, and B lists it', async () => {
    const { a, b } = twoInstances();
    const c = await browser(a.app);
    await rememberMe(c);
    const onB = await browser(b.app);
    setRbCookie(onB, rbCookie(c) ?? '');
    expect((await onB.login('alice', 'alice-password-1')).body.amr).toEqual(['pwd', 'rb']);
    expect(await listed(onB)).toEqual([
      expect.objectContaining({ label: 'Chrome on Linux', current: true }),
    ]);
  });

  it('revoked on A (one browser): refused on B', async () => {
    const { a, b } = twoInstances();
    const c = await browser(a.app);
    await rememberMe(c);
    const cookie = rbCookie(c) ?? '';
    const [entry] = await listed(c);
    expect((await del(c, `/auth/mfa/browsers/${entry?.id ?? ''}`)).status).toBe(204);
    expect((await loginWith(b.app, cookie)).body.status).toBe('mfa_required');
  });

  it('revoked on B (all browsers): refused on A', async () => {
    const { a, b } = twoInstances();
    const c = await browser(a.app);
    await rememberMe(c);
    const cookie = rbCookie(c) ?? '';
    const other = await browser(b.app);
    await rememberMe(other);
    expect((await del(other, '/auth/mfa/browsers')).status).toBe(204);
    expect((await loginWith(a.app, cookie)).body.status).toBe('mfa_required');
  });

  it('credentials changed on A: refused on B without touching the records', async () => {
    const { a, b } = twoInstances();
    const c = await browser(a.app);
    await rememberMe(c);
    const cookie = rbCookie(c) ?? '';
    await hostOf(a.stepup).context.credentialsChanged(undefined, 'u-alice', 'password_changed');
    expect((await loginWith(b.app, cookie)).body.status).toBe('mfa_required');
    expect(rejections(b.events)).toEqual(['revoked']);
  });

  it('one cookie raced through both instances: exactly one login is vouched for', async () => {
    const { a, b } = twoInstances();
    const c = await browser(a.app);
    await rememberMe(c);
    const cookie = rbCookie(c) ?? '';
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => loginWith(i % 2 === 0 ? a.app : b.app, cookie)),
    );
    expect(answers.filter((r) => r.body.status === 'authenticated')).toHaveLength(1);
    expect(answers.filter((r) => r.body.status === 'mfa_required')).toHaveLength(19);
  });

  it('Redis holds the record under the user hash tag, with a TTL, and no token', async () => {
    const { a } = twoInstances();
    const c = await browser(a.app);
    await rememberMe(c);
    const [id = '', token = ''] = (rbCookie(c) ?? '').split('.');
    const dump = await a.store.dump();
    expect(Object.keys(dump).sort()).toEqual(
      expect.arrayContaining(['{u-alice}:rb-index', `{u-alice}:rb:${id}`]),
    );
    expect(JSON.stringify(dump)).not.toContain(token);
    const ttl = await a.store.ttl(`{u-alice}:rb:${id}`);
    expect(ttl).toBeGreaterThan(30 * 24 * 3600 * 1000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(30 * 24 * 3600 * 1000);
  });
});
