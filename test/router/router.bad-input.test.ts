// Attack: malformed bodies probe for a crash (500 with a stack trace), a type confusion that
// skips a check (an array where a string was expected), or prototype pollution.
import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { client, makeApp, TEST_CODE } from '../helpers/app.js';

const BIG = 'x'.repeat(10_000);

const badLogins: [string, unknown][] = [
  ['empty body', {}],
  ['missing password', { username: 'bob' }],
  ['array username', { username: ['bob'], password: 'bob-password-1' }],
  ['number password', { username: 'bob', password: 12345678 }],
  ['object password', { username: 'bob', password: { $ne: '' } }],
  ['10 kB username', { username: BIG, password: 'bob-password-1' }],
  ['empty strings', { username: '', password: '' }],
  ['null fields', { username: null, password: null }],
];

describe('POST /auth/login with bad bodies', () => {
  it.each(badLogins)('%s → 400 invalid_request', async (_label, body) => {
    const { app } = makeApp();
    const c = await client(app);
    const res = await c.post('/auth/login', body as object);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request' });
    expect(typeof res.body.message).toBe('string');
  });

  it('malformed JSON → 400 invalid_request', async () => {
    const { app } = makeApp();
    const c = await client(app);
    const res = await c.agent
      .post('/auth/login')
      .set('x-csrf-token', c.csrf)
      .set('content-type', 'application/json')
      .send('{"username": "bob", ');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  it('a 1 MB body → 400 invalid_request before anything else runs', async () => {
    const { app } = makeApp();
    const c = await client(app);
    const res = await c.post('/auth/login', { username: 'bob', password: 'p'.repeat(1_000_000) });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  it('__proto__ and constructor keys neither crash nor pollute', async () => {
    const { app } = makeApp();
    const c = await client(app);
    const raw =
      '{"username":"bob","password":"bob-password-1","__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}}}';
    const res = await c.agent
      .post('/auth/login')
      .set('x-csrf-token', c.csrf)
      .set('content-type', 'application/json')
      .send(raw);
    expect(res.status).toBe(200);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('POST /auth/mfa/verify with bad bodies', () => {
  const badVerifies: [string, unknown][] = [
    ['missing code', { factor: 'test-code' }],
    ['array code', { factor: 'test-code', code: [TEST_CODE] }],
    ['number code', { factor: 'test-code', code: 246810 }],
    ['10 kB code', { factor: 'test-code', code: BIG }],
    ['unknown factor', { factor: 'sms-magic', code: TEST_CODE }],
    ['prototype factor', { factor: '__proto__', code: TEST_CODE }],
    ['constructor factor', { factor: 'constructor', code: TEST_CODE }],
    [
      'bad rememberBrowser',
      { factor: 'test-code', code: TEST_CODE, rememberBrowser: 'yes please' },
    ],
  ];
  it.each(badVerifies)(
    '%s → 400 invalid_request, and the session stays pending',
    async (_l, body) => {
      const { app } = makeApp();
      const c = await client(app);
      await c.login('bob', 'bob-password-1');
      const res = await c.post('/auth/mfa/verify', body as object);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect((await c.get('/auth/session')).body.status).toBe('pending');
    },
  );

  it('Unicode digits are not a code', async () => {
    const { app } = makeApp();
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    const res = await c.verify('２４６８１０');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_code');
  });

  fcTest.prop([fc.anything({ withNullPrototype: true, withObjectString: true, maxDepth: 3 })], {
    numRuns: 150,
  })('random bodies never give a 5xx or a grant', async (body) => {
    const { app } = makeApp();
    const c = await client(app);
    await c.login('bob', 'bob-password-1');
    const payload = typeof body === 'object' && body !== null ? body : { code: body };
    const res = await c.agent
      .post('/auth/mfa/verify')
      .set('x-csrf-token', c.csrf)
      .set('content-type', 'application/json')
      .send(JSON.stringify(payload) ?? '{}');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(typeof res.body.error).toBe('string');
    expect((await c.get('/auth/session')).body.status).toBe('pending');
  });
});
