// Attack: credential stuffing and username enumeration against POST /auth/login. Unknown
// users, wrong passwords and locked accounts must look the same; guessing is throttled per
// username+IP so the attacker cannot lock the real user out from another address.
import { describe, expect, it } from 'vitest';
import { client, makeApp } from '../helpers/app.js';
import { hashedDirectory } from '../helpers/password-users.js';

async function app(extra: Parameters<typeof hashedDirectory>[0] = {}, trustProxy = false) {
  const dir = await hashedDirectory(extra);
  const built = makeApp({
    password: { findUser: dir.findUser, onRehash: dir.onRehash },
    trustProxy,
  });
  return { ...built, dir };
}

describe('POST /auth/login with the built-in password factor', () => {
  it('the right password signs in; the session never holds the hash', async () => {
    const { app: a, dir } = await app();
    const c = await client(a);
    const res = await c.login('alice', 'alice-password-1');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'authenticated', amr: ['pwd'] });
    const me = await c.get('/me');
    expect(JSON.stringify(me.body)).not.toContain(dir.records.get('alice')?.passwordHash);
    expect((await c.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');
  });

  it('unknown user, wrong password and locked account answer alike', async () => {
    const { app: a } = await app({ locked: ['bob'] });
    const answers = [];
    for (const [u, p] of [
      ['nobody', 'whatever-password'],
      ['alice', 'wrong-password-1'],
      ['bob', 'bob-password-1'],
    ] as const) {
      const c = await client(a);
      const res = await c.login(u, p);
      answers.push({ status: res.status, body: { ...res.body } });
    }
    expect(answers[0]).toEqual({
      status: 401,
      body: { error: 'invalid_credentials', message: expect.any(String) },
    });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('rehashes through onRehash when the stored parameters are weaker', async () => {
    const { app: a, dir } = await app({ weakParams: ['alice'] });
    const c = await client(a);
    expect((await c.login('alice', 'alice-password-1')).status).toBe(200);
    expect(dir.rehashed).toHaveLength(1);
    expect(dir.rehashed[0]?.userId).toBe('u-alice');
    expect(dir.rehashed[0]?.hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const d = await client(a);
    await d.login('bob', 'bob-password-1');
    expect(dir.rehashed).toHaveLength(1);
  });

  it('10 failures lock username+IP (429 retryAfter); the same user from another IP still signs in', async () => {
    const { app: a } = await app({}, true);
    const from = async (ip: string, password: string) => {
      const c = await client(a);
      return c.agent
        .post('/auth/login')
        .set('x-forwarded-for', ip)
        .set('x-csrf-token', c.csrf)
        .send({ username: 'alice', password });
    };
    for (let i = 0; i < 10; i++)
      expect((await from('203.0.113.9', `wrong-${i}-password`)).status).toBe(401);
    const blocked = await from('203.0.113.9', 'alice-password-1');
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ error: 'too_many_attempts' });
    expect(blocked.body.retryAfter).toBeGreaterThan(800);
    // A throttled unknown user looks exactly like a throttled real one.
    for (let i = 0; i < 10; i++) await from('203.0.113.9', `x${i}`).then(() => undefined);
    const other = await from('198.51.100.7', 'alice-password-1');
    expect(other.status).toBe(200);
    expect(other.body.status).toBe('authenticated');
  });

  it.each([
    ['missing fields', {}],
    ['non-string password', { username: 'alice', password: 12345678 }],
    ['array username', { username: ['alice'], password: 'alice-password-1' }],
    ['NUL bytes', { username: 'alice\u0000', password: 'alice-password-1\u0000' }],
  ])('%s → a 4xx with a code, never a 500', async (_l, body) => {
    const { app: a } = await app();
    const c = await client(a);
    const res = await c.post('/auth/login', body);
    expect([400, 401]).toContain(res.status);
    expect(typeof res.body.error).toBe('string');
  });

  it('a 1 MB password is refused with 400 before hashing', async () => {
    const { app: a } = await app();
    const c = await client(a);
    const started = performance.now();
    const res = await c.post('/auth/login', { username: 'alice', password: 'p'.repeat(1_000_000) });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
