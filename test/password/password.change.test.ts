// Attack: the attacker who knew the old password keeps a signed-in session (or a remembered
// browser) after the victim changes it. A password change ends the user's other sessions and
// revokes every remembered browser (credential epoch), and refuses weak new passwords.
import { hostOf } from '../../lib/core/context.js';
import express from 'express';
import session from 'express-session';
import { describe, expect, it } from 'vitest';
import { client, makeApp, TEST_CODE } from '../helpers/app.js';
import { hashedDirectory } from '../helpers/password-users.js';

describe('stepup.changePassword', () => {
  it('ends the other sessions of the user, keeps this one, bumps the credential epoch', async () => {
    const dir = await hashedDirectory();
    const sessionStore = new session.MemoryStore();
    const { app, stepup, events } = makeApp({ password: { findUser: dir.findUser }, sessionStore });
    app.post('/change-password', express.json(), stepup.requireMfa(), (req, res, next) => {
      stepup
        .changePassword(req, {
          userId: 'u-bob',
          newPassword: (req.body as { newPassword?: unknown } | undefined)?.newPassword,
          setPasswordHash: async (_id, hash) => {
            const rec = dir.records.get('bob');
            if (rec) dir.records.set('bob', { ...rec, passwordHash: hash });
          },
        })
        .then((r) => res.json(r), next);
    });
    app.use(stepup.errorHandler());

    const thief = await client(app);
    await thief.login('bob', 'bob-password-1');
    await thief.verify(TEST_CODE);
    const victim = await client(app);
    await victim.login('bob', 'bob-password-1');
    await victim.verify(TEST_CODE);
    const alice = await client(app);
    await alice.login('alice', 'alice-password-1');

    const weak = await victim.agent
      .post('/change-password')
      .set('Accept', 'application/json')
      .type('json')
      .send({ newPassword: 'password123' });
    expect(weak.status).toBe(400);
    expect(weak.body).toMatchObject({ error: 'invalid_request', reasons: ['common'] });

    const res = await victim.agent
      .post('/change-password')
      .type('json')
      .send({ newPassword: 'a much better passphrase 2026' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ otherSessionsEnded: 1 });
    expect((await thief.get('/reports')).status).toBe(401);
    expect((await victim.get('/reports')).status).toBe(200);
    expect((await alice.get('/me')).status).toBe(200);
    expect(await hostOf(stepup).context.credentialEpoch('u-bob')).toBe(1);
    expect(events.some((e) => e.type === 'password.changed')).toBe(true);

    const again = await client(app);
    expect((await again.login('bob', 'bob-password-1')).status).toBe(401);
    expect((await again.login('bob', 'a much better passphrase 2026')).body.status).toBe(
      'mfa_required',
    );
  });
});
