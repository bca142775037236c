// Attack: online guessing of TOTP codes through an entry point other than the login's verify
// step (enrolment confirm, disable, the inline code of recovery-code regeneration), hoping it
// skips the per-account lockout. Every one must count each failure, emit it, and lock at 10.
import { describe, expect, it } from 'vitest';
import type { StepupEvent } from '../../lib/index.js';
import { recoveryCodes } from '../../strategies/recovery-code.js';
import { client } from '../helpers/app.js';
import { TEST_HMAC_KEY } from '../helpers/recovery-app.js';
import { codeAt, enrolledClient, makeTotpApp } from '../helpers/totp-app.js';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

const STEP = 30_000;
const LOCK_MS = 900_000;

/** Ten 6-digit codes that `secret` does not accept at `now` (the ±1 step window excluded). */
async function wrongCodes(secret: string, now: number): Promise<string[]> {
  const valid = new Set(await Promise.all([-STEP, 0, STEP].map((d) => codeAt(secret, now + d))));
  const out: string[] = [];
  for (let n = 0; out.length < 10; n++) {
    const code = String(n * 7919).padStart(6, '0');
    if (!valid.has(code)) out.push(code);
  }
  return out;
}

/**
 * Ten wrong attempts, each answered 401 `invalid_code` and emitting exactly one `mfa.failed`
 * about this user and factor; the tenth locks the account (one `mfa.locked`).
 */
async function tenFailures(
  events: readonly StepupEvent[],
  userId: string,
  attempt: (i: number) => Promise<Answer>,
): Promise<void> {
  const failed = () => events.filter((e) => e.type === 'mfa.failed');
  for (let i = 0; i < 10; i++) {
    const before = failed().length;
    const res = await attempt(i);
    expect(res.status, `attempt ${i + 1}`).toBe(401);
    expect(res.body.error, `attempt ${i + 1}`).toBe('invalid_code');
    expect(failed().length - before, `mfa.failed events of attempt ${i + 1}`).toBe(1);
    expect(failed().at(-1)).toMatchObject({ userId, factor: 'totp' });
  }
  expect(events.filter((e) => e.type === 'mfa.locked')).toEqual([
    expect.objectContaining({ userId, factor: 'totp', lockSeconds: 900 }),
  ]);
}

/** 429 `too_many_attempts` with a numeric `retryAfter`, and no new `mfa.failed`. */
function expectLocked(res: Answer, events: readonly StepupEvent[]): void {
  expect(res.status).toBe(429);
  expect(res.body).toMatchObject({ error: 'too_many_attempts', retryAfter: expect.any(Number) });
  expect(res.body.retryAfter).toBeGreaterThan(0);
  expect(res.body.retryAfter).toBeLessThanOrEqual(900);
  expect(events.filter((e) => e.type === 'mfa.failed')).toHaveLength(10);
}

describe('10 wrong TOTP codes lock the account, at every entry point', () => {
  it('POST /auth/mfa/verify {factor:"totp"}', async () => {
    const { app, clock, events } = makeTotpApp({ stepup: { pendingTtlSeconds: 3600 } });
    const { secret } = await enrolledClient(app, clock.now);
    clock.advance(STEP); // the enrolment used the current step: the right code is a fresh one
    const c = await client(app);
    expect((await c.login('alice', 'alice-password-1')).body.factors).toEqual(['totp']);
    const wrong = await wrongCodes(secret, clock.now());
    await tenFailures(events, 'u-alice', (i) => c.verify(wrong[i] ?? '', 'totp'));

    expectLocked(await c.verify(await codeAt(secret, clock.now()), 'totp'), events);
    expect((await c.get('/auth/session')).body.status).toBe('pending');
    clock.advance(LOCK_MS + 1_000);
    const ok = await c.verify(await codeAt(secret, clock.now()), 'totp');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'authenticated', amr: ['pwd', 'otp', 'mfa'] });
  });

  it('POST /auth/mfa/totp/confirm (a wrong code while confirming an enrolment)', async () => {
    const { app, clock, events, stepup } = makeTotpApp();
    const c = await client(app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('authenticated');
    const secret = (await c.post('/auth/mfa/totp/enroll')).body.secret as string;
    const wrong = await wrongCodes(secret, clock.now());
    await tenFailures(events, 'u-alice', (i) =>
      c.post('/auth/mfa/totp/confirm', { code: wrong[i] }),
    );

    const right = await c.post('/auth/mfa/totp/confirm', {
      code: await codeAt(secret, clock.now()),
    });
    expectLocked(right, events);
    expect(await stepup.factors.get('totp')?.isEnrolled('u-alice')).toBe(false);
    expect(events.filter((e) => e.type === 'totp.enabled')).toEqual([]);
    // After the lock (the pending enrolment has expired with it), a new enrolment confirms.
    clock.advance(LOCK_MS + 1_000);
    const again = (await c.post('/auth/mfa/totp/enroll')).body.secret as string;
    const ok = await c.post('/auth/mfa/totp/confirm', { code: await codeAt(again, clock.now()) });
    expect(ok.status).toBe(200);
    expect(ok.body.enabled).toBe(true);
  });

  it('POST /auth/mfa/totp/disable (fresh session, wrong code)', async () => {
    const { app, clock, events, stepup } = makeTotpApp();
    const { c, secret } = await enrolledClient(app, clock.now);
    clock.advance(STEP); // still fresh (5 minutes), and the right code is not a replay
    const wrong = await wrongCodes(secret, clock.now());
    await tenFailures(events, 'u-alice', (i) =>
      c.post('/auth/mfa/totp/disable', { code: wrong[i] }),
    );

    const right = await c.post('/auth/mfa/totp/disable', {
      code: await codeAt(secret, clock.now()),
    });
    expectLocked(right, events);
    expect(await stepup.factors.get('totp')?.isEnrolled('u-alice')).toBe(true);
    expect(events.filter((e) => e.type === 'totp.disabled')).toEqual([]);
    // After the lock: step up again (the session went stale meanwhile), then disable works.
    clock.advance(LOCK_MS + 1_000);
    expect((await c.verify(await codeAt(secret, clock.now()), 'totp')).status).toBe(200);
    clock.advance(STEP);
    const ok = await c.post('/auth/mfa/totp/disable', { code: await codeAt(secret, clock.now()) });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ enabled: false });
  });

  it('POST /auth/mfa/recovery-codes/regenerate {code} (stale session, inline TOTP code)', async () => {
    const { app, clock, events } = makeTotpApp({
      extraFactors: [recoveryCodes({ hmacKey: TEST_HMAC_KEY })],
    });
    const { c, secret, confirm } = await enrolledClient(app, clock.now);
    expect(confirm.body.recoveryCodes).toHaveLength(10);
    clock.advance(301_000); // stale: only the inline code can authorise a new set
    const stale = await c.post('/auth/mfa/recovery-codes/regenerate');
    expect(stale.body).toMatchObject({ error: 'mfa_required', reason: 'stale' });
    const wrong = await wrongCodes(secret, clock.now());
    await tenFailures(events, 'u-alice', (i) =>
      c.post('/auth/mfa/recovery-codes/regenerate', { code: wrong[i] }),
    );

    const right = await c.post('/auth/mfa/recovery-codes/regenerate', {
      code: await codeAt(secret, clock.now()),
    });
    expectLocked(right, events);
    expect(right.body).not.toHaveProperty('recoveryCodes');
    expect(events.filter((e) => e.type === 'recovery.regenerated')).toHaveLength(1); // at confirm
    clock.advance(LOCK_MS + 1_000);
    const ok = await c.post('/auth/mfa/recovery-codes/regenerate', {
      code: await codeAt(secret, clock.now()),
    });
    expect(ok.status).toBe(200);
    expect(ok.body.recoveryCodes).toHaveLength(10);
  });
});
