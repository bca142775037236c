// A new user typed the code they had just used (a double submit, or signing in right after
// enrolling) and got "incorrect or already used", then typed it again. A reused code now says
// so, and how many seconds until the app shows the next one; it still counts as a failure and
// still never signs anyone in (RFC 6238 §5.2, NIST SP 800-63B-4 §3.1.4.2: accept a code once).
import { describe, expect, it } from 'vitest';
import { codeAt, enrolledClient, makeTotpApp } from '../helpers/totp-app.js';

describe('a reused TOTP code', () => {
  it('verify: code_already_used with the seconds until the next code', async () => {
    const { app, clock, events } = makeTotpApp();
    // The fake clock starts 1 s into a 30 s step: the next step begins in 29 s.
    const { c, secret } = await enrolledClient(app, clock.now);
    const used = await codeAt(secret, clock.now());
    await c.post('/auth/logout');
    await c.refreshCsrf();
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('mfa_required');

    clock.advance(10_000);
    const again = await c.verify(used, 'totp');
    expect(again.status).toBe(401);
    expect(again.body).toMatchObject({
      error: 'invalid_code',
      reason: 'code_already_used',
      nextCodeIn: 19,
    });
    expect(again.body.message).toMatch(/already used\. Wait for the next code .*in 19 s/);
    expect(events.filter((e) => e.type === 'totp.replay')).toHaveLength(1);
    // It counts as a failed attempt like any refused code.
    expect(events.filter((e) => e.type === 'mfa.failed').at(-1)).toMatchObject({
      reason: 'invalid_code',
    });
    expect((await c.get('/auth/session')).body.status).toBe('pending');

    // A wrong code says nothing of the kind.
    const wrong = await c.verify(used === '000000' ? '111111' : '000000', 'totp');
    expect(wrong.status).toBe(401);
    expect(wrong.body.reason).toBeUndefined();
    expect(wrong.body.nextCodeIn).toBeUndefined();

    // The next step's code works.
    clock.advance(20_000);
    expect((await c.verify(await codeAt(secret, clock.now()), 'totp')).status).toBe(200);
  });

  it('step-up: the code of the step just accepted', async () => {
    const { app, clock } = makeTotpApp();
    const { c, secret } = await enrolledClient(app, clock.now);
    clock.advance(30_000);
    const code = await codeAt(secret, clock.now());
    expect((await c.verify(code, 'totp')).status).toBe(200);
    clock.advance(5_000);
    const again = await c.verify(code, 'totp');
    expect(again.body).toMatchObject({ reason: 'code_already_used', nextCodeIn: 24 });
  });
});
