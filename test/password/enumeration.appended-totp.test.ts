// Attack: user enumeration through the time of a password field that ends in six digits, with
// appendedTotp on (CLI sign-in with the TOTP code appended to the password). If only accounts
// with TOTP tried the field without its last six characters first, a wrong password would cost
// them two hash verifications and an unknown user one: anyone, without any password, would
// learn who exists and who has TOTP. Every account costs two verifications
// (docs/architecture.md, invariant 6): the medians of 50 interleaved samples stay within 30%.
import { describe, expect, it } from 'vitest';
import { totp } from '../../strategies/totp.js';
import { client, makeApp } from '../helpers/app.js';
import { fakeClock } from '../helpers/clock.js';
import { hashedDirectory } from '../helpers/password-users.js';
import { median } from '../helpers/median.js';
import { codeAt, KEYS } from '../helpers/totp-app.js';

describe('appendedTotp: a six-digit suffix costs the same for every account', () => {
  it('unknown user, user without TOTP, user with TOTP: same answer, timing within 30%', async () => {
    const dir = await hashedDirectory();
    const clock = fakeClock();
    const { app } = makeApp({
      password: { findUser: dir.findUser, appendedTotp: true, throttle: false },
      enrolled: [],
      stepup: { now: clock.now },
      extraFactors: [totp({ issuer: 'Acme', encryptionKeys: KEYS })],
    });
    const enrolling = await client(app);
    expect((await enrolling.login('bob', 'bob-password-1')).status).toBe(200);
    const enrolled = await enrolling.post('/auth/mfa/totp/enroll');
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(200);
    const secret = enrolled.body.secret as string;
    const confirmed = await enrolling.post('/auth/mfa/totp/confirm', {
      code: await codeAt(secret, clock.now()),
    });
    expect(confirmed.status).toBe(200);
    const c = await client(app);
    const cases = {
      unknown: { username: 'nobody-here', password: 'wrong-password-1123456' },
      noTotp: { username: 'alice', password: 'wrong-password-1123456' },
      withTotp: { username: 'bob', password: 'wrong-password-1123456' },
    } as const;
    type Name = keyof typeof cases;
    const times: Record<Name, number[]> = { unknown: [], noTotp: [], withTotp: [] };
    const bodies = new Set<string>();
    for (const body of Object.values(cases)) await c.post('/auth/login', body); // warm-up
    for (let i = 0; i < 50; i++) {
      for (const [name, body] of Object.entries(cases) as [Name, (typeof cases)[Name]][]) {
        const started = performance.now();
        const res = await c.post('/auth/login', body);
        times[name].push(performance.now() - started);
        expect(res.status).toBe(401);
        bodies.add(JSON.stringify(res.body));
      }
    }
    expect(bodies.size).toBe(1);
    const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    console.info(`appendedTotp, wrong password + six digits, median ms: ${JSON.stringify(m)}`);
    const values = Object.values(m);
    expect(Math.max(...values) / Math.min(...values), JSON.stringify(m)).toBeLessThan(1.3);
  });
});
