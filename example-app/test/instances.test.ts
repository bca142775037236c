// Story: the demo runs as two instances behind a load balancer, on one PostgreSQL database (the
// enrolled factors) and one Redis (sessions and short-lived state), as the README's production
// recipe (and docs/stores-and-deployment.md) says. A user enrols on one instance and is asked for the code on the other; a session
// made on one is valid on the other; both instances seed the database once, without duplicates.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTotp } from '../../lib/index.js';
import { startRedis, type RedisServer } from '../../test/helpers/redis-server.js';
import { createPostgresDatabase, type TestDatabase } from '../../test/helpers/sql-databases.js';
import { createExampleApp, type ExampleApp } from '../app.js';

let redis: RedisServer;
let database: TestDatabase;
const apps: ExampleApp[] = [];
beforeAll(async () => {
  redis = await startRedis();
  database = await createPostgresDatabase();
  for (let i = 0; i < 2; i++) {
    apps.push(
      await createExampleApp(
        {
          SESSION_SECRET: 'instances-test-session-secret-0123456789abcdef',
          MFA_ENCRYPTION_KEY: Buffer.alloc(32, 6).toString('base64'),
          DATABASE_URL: database.url,
          REDIS_URL: redis.url,
        },
        { printMail: false },
      ),
    );
  }
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await database?.drop();
  await redis?.stop();
});

describe('two demo instances on one PostgreSQL and one Redis', () => {
  it('share enrolments and sessions; the seed ran once', async () => {
    const [a, b] = apps as [ExampleApp, ExampleApp];
    expect(a.demo.seeded).toBe(true);
    expect(b.demo.seeded).toBe(false);
    expect(await b.stepup.credentials.list('bob', 'totp')).toHaveLength(1);

    // One cookie jar, requests alternating between the instances.
    const jarA = request.agent(a.app);
    const csrf = (await jarA.get('/auth/csrf').expect(200)).body.csrfToken as string;
    const login = await jarA
      .post('/auth/login')
      .set('x-csrf-token', csrf)
      .send({ username: 'alice', password: 'alice-password-1' });
    expect(login.body.status).toBe('authenticated');
    const cookie = login.headers['set-cookie'] as unknown as string[];
    let token = login.body.csrfToken as string;
    const onB = (path: string, body?: object) => {
      const req = body
        ? request(b.app).post(path).set('x-csrf-token', token).send(body)
        : request(b.app).get(path);
      return req.set('Cookie', cookie.map((c) => c.split(';')[0]).join('; '));
    };
    // The session made on A is valid on B (connect-redis), and B enrols alice.
    expect((await onB('/api/me')).body).toMatchObject({ userId: 'alice' });
    const enroll = await onB('/auth/mfa/totp/enroll', {});
    expect(enroll.status).toBe(200);
    const secret = enroll.body.secret as string;
    const confirm = await onB('/auth/mfa/totp/confirm', {
      code: await generateTotp({ secret, now: Date.now() }),
    });
    expect(confirm.status).toBe(200);
    token = confirm.body.csrfToken as string;

    // A fresh login on A: A knows the enrolment B made.
    const fresh = request.agent(a.app);
    const csrf2 = (await fresh.get('/auth/csrf').expect(200)).body.csrfToken as string;
    const again = await fresh
      .post('/auth/login')
      .set('x-csrf-token', csrf2)
      .send({ username: 'alice', password: 'alice-password-1' });
    expect(again.body).toMatchObject({ status: 'mfa_required' });
  });
});
