/**
 * Found by the model test (two instances, Redis flushed): login bob in browser 1 (pending) →
 * bob signs in and changes his password in browser 0 → FLUSHALL → a good TOTP code in browser 1
 * was `200 authenticated` and opened `/vault`. The login epochs live in the MfaStore, and a
 * missing key read as 0, the epoch the voided login had recorded: the flush revived it.
 *
 * Now a pending login or a reset link always records an epoch the MfaStore holds (started at a
 * random value when missing), and a missing epoch at the second factor voids the login (fail
 * closed: it cannot be told from one a password change voided). The user signs in again; a new
 * login after the flush completes as usual (docs/architecture.md, invariant 16).
 */
import session from 'express-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../lib/stores/redis.js';
import { makeBypassApp } from '../helpers/bypass-app.js';
import { bypassClient } from '../helpers/bypass-client.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis({ owned: true });
});
afterAll(async () => {
  await redis.stop();
});

/**
 * A session store that cannot list its sessions, as many cannot: a password change then cannot
 * end the pending login by scanning, and only the login epoch voids it.
 */
function unlistable(): session.Store {
  const store = new session.MemoryStore();
  Object.defineProperty(store, 'all', { value: undefined });
  return store;
}

async function bobOnRedis(prefix: string) {
  const built = await makeBypassApp({
    sessionStore: unlistable(),
    stepup: { store: new RedisStore({ url: redis.url, prefix }) },
  });
  const thief = await bypassClient(built.app);
  expect((await thief.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');
  return { built, thief };
}

describe('pending login, password change, Redis flushed, good code', () => {
  it('the login a password change voided stays void after FLUSHALL', async () => {
    const { built, thief } = await bobOnRedis('flush-1:');
    const victim = await bypassClient(built.app);
    await victim.login('bob', 'bob-password-1');
    expect((await victim.verify(await built.codeFor('u-bob'))).status).toBe(200);
    const changed = await victim.post('/app/change-password', {
      newPassword: 'a much better one 2026',
    });
    expect(changed.status).toBe(200);

    await redis.client().flushall();
    built.clock.advance(30_000);
    await thief.refreshCsrf();
    const res = await thief.verify(await built.codeFor('u-bob'));
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('mfa_session_expired');
    for (const path of ['/me', '/reports', '/billing'])
      expect((await thief.get(path)).status, path).toBe(401);
  });

  it('a login pending at the flush signs in again; a new one completes', async () => {
    const { built, thief } = await bobOnRedis('flush-2:');
    await redis.client().flushall();
    const lost = await thief.verify(await built.codeFor('u-bob'));
    expect(lost.status).toBe(401);
    expect(lost.body.error).toBe('mfa_session_expired');

    const again = await bypassClient(built.app);
    expect((await again.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');
    built.clock.advance(30_000);
    expect((await again.verify(await built.codeFor('u-bob'))).status).toBe(200);
    expect((await again.get('/reports')).status).toBe(200);
  });
});
