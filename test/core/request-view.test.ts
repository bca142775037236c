// `req.mfa` lives on the request prototype (lib/core/request-view.ts): each request reads its
// own session's view, on Express 4 and 5, in two apps of one process; a request our middleware
// saw cannot have it overwritten; other requests keep whatever the app puts there.
import express4 from 'express4';
import express5, { type Request } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { client, makeApp, TEST_CODE } from '../helpers/app.js';

describe.each([4, 5] as const)('req.mfa on Express %i', (expressVersion) => {
  it('gives each request the view of its own session, in two apps at once', async () => {
    const one = makeApp({ expressVersion });
    const two = makeApp({ expressVersion });
    const bob = await client(one.app);
    await bob.login('bob', 'bob-password-1');
    await bob.verify(TEST_CODE);
    const alice = await client(two.app);
    await alice.login('alice', 'alice-password-1');
    const [b, a] = await Promise.all([bob.get('/me'), alice.get('/me')]);
    expect(b.body.mfa).toMatchObject({ status: 'satisfied', userId: 'u-bob' });
    expect(a.body.mfa).toMatchObject({ status: 'authenticated', userId: 'u-alice' });
    // An anonymous request on the same app: its own (anonymous) view, not the last one read.
    const anon = await request(one.app).get('/auth/session').set('Accept', 'application/json');
    expect(anon.body).toMatchObject({ status: 'anonymous' });
  });

  it('cannot be overwritten after the middleware; the guards never read it anyway', async () => {
    const { app, stepup } = makeApp({ expressVersion });
    const errors: string[] = [];
    app.get('/forge', (req: Request, res) => {
      try {
        (req as unknown as { mfa: unknown }).mfa = { status: 'satisfied', userId: 'u-bob' };
      } catch (err) {
        errors.push((err as Error).message);
      }
      res.json({ mfa: req.mfa });
    });
    app.get('/forged-guard', stepup.requireMfa(), (_req, res) => res.json({ ok: true }));
    const res = await request(app).get('/forge').set('Accept', 'application/json');
    expect(errors).toEqual(['req.mfa is read-only (passport-stepup)']);
    expect(res.body.mfa).toMatchObject({ status: 'anonymous' });
    expect((await request(app).get('/forged-guard').set('Accept', 'application/json')).status).toBe(
      401,
    );
  });

  it('is the app’s own on an app without the middleware, and ours once the middleware ran', async () => {
    const express = (expressVersion === 4 ? express4 : express5) as typeof express5;
    const { stepup } = makeApp({ expressVersion });
    const plain = express();
    plain.use((req, _res, next) => {
      (req as unknown as { mfa: unknown }).mfa = 'app-owned';
      next();
    });
    plain.get('/own', (req, res) => res.json({ mfa: req.mfa }));
    plain.get('/ours', stepup.middleware(), (req, res) => res.json({ mfa: req.mfa }));
    expect((await request(plain).get('/own')).body).toEqual({ mfa: 'app-owned' });
    expect((await request(plain).get('/ours')).body.mfa).toMatchObject({ status: 'anonymous' });
    // The getter is on the prototype now; a request the middleware did not see still writes.
    expect((await request(plain).get('/own')).body).toEqual({ mfa: 'app-owned' });
  });
});
