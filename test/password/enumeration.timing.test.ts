// Attack: username enumeration. The attacker tells real accounts from unknown ones (or
// locked ones) by the status, the body or the time of POST /auth/login. All three answer the
// same 401 invalid_credentials, and the median times over 50 samples stay within 30%.
import { describe, expect, it } from 'vitest';
import { client, makeApp } from '../helpers/app.js';
import { hashedDirectory } from '../helpers/password-users.js';
import { median } from '../helpers/median.js';

describe('login enumeration through the router', () => {
  it('unknown user, wrong password and locked account: same status, same body, timing within 30%', async () => {
    const dir = await hashedDirectory({ locked: ['bob'] });
    // Throttling off so that 150 failures from one IP measure the password path, not the limiter.
    const { app } = makeApp({ password: { findUser: dir.findUser, throttle: false } });
    const c = await client(app);
    const cases = {
      unknown: { username: 'nobody-here', password: 'some-password-1' },
      wrong: { username: 'alice', password: 'not-alices-password' },
      locked: { username: 'bob', password: 'bob-password-1' },
    } as const;
    const times: Record<keyof typeof cases, number[]> = { unknown: [], wrong: [], locked: [] };
    const bodies = new Set<string>();
    // Warm-up: the dummy hash is made lazily on the first unknown user.
    for (const body of Object.values(cases)) await c.post('/auth/login', body);
    for (let i = 0; i < 50; i++) {
      // Interleaved, so that machine load affects every case alike.
      for (const [name, body] of Object.entries(cases) as [
        keyof typeof cases,
        (typeof cases)[keyof typeof cases],
      ][]) {
        const started = performance.now();
        const res = await c.post('/auth/login', body);
        times[name].push(performance.now() - started);
        expect(res.status).toBe(401);
        bodies.add(JSON.stringify(res.body));
      }
    }
    expect([...bodies]).toEqual([
      JSON.stringify({
        error: 'invalid_credentials',
        message: 'The username or password is incorrect.',
      }),
    ]);
    const m = {
      unknown: median(times.unknown),
      wrong: median(times.wrong),
      locked: median(times.locked),
    };
    const lo = Math.min(m.unknown, m.wrong, m.locked);
    const hi = Math.max(m.unknown, m.wrong, m.locked);
    expect(hi / lo, JSON.stringify(m)).toBeLessThan(1.3);
  });
});
