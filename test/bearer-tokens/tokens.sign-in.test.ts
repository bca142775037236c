// Attack: a CLI's sign-in must be as strong as a browser's. `POST /auth/token` gives no token
// without the second factor, never from a replayed code (IBM Zowe's documented reuse: one MFA
// token minted several JWTs), and a token carries the assurance it was minted with, so routes
// that need more answer with the RFC 9470 challenge (docs/architecture.md, invariant 22).
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { codeAt } from '../helpers/totp-app.js';
import { enrolTotp, makeTokenApp, mintToken, withToken } from '../helpers/token-app.js';

describe('POST /auth/token', () => {
  it('needs the second factor: no code → 401 mfa_required; with it → a token, no cookie', async () => {
    const { app, clock } = await makeTokenApp();
    const { secret } = await enrolTotp(app, clock.now);
    clock.advance(60_000);
    const noCode = await mintToken(app, { username: 'bob', password: 'bob-password-1' });
    expect(noCode.status).toBe(401);
    expect(noCode.body).toMatchObject({
      error: 'mfa_required',
      factors: ['totp', 'recovery-code'],
    });
    const wrong = await mintToken(app, {
      username: 'bob',
      password: 'bob-password-1',
      code: '000000',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_code');
    const ok = await mintToken(app, {
      username: 'bob',
      password: 'bob-password-1',
      code: await codeAt(secret, clock.now()),
    });
    expect(ok.status).toBe(200);
    expect(ok.headers['set-cookie']).toBeUndefined();
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 28_800,
      aal: 2,
      amr: ['pwd', 'otp', 'mfa'],
      auth_time: Math.floor(clock.now() / 1000),
    });
    const token = ok.body.access_token as string;
    expect(token).toMatch(/^psu_[0-9A-Za-z]{49}$/);
    expect((await withToken(app, '/reports', token)).status).toBe(200);
    const me = await withToken(app, '/me', token);
    expect(me.body.mfa).toMatchObject({
      userId: 'u-bob',
      status: 'satisfied',
      aal: 2,
      bearer: { kind: 'sign-in', id: ok.body.id },
    });
  });

  it('a wrong password is invalid_credentials, the same answer as an unknown user', async () => {
    const { app } = await makeTokenApp();
    const wrong = await mintToken(app, { username: 'bob', password: 'not-bobs-password' });
    const nobody = await mintToken(app, { username: 'nobody', password: 'not-bobs-password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(nobody.body);
    expect(wrong.body.error).toBe('invalid_credentials');
  });

  it("Zowe's reuse: one code, two parallel requests → exactly one token", async () => {
    const { app, clock } = await makeTokenApp();
    const { secret } = await enrolTotp(app, clock.now);
    clock.advance(60_000);
    const code = await codeAt(secret, clock.now());
    const body = { username: 'bob', password: 'bob-password-1', code };
    const answers = await Promise.all(Array.from({ length: 8 }, () => mintToken(app, body)));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of answers.filter((a) => a.status !== 200)) expect(r.status).toBe(401);
  });

  it('a code used at sign-in cannot mint a token, and the reverse', async () => {
    const { app, clock } = await makeTokenApp();
    const { secret, c } = await enrolTotp(app, clock.now);
    clock.advance(60_000);
    await c.post('/auth/logout');
    await c.refreshCsrf();
    let code = await codeAt(secret, clock.now());
    expect((await c.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');
    expect((await c.post('/auth/mfa/verify', { factor: 'totp', code })).status).toBe(200);
    const minted = await mintToken(app, { username: 'bob', password: 'bob-password-1', code });
    expect(minted.status).toBe(401);
    clock.advance(30_000);
    code = await codeAt(secret, clock.now());
    expect(
      (await mintToken(app, { username: 'bob', password: 'bob-password-1', code })).status,
    ).toBe(200);
    await c.post('/auth/logout');
    await c.refreshCsrf();
    await c.login('bob', 'bob-password-1');
    expect((await c.post('/auth/mfa/verify', { factor: 'totp', code })).status).toBe(401);
  });

  it('a recovery code mints a token once', async () => {
    const { app, clock } = await makeTokenApp();
    const { recoveryCodes } = await enrolTotp(app, clock.now);
    const body = {
      username: 'bob',
      password: 'bob-password-1',
      factor: 'recovery-code',
      code: recoveryCodes[0],
    };
    const first = await mintToken(app, body);
    expect(first.status).toBe(200);
    expect(first.body.amr).toEqual(['pwd', 'rc', 'mfa']);
    expect((await mintToken(app, body)).status).toBe(401);
  });

  it('the password field may carry the code (appendedTotp), also over HTTP Basic', async () => {
    const { app, clock } = await makeTokenApp({ appendedTotp: true });
    const { secret } = await enrolTotp(app, clock.now);
    clock.advance(60_000);
    const field = `bob-password-1${await codeAt(secret, clock.now())}`;
    const basic = await request(app)
      .post('/auth/token')
      .set('Authorization', `Basic ${Buffer.from(`bob:${field}`).toString('base64')}`)
      .send();
    expect(basic.status).toBe(200);
    expect(basic.body.aal).toBe(2);
    expect((await mintToken(app, { username: 'bob', password: field })).status).toBe(401);
  });

  it('a password-only user gets an AAL1 token: requireAuth yes, requireMfa the RFC 9470 challenge', async () => {
    const { app } = await makeTokenApp();
    const res = await mintToken(app, { username: 'alice', password: 'alice-password-1' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ aal: 1, amr: ['pwd'] });
    const token = res.body.access_token as string;
    expect((await withToken(app, '/me', token)).status).toBe(200);
    const refused = await withToken(app, '/reports', token).set('Accept', 'text/html');
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('mfa_required');
    expect(refused.headers['www-authenticate']).toMatch(
      /^Bearer error="insufficient_user_authentication"/,
    );
  });

  it('required mode: a user without a factor gets no token', async () => {
    const { app } = await makeTokenApp({ stepup: { mode: 'required' } });
    const res = await mintToken(app, { username: 'alice', password: 'alice-password-1' });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'mfa_required', reason: 'not_enrolled' });
  });

  it('a TOTP token meets neither a phishing-resistant route (acr_values) nor an old maxAge (max_age)', async () => {
    const { app, clock } = await makeTokenApp();
    const { secret } = await enrolTotp(app, clock.now);
    clock.advance(60_000);
    const res = await mintToken(app, {
      username: 'bob',
      password: 'bob-password-1',
      code: await codeAt(secret, clock.now()),
    });
    const token = res.body.access_token as string;
    const vault = await withToken(app, '/vault', token);
    expect(vault.status).toBe(401);
    expect(vault.body.reason).toBe('phishing_resistant_required');
    expect(vault.headers['www-authenticate']).toContain(
      'acr_values="urn:passport-stepup:aal2:phishing-resistant"',
    );
    expect((await withToken(app, '/billing', token)).status).toBe(200);
    clock.advance(301_000);
    const billing = await withToken(app, '/billing', token);
    expect(billing.status).toBe(401);
    expect(billing.body.reason).toBe('stale');
    expect(billing.headers['www-authenticate']).toContain('max_age="300"');
    // A new sign-in with a code meets it again.
    const fresh = await mintToken(app, {
      username: 'bob',
      password: 'bob-password-1',
      code: await codeAt(secret, clock.now()),
    });
    expect((await withToken(app, '/billing', fresh.body.access_token as string)).status).toBe(200);
  });

  it('bad input is a 400, never a 500', async () => {
    const { app } = await makeTokenApp();
    for (const body of [
      {},
      { username: ['bob'], password: 'x' },
      { username: 'bob', password: 'x'.repeat(5000) },
      { username: 'bob', password: 'bob-password-1', code: 7 },
      { username: '\ud800', password: 'bob-password-1' },
    ]) {
      const res = await mintToken(app, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe('invalid_request');
    }
  });
});
