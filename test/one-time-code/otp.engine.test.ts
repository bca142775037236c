// Attack: someone holding the password tries to get past the email/SMS code: by guessing it
// (6 digits), waiting it out, flooding resends, replaying an old code after a resend, using a
// code phished from the victim's own login in the attacker's login, or reading codes out of a
// store dump or the event log. Each must fail.
import { describe, expect, it } from 'vitest';
import type { MemoryStore } from '../../lib/stores/memory.js';
import { client } from '../helpers/app.js';
import { codeIn, makeOtpApp, pendingWithEmailCode } from '../helpers/otp-app.js';

const ALICE = 'alice@example.test';
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('email codes: sending and signing in', () => {
  it('mfa_required lists email-otp only for users with a verified address', async () => {
    const built = makeOtpApp({ enrolled: ['u-bob'] });
    const a = await client(built.app);
    expect((await a.login('alice', 'alice-password-1')).body).toMatchObject({
      status: 'mfa_required',
      factors: ['email-otp', 'sms-otp'],
    });
    const b = await client(built.app);
    const bob = await b.login('bob', 'bob-password-1');
    expect(bob.body.factors).toEqual(['test-code', 'other-code']);
    const send = await b.post('/auth/mfa/email/send');
    expect(send.status).toBe(409);
    expect(send.body.error).toBe('factor_not_enrolled');
  });

  it('202 with expiresIn and resendIn; the mailed code signs in once (amr email)', async () => {
    const built = makeOtpApp();
    const { c, code, sent } = await pendingWithEmailCode(built);
    expect(sent.body).toEqual({
      status: 'sent',
      expiresIn: 300,
      resendIn: 60,
      destination: 'a***@example.test',
    });
    expect(built.outbox.messages()).toHaveLength(1);
    const ok = await c.verify(code, 'email-otp');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'authenticated', amr: ['pwd', 'email', 'mfa'] });
    expect((await c.get('/reports')).status).toBe(200);
    const again = await c.verify(code, 'email-otp');
    expect(again.status).toBe(401);
  });

  it('without a session there is nothing to send to: 401 mfa_session_expired', async () => {
    const built = makeOtpApp();
    const c = await client(built.app);
    const res = await c.post('/auth/mfa/email/send');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('mfa_session_expired');
  });
});

describe('expiry, tries, resend', () => {
  it('5 min + 1 s later: 410 code_expired, ask for a new one; costs no attempt', async () => {
    const built = makeOtpApp();
    const { c, code } = await pendingWithEmailCode(built);
    built.clock.advance(5 * 60_000 + 1000);
    const res = await c.verify(code, 'email-otp');
    expect(res.status).toBe(410);
    expect(res.body.error).toBe('code_expired');
    expect(res.body.message).toMatch(/new one/i);
    expect(await built.stepup.store.get('{u-alice}:mfa:failures')).toBeNull();
    // A new code works (the pending login lives 10 minutes).
    expect((await c.post('/auth/mfa/email/send')).status).toBe(202);
    expect((await c.verify(codeIn(built.outbox.last(ALICE)?.text), 'email-otp')).status).toBe(200);
  });

  it('a code is still good at 4 min 59 s', async () => {
    const built = makeOtpApp();
    const { c, code } = await pendingWithEmailCode(built);
    built.clock.advance(5 * 60_000 - 1000);
    expect((await c.verify(code, 'email-otp')).status).toBe(200);
  });

  it('5 wrong tries kill the code: the right one then gets 410; failures count', async () => {
    const built = makeOtpApp();
    const { c, code } = await pendingWithEmailCode(built);
    for (let i = 0; i < 5; i++) {
      const res = await c.verify(wrong(code), 'email-otp');
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_code');
    }
    const dead = await c.verify(code, 'email-otp');
    expect(dead.status).toBe(410);
    expect(dead.body.error).toBe('code_expired');
    expect(await built.stepup.store.get('{u-alice}:mfa:failures')).toBe('5');
  });

  it('a resend within 60 s: 429 resend_too_soon with retryAfter; after it, 202', async () => {
    const built = makeOtpApp();
    const { c } = await pendingWithEmailCode(built);
    const early = await c.post('/auth/mfa/email/send');
    expect(early.status).toBe(429);
    expect(early.body).toMatchObject({ error: 'resend_too_soon', retryAfter: 60 });
    expect(early.headers['retry-after']).toBe('60');
    built.clock.advance(45_000);
    expect((await c.post('/auth/mfa/email/send')).body.retryAfter).toBe(15);
    built.clock.advance(15_000);
    expect((await c.post('/auth/mfa/email/send')).status).toBe(202);
    expect(built.outbox.messages()).toHaveLength(2);
  });

  it('a resend replaces the code: the old one is refused, the new one works', async () => {
    const built = makeOtpApp();
    const { c, code: first } = await pendingWithEmailCode(built);
    built.clock.advance(61_000);
    expect((await c.post('/auth/mfa/email/send')).status).toBe(202);
    const second = codeIn(built.outbox.last(ALICE)?.text);
    if (second !== first) expect((await c.verify(first, 'email-otp')).status).toBe(401);
    expect((await c.verify(second, 'email-otp')).status).toBe(200);
  });

  it('wrong codes across resends lock the account (10); a locked one gets no code', async () => {
    const built = makeOtpApp({ stepup: { pendingTtlSeconds: 3600 } });
    const { c, code } = await pendingWithEmailCode(built);
    for (let i = 0; i < 5; i++) await c.verify(wrong(code), 'email-otp');
    built.clock.advance(61_000);
    const resent = await c.post('/auth/mfa/email/send');
    expect(resent.status).toBe(202);
    const fresh = codeIn(built.outbox.last(ALICE)?.text);
    for (let i = 0; i < 5; i++) await c.verify(wrong(fresh), 'email-otp');
    const locked = await c.verify(fresh, 'email-otp');
    expect(locked.status).toBe(429);
    expect(locked.body.error).toBe('too_many_attempts');
    built.clock.advance(61_000);
    const send = await c.post('/auth/mfa/email/send');
    expect(send.status).toBe(429);
    expect(send.body.error).toBe('too_many_attempts');
  });
});

describe('binding', () => {
  it('a code from login A is refused in login B of the same user, works in A', async () => {
    const built = makeOtpApp();
    const { c: a, code } = await pendingWithEmailCode(built);
    const b = await client(built.app);
    await b.login('alice', 'alice-password-1');
    const stolen = await b.verify(code, 'email-otp');
    expect(stolen.status).toBe(401);
    expect(stolen.body.error).toBe('invalid_code');
    expect((await a.verify(code, 'email-otp')).status).toBe(200);
  });

  it('step-up of a signed-in user: bound to that session, not to another session', async () => {
    const built = makeOtpApp();
    const { c: s1, code } = await pendingWithEmailCode(built);
    expect((await s1.verify(code, 'email-otp')).status).toBe(200);
    built.clock.advance(61_000);
    const { c: s2, code: code2 } = await pendingWithEmailCode(built);
    expect((await s2.verify(code2, 'email-otp')).status).toBe(200);
    built.clock.advance(10 * 60_000);
    expect((await s1.get('/billing')).status).toBe(401);
    const sent = await s1.post('/auth/mfa/email/send');
    expect(sent.status).toBe(202);
    const stepCode = codeIn(built.outbox.last(ALICE)?.text);
    // s2 is another login of alice: the step-up code of s1 is not for it.
    expect((await s2.verify(stepCode, 'email-otp')).status).toBe(401);
    const ok = await s1.verify(stepCode, 'email-otp');
    expect(ok.status).toBe(200);
    expect((await s1.get('/billing')).status).toBe(200);
  });
});

describe('secret hygiene', () => {
  it('the code is only in the message: not in the MFA store, session or events', async () => {
    const built = makeOtpApp();
    const { c, code } = await pendingWithEmailCode(built);
    const standalone = new RegExp(`(^|[^0-9A-Za-z_-])${code}($|[^0-9A-Za-z_-])`);
    const dump = JSON.stringify((built.stepup.store as MemoryStore).dump());
    expect(dump).not.toMatch(standalone);
    expect(dump).toContain('email-otp:challenge');
    expect((await c.get('/auth/session')).text).not.toContain(code);
    await c.verify(wrong(code), 'email-otp');
    await c.verify(code, 'email-otp');
    expect(JSON.stringify(built.events)).not.toMatch(standalone);
    expect(built.events.map((e) => e.type)).toContain('otp.sent');
  });

  it('malformed codes are invalid_code, never a 500', async () => {
    const built = makeOtpApp();
    const { c, code } = await pendingWithEmailCode(built);
    for (const bad of ['12345', '1234567', '١٢٣٤٥٦', '１２３４５６', ' 123456', 'abcdef']) {
      expect((await c.verify(bad, 'email-otp')).status).toBe(401);
    }
    // Malformed input is not a guess at this code: its 5 tries are intact.
    expect((await c.verify(code, 'email-otp')).status).toBe(200);
  });
});
