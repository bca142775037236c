// Attack: account enumeration through "forgot password". The attacker tells real accounts from
// unknown ones, from accounts without an address or from locked ones by the status, the body, the
// headers or the time of POST /auth/password/forgot. All answer the same 202, and the median
// times over 50 interleaved samples stay within 30% (OWASP ASVS 5.0 V6.3.8).
import { describe, expect, it } from 'vitest';
import { client } from '../helpers/app.js';
import { makeResetApp, switchableStore } from '../helpers/reset-app.js';
import { passwordResetOf } from '../../lib/password-reset/service.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** The headers of an answer that may differ between two identical answers. */
function comparable(headers: Record<string, string>): Record<string, string> {
  const { date: _date, ...rest } = headers;
  return rest;
}

describe('forgot-password enumeration', () => {
  it('unknown, no address, locked and real accounts: same status, body, headers; timing within 30%', async () => {
    // Limits high, so that 50 requests for one account measure the sending path, not the limiter.
    // A store with a round trip of 3 ms and a mailer that takes 20 ms, as in production: work
    // done for some accounts only, before the answer, shows in the medians.
    const { store, state } = switchableStore(Date.now);
    const app = await makeResetApp({
      store,
      mailDelayMs: 20,
      reset: { perAccountPerHour: 1000, perIpPerHour: 100000 },
    });
    state.delayMs = 3;
    const c = await client(app.app);
    const cases = {
      unknown: 'nobody-here',
      noAddress: 'dora',
      locked: 'carol',
      real: 'alice',
    } as const;
    type Name = keyof typeof cases;
    const times: Record<Name, number[]> = { unknown: [], noAddress: [], locked: [], real: [] };
    const answers = new Set<string>();
    for (const username of Object.values(cases))
      await c.post('/auth/password/forgot', { username });
    for (let i = 0; i < 50; i++) {
      // Interleaved, so that machine load affects every case alike.
      for (const [name, username] of Object.entries(cases) as [Name, string][]) {
        const started = performance.now();
        const res = await c.post('/auth/password/forgot', { username });
        times[name].push(performance.now() - started);
        answers.add(
          JSON.stringify({
            status: res.status,
            body: res.body as unknown,
            headers: comparable(res.headers as Record<string, string>),
          }),
        );
      }
    }
    await passwordResetOf(app.stepup).idle();
    expect(answers.size, [...answers].join('\n')).toBe(1);
    expect(JSON.parse([...answers][0] ?? '{}')).toMatchObject({
      status: 202,
      body: { status: 'reset_requested' },
    });
    // Only the real account got mail.
    expect(new Set(app.outbox.messages().map((m) => m.to))).toEqual(
      new Set(['alice@example.test']),
    );
    const m = Object.fromEntries(
      (Object.keys(times) as Name[]).map((k) => [k, median(times[k])]),
    ) as Record<Name, number>;
    const lo = Math.min(...Object.values(m));
    const hi = Math.max(...Object.values(m));
    expect(hi / lo, JSON.stringify(m)).toBeLessThan(1.3);
  });

  it('answers the same when the account or the IP is over its limit, and stops sending', async () => {
    const app = await makeResetApp({ reset: { perIpPerHour: 2 } });
    const c = await client(app.app);
    const bodies = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const res = await c.post('/auth/password/forgot', { username: i % 2 ? 'bob' : 'alice' });
      expect(res.status).toBe(202);
      bodies.add(JSON.stringify(res.body));
    }
    await passwordResetOf(app.stepup).idle();
    expect(bodies.size).toBe(1);
    expect(app.outbox.messages()).toHaveLength(2);
  });
});
