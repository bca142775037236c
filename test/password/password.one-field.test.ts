// Attack: a client with a single password field (CLI, legacy form) must still do real MFA:
// `password + current TOTP` satisfies MFA in one request; a wrong or replayed code fails with
// no hint which part was wrong; lockout applies. Users without TOTP are unaffected.
import { hostOf } from '../../lib/core/context.js';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { totp } from '../../strategies/totp.js';
import { client, makeApp } from '../helpers/app.js';
import { fakeClock } from '../helpers/clock.js';
import { hashedDirectory } from '../helpers/password-users.js';
import { codeAt, KEYS } from '../helpers/totp-app.js';

async function setup() {
  const dir = await hashedDirectory();
  const clock = fakeClock();
  const built = makeApp({
    password: { findUser: dir.findUser, appendedTotp: true },
    enrolled: [],
    stepup: { now: clock.now },
    extraFactors: [totp({ issuer: 'Acme', encryptionKeys: KEYS })],
  });
  // Enrol bob's TOTP through the API.
  const c = await client(built.app);
  await c.login('bob', 'bob-password-1');
  const secret = (await c.post('/auth/mfa/totp/enroll')).body.secret as string;
  await c.post('/auth/mfa/totp/confirm', { code: await codeAt(secret, clock.now()) });
  clock.advance(60_000);
  return { ...built, clock, secret, dir };
}

describe('password and TOTP code in one field', () => {
  it('right password + right code → satisfied in one request', async () => {
    const { app, clock, secret } = await setup();
    const c = await client(app);
    const res = await c.login('bob', `bob-password-1${await codeAt(secret, clock.now())}`);
    expect(res.body).toMatchObject({ status: 'authenticated', amr: ['pwd', 'otp', 'mfa'] });
    expect((await c.get('/reports')).status).toBe(200);
    expect((await c.get('/auth/session')).body).toMatchObject({
      status: 'satisfied',
      factors: ['totp'],
    });
  });

  it('right password + wrong code → invalid_credentials, the same answer as a wrong password', async () => {
    const { app } = await setup();
    const wrongCode = await (await client(app)).login('bob', 'bob-password-1000000');
    const wrongPassword = await (await client(app)).login('bob', 'not-bobs-password1');
    expect(wrongCode.status).toBe(401);
    expect(wrongCode.body).toEqual(wrongPassword.body);
  });

  it('a reused code is refused', async () => {
    const { app, clock, secret } = await setup();
    const field = `bob-password-1${await codeAt(secret, clock.now())}`;
    expect((await (await client(app)).login('bob', field)).body.status).toBe('authenticated');
    expect((await (await client(app)).login('bob', field)).status).toBe(401);
  });

  it('the password alone still gives mfa_required (interactive clients)', async () => {
    const { app } = await setup();
    expect((await (await client(app)).login('bob', 'bob-password-1')).body.status).toBe(
      'mfa_required',
    );
  });

  it('a user without TOTP whose password ends in digits still signs in', async () => {
    const dir = await hashedDirectory();
    const rec = dir.records.get('alice');
    if (!rec) throw new Error('no alice');
    const { hashPassword } = await import('../../lib/index.js');
    dir.records.set('alice', { ...rec, passwordHash: await hashPassword('alice-password-123456') });
    const { app } = makeApp({
      password: { findUser: dir.findUser, appendedTotp: true },
      extraFactors: [totp({ encryptionKeys: KEYS })],
    });
    const res = await (await client(app)).login('alice', 'alice-password-123456');
    expect(res.body).toMatchObject({ status: 'authenticated', amr: ['pwd'] });
  });

  it('HTTP Basic login for CLI clients (no CSRF token needed), one request', async () => {
    const { app, clock, secret } = await setup();
    const code = await codeAt(secret, clock.now());
    const agent = request.agent(app);
    const res = await agent
      .post('/auth/login')
      .auth('bob', `bob-password-1${code}`)
      .set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'authenticated', amr: ['pwd', 'otp', 'mfa'] });
    expect((await agent.get('/reports').set('Accept', 'application/json')).status).toBe(200);
    // Without Basic credentials, login still needs the CSRF token.
    const plain = await request(app).post('/auth/login').send({ username: 'bob', password: 'x' });
    expect(plain.status).toBe(403);
  });

  it('10 wrong appended codes lock the second factor for the account', async () => {
    const { app, clock, secret, stepup } = await setup();
    for (let i = 0; i < 10; i++)
      await (await client(app)).login('bob', `bob-password-1${String(i).padStart(6, '0')}`);
    await expect(hostOf(stepup).context.attempts.assertNotLocked('u-bob')).rejects.toMatchObject({
      code: 'too_many_attempts',
    });
    const locked = await (
      await client(app)
    ).login('bob', `bob-password-1${await codeAt(secret, clock.now())}`);
    expect(locked.status).not.toBe(200);
  });
});
