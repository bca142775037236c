// Attack: malformed bodies (missing fields, wrong types, arrays, 10 kB strings, prototype keys,
// lone surrogates) against forgot/reset, hoping for a 500 or a bypass; and a store outage during
// a reset, hoping the app fails open or half-way. Every one is a 4xx, the outage a 503 with
// nothing changed (docs/architecture.md, invariants 8, 9 and 21).
import { describe, expect, it } from 'vitest';
import { client } from '../helpers/app.js';
import {
  forgot,
  makeResetApp,
  NEW_PASSWORD,
  reset,
  switchableStore,
} from '../helpers/reset-app.js';
import { fakeClock } from '../helpers/clock.js';

const BIG = 'x'.repeat(10 * 1024);

describe('bad input', () => {
  it('answers 4xx, never 500, to malformed forgot and reset bodies', async () => {
    const app = await makeResetApp();
    const { token } = await forgot(app, 'alice', 'alice@example.test');
    const c = await client(app.app);
    const forgotBodies: unknown[] = [
      {},
      { username: '' },
      { username: 42 },
      { username: ['alice'] },
      { username: { $ne: null } },
      { username: BIG },
      { username: '\ud800' },
      JSON.parse('{"__proto__": {"username": "alice"}}'),
    ];
    for (const body of forgotBodies) {
      const res = await c.post('/auth/password/forgot', body as object);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    }
    const resetBodies: unknown[] = [
      {},
      { token },
      { newPassword: NEW_PASSWORD },
      { token: BIG, newPassword: NEW_PASSWORD },
      { token: 7, newPassword: NEW_PASSWORD },
      { token: [token], newPassword: NEW_PASSWORD },
      { token, newPassword: 12345678901 },
      { token, newPassword: [NEW_PASSWORD] },
      { token, newPassword: BIG },
      { token, newPassword: NEW_PASSWORD, code: { a: 1 } },
      { token, newPassword: NEW_PASSWORD, factor: 3, code: '123456' },
      { token, newPassword: NEW_PASSWORD, response: 'nope' },
      { token: `${token}\ud800`, newPassword: NEW_PASSWORD },
      { token: 'short', newPassword: NEW_PASSWORD },
    ];
    for (const body of resetBodies) {
      const res = await c.post('/auth/password/reset', body as object);
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.status, JSON.stringify(body)).toBeLessThan(500);
    }
    // None of them used the token up.
    expect((await reset(app, { token, newPassword: NEW_PASSWORD })).status).toBe(200);
  });

  it('needs the CSRF token, like every POST of the router', async () => {
    const app = await makeResetApp();
    const { token } = await forgot(app, 'alice', 'alice@example.test');
    const c = await client(app.app);
    const res = await c.agent
      .post('/auth/password/reset')
      .send({ token, newPassword: NEW_PASSWORD });
    expect(res.status).toBe(403);
    expect(res.body.error).toBe('csrf_invalid');
    expect((await c.agent.post('/auth/password/forgot').send({ username: 'alice' })).status).toBe(
      403,
    );
  });
});

describe('store outage', () => {
  it('answers 503 to forgot and reset with nothing changed, and works once the store is back', async () => {
    const clock = fakeClock();
    const { store, state } = switchableStore(clock.now);
    const app = await makeResetApp({ store });
    const { token } = await forgot(app, 'alice', 'alice@example.test');
    const c = await client(app.app);
    const hashBefore = app.directory.records.get('alice')?.passwordHash;
    state.down = true;
    const f = await c.post('/auth/password/forgot', { username: 'alice' });
    expect(f.status).toBe(503);
    expect(f.body.error).toBe('service_unavailable');
    const r = await c.post('/auth/password/reset', { token, newPassword: NEW_PASSWORD });
    expect(r.status).toBe(503);
    expect(app.directory.records.get('alice')?.passwordHash).toBe(hashBefore);
    state.down = false;
    expect((await reset(app, { token, newPassword: NEW_PASSWORD })).status).toBe(200);
    expect(app.directory.records.get('alice')?.passwordHash).not.toBe(hashBefore);
  });
});
