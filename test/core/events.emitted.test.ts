// Attack: an incident goes unnoticed because the audit trail is silent. Each of these decisions
// (a one-factor login, a throttled password, a step-up, a forgotten browser, a removed email
// factor, a password rehash that worked or failed) emits its typed event with who it was about.
import { describe, expect, it } from 'vitest';
import type { StepupEvent } from '../../lib/index.js';
import { client, makeApp, TEST_CODE } from '../helpers/app.js';
import { codeIn, makeOtpApp } from '../helpers/otp-app.js';
import { hashedDirectory } from '../helpers/password-users.js';
import { del, listed, makeRememberApp, rememberMe } from '../helpers/remember.js';

const ofType = (events: readonly StepupEvent[], type: string) =>
  events.filter((e) => e.type === type);

/** Every event carries when, from where and with which client. */
function expectContext(event: StepupEvent | undefined): void {
  expect(event?.time).toEqual(expect.any(Number));
  expect(event?.ip).toMatch(/127\.0\.0\.1/);
  expect(event?.userAgent).toBe('stepup-tests/1.0');
}

describe('events no other test names', () => {
  it("'login.authenticated': a user with no second factor signs in (optional mode)", async () => {
    const { app, events } = makeApp(); // only bob has the test factor
    const c = await client(app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('authenticated');
    const emitted = ofType(events, 'login.authenticated');
    expect(emitted).toEqual([
      expect.objectContaining({ userId: 'u-alice', amr: ['pwd'], viaRememberedBrowser: false }),
    ]);
    expectContext(emitted[0]);
    expect(ofType(events, 'login.pending')).toEqual([]);
  });

  it("'login.throttled': the built-in password factor refuses the 11th guess", async () => {
    const dir = await hashedDirectory();
    const { app, events } = makeApp({ password: { findUser: dir.findUser } });
    for (let i = 0; i < 10; i++) {
      expect((await (await client(app)).login('alice', `wrong-password-${i}`)).status).toBe(401);
    }
    expect(ofType(events, 'login.throttled')).toEqual([]);
    const refused = await (await client(app)).login('alice', 'alice-password-1');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: 'too_many_attempts' });
    const emitted = ofType(events, 'login.throttled');
    expect(emitted).toHaveLength(1);
    expect(emitted[0]?.retryAfter).toBe(refused.body.retryAfter);
    expect(emitted[0]?.retryAfter).toBeGreaterThan(0);
    expect(emitted[0]?.retryAfter).toBeLessThanOrEqual(900);
    expectContext(emitted[0]);
  });

  it("'mfa.step_up': a satisfied user presents a second factor again", async () => {
    const { app, events } = makeApp();
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    expect((await c.verify(TEST_CODE)).status).toBe(200);
    expect(ofType(events, 'mfa.step_up')).toEqual([]); // the first one was the login
    const again = await c.verify(TEST_CODE, 'other-code');
    expect(again.status).toBe(200);
    const emitted = ofType(events, 'mfa.step_up');
    expect(emitted).toEqual([
      expect.objectContaining({
        userId: 'u-bob',
        factor: 'other-code',
        amr: ['pwd', 'otp', 'mfa', 'sms'],
      }),
    ]);
    expectContext(emitted[0]);
    expect(ofType(events, 'login.satisfied')).toHaveLength(1);
  });

  it("'remember.revoked': DELETE /auth/mfa/browsers/:id", async () => {
    const { app, events } = makeRememberApp();
    const c = await client(app);
    await rememberMe(c);
    const [remembered] = await listed(c);
    const id = remembered?.id ?? '';
    expect((await del(c, `/auth/mfa/browsers/${id}`)).status).toBe(204);
    const emitted = ofType(events, 'remember.revoked');
    expect(emitted).toEqual([expect.objectContaining({ userId: 'u-alice', id, count: 1 })]);
    expectContext(emitted[0]);
  });

  it("'email_otp.disabled': POST /auth/mfa/email/disable", async () => {
    const built = makeOtpApp();
    const c = await client(built.app);
    expect((await c.login('bob', 'bob-password-1')).body.status).toBe('authenticated');
    await c.post('/auth/mfa/email/enroll', { email: 'bob@example.test' });
    const code = codeIn(built.outbox.last('bob@example.test')?.text);
    expect((await c.post('/auth/mfa/email/confirm', { code })).status).toBe(200);
    expect(ofType(built.events, 'email_otp.disabled')).toEqual([]);
    expect((await c.post('/auth/mfa/email/disable')).status).toBe(200);
    const emitted = ofType(built.events, 'email_otp.disabled');
    expect(emitted).toEqual([expect.objectContaining({ userId: 'u-bob' })]);
    expectContext(emitted[0]);
  });

  it("'password.rehashed': a hash with weaker argon2 parameters is replaced at login", async () => {
    const dir = await hashedDirectory({ weakParams: ['alice'] });
    const { app, events } = makeApp({
      password: { findUser: dir.findUser, onRehash: dir.onRehash },
    });
    expect((await (await client(app)).login('alice', 'alice-password-1')).status).toBe(200);
    expect(dir.rehashed.map((r) => r.userId)).toEqual(['u-alice']);
    const emitted = ofType(events, 'password.rehashed');
    expect(emitted).toEqual([expect.objectContaining({ userId: 'u-alice' })]);
    expectContext(emitted[0]);
    expect(ofType(events, 'password.rehash_failed')).toEqual([]);
  });

  it("'password.rehash_failed': onRehash throws; the login still succeeds", async () => {
    const dir = await hashedDirectory({ weakParams: ['alice'] });
    const onRehash = async () => {
      throw new Error('user database unavailable');
    };
    const { app, events } = makeApp({ password: { findUser: dir.findUser, onRehash } });
    const res = await (await client(app)).login('alice', 'alice-password-1');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('authenticated');
    const emitted = ofType(events, 'password.rehash_failed');
    expect(emitted).toEqual([expect.objectContaining({ userId: 'u-alice' })]);
    expectContext(emitted[0]);
    expect(ofType(events, 'password.rehashed')).toEqual([]);
    expect(JSON.stringify(emitted)).not.toContain('user database unavailable');
  });
});
