// Attack: online guessing of a second factor where it is not typed into the verify step: the
// code that confirms a new email address, and a TOTP code appended to the password field. Both
// must count each failure on the per-account lockout, emit it, and lock the account at 10.
import { describe, expect, it } from 'vitest';
import type { StepupEvent } from '../../lib/index.js';
import { totp } from '../../strategies/totp.js';
import { client, makeApp } from '../helpers/app.js';
import { fakeClock } from '../helpers/clock.js';
import { codeIn, makeOtpApp } from '../helpers/otp-app.js';
import { hashedDirectory } from '../helpers/password-users.js';
import { codeAt, KEYS } from '../helpers/totp-app.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

const STEP = 30_000;
const LOCK_MS = 900_000;

/** Six-digit strings, none equal to any of `avoid`. */
function wrongCodes(avoid: readonly string[]): string[] {
  const out: string[] = [];
  for (let n = 0; out.length < 10; n++) {
    const code = String(n * 7919).padStart(6, '0');
    if (!avoid.includes(code)) out.push(code);
  }
  return out;
}

/**
 * Ten wrong attempts, each answered 401 `error` and emitting exactly one `mfa.failed` about
 * this user and factor; the tenth locks the account (one `mfa.locked`).
 */
async function tenFailures(
  events: readonly StepupEvent[],
  expected: { userId: string; factor: string; error: string },
  attempt: (i: number) => Promise<Answer>,
): Promise<void> {
  const { userId, factor, error } = expected;
  const failed = () => events.filter((e) => e.type === 'mfa.failed');
  for (let i = 0; i < 10; i++) {
    const before = failed().length;
    const res = await attempt(i);
    expect(res.status, `attempt ${i + 1}`).toBe(401);
    expect(res.body.error, `attempt ${i + 1}`).toBe(error);
    expect(failed().length - before, `mfa.failed events of attempt ${i + 1}`).toBe(1);
    expect(failed().at(-1)).toMatchObject({ userId, factor });
  }
  expect(events.filter((e) => e.type === 'mfa.locked')).toEqual([
    expect.objectContaining({ userId, factor, lockSeconds: 900 }),
  ]);
}

/** 429 `too_many_attempts` with a numeric `retryAfter`. */
function expectTooMany(res: Answer): void {
  expect(res.status).toBe(429);
  expect(res.body).toMatchObject({ error: 'too_many_attempts', retryAfter: expect.any(Number) });
  expect(res.body.retryAfter).toBeGreaterThan(0);
  expect(res.body.retryAfter).toBeLessThanOrEqual(900);
}

describe('10 wrong codes lock the account, at every entry point', () => {
  it('POST /auth/mfa/email/confirm (confirming a new address)', async () => {
    const BOB = 'bob@example.test';
    const built = makeOtpApp();
    const { clock, events, outbox } = built;
    const c = await client(built.app);
    expect((await c.login('bob', 'bob-password-1')).body.status).toBe('authenticated');
    const enrol = async () => {
      expect((await c.post('/auth/mfa/email/enroll', { email: BOB })).status).toBe(202);
      return codeIn(outbox.last(BOB)?.text);
    };
    // A code allows 5 tries (a 6th is `code_expired`, not counted): spread the 10 failures
    // over three enrolment codes, 60 s apart (the resend cooldown).
    let code = await enrol();
    await tenFailures(
      events,
      { userId: 'u-bob', factor: 'email-otp', error: 'invalid_code' },
      async (i) => {
        if (i === 4 || i === 8) {
          clock.advance(61_000);
          code = await enrol();
        }
        return c.post('/auth/mfa/email/confirm', { code: wrongCodes([code])[i] });
      },
    );

    // The live code (2 of its 5 tries used) is right, and refused while locked.
    const right = await c.post('/auth/mfa/email/confirm', { code });
    expectTooMany(right);
    expect(events.filter((e) => e.type === 'mfa.failed')).toHaveLength(10);
    expect(events.filter((e) => e.type === 'email_otp.enabled')).toEqual([]);
    expect(await built.stepup.factors.get('email-otp')?.isEnrolled('u-bob')).toBe(false);
    // After the lock a new code confirms the address.
    clock.advance(LOCK_MS + 1_000);
    const ok = await c.post('/auth/mfa/email/confirm', { code: await enrol() });
    expect(ok.status).toBe(200);
    expect(ok.body.enabled).toBe(true);
  });

  it('POST /auth/login with a TOTP code appended to the password (appendedTotp)', async () => {
    const dir = await hashedDirectory();
    const clock = fakeClock();
    const { app, events } = makeApp({
      password: { findUser: dir.findUser, appendedTotp: true },
      enrolled: [],
      trustProxy: true,
      stepup: { now: clock.now, pendingTtlSeconds: 3600 },
      extraFactors: [totp({ issuer: 'Acme', encryptionKeys: KEYS })],
    });
    const enrolling = await client(app);
    await enrolling.login('bob', 'bob-password-1');
    const secret = (await enrolling.post('/auth/mfa/totp/enroll')).body.secret as string;
    await enrolling.post('/auth/mfa/totp/confirm', { code: await codeAt(secret, clock.now()) });
    clock.advance(2 * STEP); // the right code below is of an unused step
    /** A new client (one login each, as a CLI would) from `ip`. */
    const from = async (ip: string) => {
      const c = await client(app);
      c.agent.set('X-Forwarded-For', ip);
      return c;
    };
    const window = await Promise.all([-STEP, 0, STEP].map((d) => codeAt(secret, clock.now() + d)));
    const wrong = wrongCodes(window);
    await tenFailures(
      events,
      { userId: 'u-bob', factor: 'totp', error: 'invalid_credentials' },
      async (i) => (await from('203.0.113.10')).login('bob', `bob-password-1${wrong[i] ?? ''}`),
    );
    const right = `bob-password-1${await codeAt(secret, clock.now())}`;

    // The 11th attempt, right password and right code, from the same address: 429 (the password
    // throttle answers first here: each wrong code also counted as a failed login from there).
    expectTooMany(await (await from('203.0.113.10')).login('bob', right));
    // The account itself is locked, not only that address (the password throttle counts per
    // username+IP): from elsewhere the verify step refuses the right code with 429, ...
    const elsewhere = await from('198.51.100.7');
    expect((await elsewhere.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');
    expectTooMany(await elsewhere.verify(await codeAt(secret, clock.now()), 'totp'));
    // ... and the one-field login answers like a wrong code (no hint that the password was right).
    const oneField = await (await from('192.0.2.55')).login('bob', right);
    expect(oneField.status).toBe(401);
    expect(oneField.body.error).toBe('invalid_credentials');
    expect(events.filter((e) => e.type === 'mfa.failed')).toHaveLength(10);
    expect(events.filter((e) => e.type === 'login.satisfied')).toEqual([]); // none signed in

    // After the lock, right password + right code sign in (from another address: the password
    // throttle runs on the real clock, not on the injected one).
    clock.advance(LOCK_MS + 1_000);
    const later = `bob-password-1${await codeAt(secret, clock.now())}`;
    const ok = await (await from('192.0.2.99')).login('bob', later);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'authenticated', amr: ['pwd', 'otp', 'mfa'] });
  });
});
