// Attack: a real-time phishing proxy (or a malicious insider with two browser tabs) fires the
// same TOTP code many times at once, at two app instances, hoping two requests pass the
// "already used?" check before either records the use. Exactly one may win.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCredentialStore } from '../../lib/stores/credentials/memory.js';
import { RedisStore } from '../../lib/stores/redis.js';
import { client } from '../helpers/app.js';
import { fakeClock } from '../helpers/clock.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import { codeAt, enrolledClient, makeTotpApp } from '../helpers/totp-app.js';
import { randomUUID } from 'node:crypto';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

async function race(instances: ReturnType<typeof makeTotpApp>[], secret: string, now: number) {
  const clients = [];
  for (let i = 0; i < 50; i++) {
    const inst = instances[i % instances.length];
    if (!inst) throw new Error('no instance');
    const c = await client(inst.app);
    const login = await c.login('alice', 'alice-password-1');
    expect(login.body.status).toBe('mfa_required');
    clients.push(c);
  }
  const code = await codeAt(secret, now);
  const results = await Promise.all(clients.map((c) => c.verify(code, 'totp')));
  return results.map((r) => r.status);
}

describe('50 parallel submissions of one TOTP code', () => {
  it('on the memory store: exactly one success', async () => {
    const inst = makeTotpApp();
    const { secret } = await enrolledClient(inst.app, inst.clock.now);
    inst.clock.advance(60_000);
    const statuses = await race([inst], secret, inst.clock.now());
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    // The losers are refused: invalid_code, or too_many_attempts once the shared counter locks.
    expect(statuses.filter((s) => s === 401 || s === 429)).toHaveLength(49);
  });

  it('split across two app instances on one Redis: exactly one success', async () => {
    const prefix = `race-${randomUUID()}:`;
    const clock = fakeClock();
    const store = new RedisStore({ client: redis.client(), prefix });
    // One database of enrolled factors behind both instances, as in production.
    const credentials = new MemoryCredentialStore();
    const a = makeTotpApp({ stepup: { store, credentials, now: clock.now } });
    const b = makeTotpApp({ stepup: { store, credentials, now: clock.now } });
    const { secret } = await enrolledClient(a.app, clock.now);
    clock.advance(60_000);
    const statuses = await race([a, b], secret, clock.now());
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    // The losers are refused: invalid_code, or too_many_attempts once the shared counter locks.
    expect(statuses.filter((s) => s === 401 || s === 429)).toHaveLength(49);
  });
});
