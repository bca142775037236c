// Attack: a captured passkey assertion is replayed against two app instances behind a load
// balancer at once, hoping each instance finds the challenge before the other deletes it. The
// challenges live in the shared MFA store (Redis) and are taken atomically (GETDEL): whichever
// instance serves the options, any instance may verify them, and exactly once.
import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { MemoryStore as SessionMemoryStore } from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCredentialStore } from '../../lib/stores/credentials/memory.js';
import { RedisStore } from '../../lib/stores/redis.js';
import { client } from '../helpers/app.js';
import { makePasskeyApp, passkeyLogin, register } from '../helpers/passkey-app.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

/** Two instances on one Redis and one session store, requests dealt out in turn. */
function twoInstances() {
  const prefix = `pk-${randomUUID()}:`;
  const sessionStore = new SessionMemoryStore();
  // One database of enrolments for both, as in production.
  const credentials = new MemoryCredentialStore();
  const make = () =>
    makePasskeyApp({
      sessionStore,
      stepup: { store: new RedisStore({ client: redis.client(), prefix }), credentials },
    });
  const a = make();
  const b = make();
  let n = 0;
  const balancer: RequestListener = (req, res) => {
    (n++ % 2 === 0 ? a.app : b.app)(req, res);
  };
  return { a, b, balancer };
}

describe('passkey challenges on Redis, across two instances', () => {
  it('options on one instance, verify on the other; the same assertion 6 times at once wins once', async () => {
    const { balancer } = twoInstances();
    const auth = new SoftAuthenticator(undefined, { step: 0, flags: { be: true, bs: true } });
    const c = await client(balancer);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('authenticated');
    expect((await register(c, auth)).status).toBe(200);
    const pending = await client(balancer);
    expect((await pending.login('alice', 'alice-password-1')).body.factors).toContain('passkey');
    const options = await pending.post('/auth/mfa/passkeys/authenticate/options');
    const response = auth.get(options.body);
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        pending.post('/auth/mfa/verify', { factor: 'passkey', response }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.every((r) => r.status < 500)).toBe(true);
  });

  it('passwordless sign-in through the balancer', async () => {
    const { balancer } = twoInstances();
    const auth = new SoftAuthenticator();
    const c = await client(balancer);
    await c.login('alice', 'alice-password-1');
    expect((await register(c, auth)).status).toBe(200);
    const fresh = await client(balancer);
    const res = await passkeyLogin(fresh, auth);
    expect(res.status).toBe(200);
    expect(res.body.amr).toEqual(['hwk', 'user', 'mfa']);
  });
});
