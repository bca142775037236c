// Attack: a lone UTF-16 surrogate in a label or any free-text field. The SQL store cannot encode
// it and threw: a 500 after the pending TOTP enrolment was taken, so the retry with the right
// code failed and counted toward the lockout; a hashed password saw U+FFFD (two passwords
// collide). Every such field answers 400 invalid_request before anything is taken or counted
// (docs/architecture.md, invariant 8).
import express from 'express';
import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, confirmTotp, devOutbox, isWellFormedText } from '../../lib/index.js';
import { emailOtp } from '../../strategies/one-time-code.js';
import { client, makeApp, TEST_CODE } from '../helpers/app.js';
import { makePasskeyApp, register } from '../helpers/passkey-app.js';
import { hashedDirectory } from '../helpers/password-users.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { codeAt, makeTotpApp } from '../helpers/totp-app.js';

/** High surrogate alone, low surrogate alone, a pair in the wrong order. */
const LONE = ['\ud800', '\udfff', '\udc00\ud800'] as const;
const bad = (lone: string) => `Phone ${lone} 2`;

function expect400(res: { status: number; body: { error?: string } }) {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error).toBe('invalid_request');
}

describe('isWellFormedText', () => {
  it('refuses lone and reversed surrogates, keeps pairs (emoji) and every other character', () => {
    for (const lone of LONE) expect(isWellFormedText(bad(lone))).toBe(false);
    expect(isWellFormedText('Phone \ud83d\udcf1 2 — Ünïcødé 电话')).toBe(true);
    expect(checkPasswordPolicy(`correct horse ${LONE[0]} battery`)).toEqual({
      ok: false,
      reasons: ['not_well_formed'],
    });
  });
});

describe('lone surrogates at the edge → 400 invalid_request, nothing consumed', () => {
  it('TOTP confirm: a bad label leaves the pending enrolment and the attempt counter intact', async () => {
    const { app, clock, events } = makeTotpApp();
    const c = await client(app);
    await c.login('alice', 'alice-password-1');
    const secret = (await c.post('/auth/mfa/totp/enroll')).body.secret as string;
    const code = await codeAt(secret, clock.now());
    for (const lone of LONE) {
      expect400(await c.post('/auth/mfa/totp/confirm', { code, label: bad(lone) }));
    }
    expect(events.filter((e) => e.type === 'mfa.failed')).toEqual([]);
    const ok = await c.post('/auth/mfa/totp/confirm', { code, label: 'Phone' });
    expect(ok.status).toBe(200);
    expect((await c.get('/auth/mfa/factors')).body.factors[0]).toMatchObject({ label: 'Phone' });
  });

  it('TOTP confirm through the service (an app form): the label is checked before the enrolment is taken', async () => {
    const { app, stepup, clock } = makeTotpApp();
    app.post('/form/totp/confirm', express.json(), (req, res, next) => {
      const body = req.body as { code: string; label: string };
      confirmTotp(stepup, req, body.code, body.label).then(() => res.json({ ok: true }), next);
    });
    app.use(stepup.errorHandler());
    const c = await client(app);
    await c.login('alice', 'alice-password-1');
    const secret = (await c.post('/auth/mfa/totp/enroll')).body.secret as string;
    const code = await codeAt(secret, clock.now());
    for (const lone of LONE)
      expect400(await c.post('/form/totp/confirm', { code, label: bad(lone) }));
    expect((await c.post('/form/totp/confirm', { code, label: 'Phone' })).status).toBe(200);
  });

  it('PATCH /auth/mfa/factors/:id: a bad label → 400, the old label stays', async () => {
    const { app, clock } = makeTotpApp();
    const c = await client(app);
    await c.login('alice', 'alice-password-1');
    const secret = (await c.post('/auth/mfa/totp/enroll')).body.secret as string;
    await c.post('/auth/mfa/totp/confirm', { code: await codeAt(secret, clock.now()), label: 'A' });
    const id = (await c.get('/auth/mfa/factors')).body.factors[0].id as string;
    for (const lone of LONE) {
      expect400(
        await c.agent
          .patch(`/auth/mfa/factors/${id}`)
          .set('x-csrf-token', c.csrf)
          .set('Accept', 'application/json')
          .send({ label: bad(lone) }),
      );
      const del = await c.agent
        .delete(`/auth/mfa/factors/${id}`)
        .set('x-csrf-token', c.csrf)
        .set('Accept', 'application/json')
        .send({ code: `12${lone}34` });
      expect400(del);
    }
    expect((await c.get('/auth/mfa/factors')).body.factors).toEqual([
      expect.objectContaining({ id, label: 'A' }),
    ]);
  });

  it('passkey registration: a bad label → 400 and the challenge is still there', async () => {
    const { app } = makePasskeyApp();
    const c = await client(app);
    await c.login('alice', 'alice-password-1');
    const auth = new SoftAuthenticator();
    const options = await c.post('/auth/mfa/passkeys/register/options');
    const response = auth.create(options.body);
    for (const lone of LONE) {
      expect400(await c.post('/auth/mfa/passkeys/register/verify', { response, label: bad(lone) }));
      const ext = { ...response, clientExtensionResults: { [`x${lone}`]: true } };
      expect400(await c.post('/auth/mfa/passkeys/register/verify', { response: ext }));
    }
    const ok = await c.post('/auth/mfa/passkeys/register/verify', { response, label: 'Key' });
    expect(ok.status).toBe(200);
    expect((await register(c, auth, { label: 'Second' })).status).toBe(200);
  });

  it('login, verify and email enrolment: every free-text field; nothing counts as a failure', async () => {
    const outbox = devOutbox({ print: false });
    const { app, events } = makeApp({
      extraFactors: [emailOtp({ mailer: outbox, codeKey: Buffer.alloc(32, 2) })],
    });
    const c = await client(app);
    for (const lone of LONE) {
      expect400(await c.login(`bob${lone}`, 'bob-password-1'));
      expect400(await c.login('bob', `bob-password-1${lone}`));
    }
    expect(events.filter((e) => e.type === 'login.failed')).toEqual([]);
    expect((await c.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');
    for (const lone of LONE) {
      expect400(await c.verify(`2468${lone}`));
      expect400(await c.verify(TEST_CODE, `test-code${lone}`));
    }
    expect(events.filter((e) => e.type === 'mfa.failed')).toEqual([]);
    expect((await c.verify(TEST_CODE)).status).toBe(200);
    for (const lone of LONE) {
      expect400(await c.post('/auth/mfa/email/enroll', { email: `bob${lone}@example.test` }));
    }
    expect(outbox.messages()).toEqual([]);
    expect((await c.post('/auth/mfa/email/enroll', { email: 'bob@example.test' })).status).toBe(
      202,
    );
  });

  it('the built-in password factor behind an app form (no router schema) → 400, no lookup', async () => {
    const directory = await hashedDirectory();
    let lookups = 0;
    const { app, stepup } = makeApp({
      password: {
        findUser: async (u) => {
          lookups += 1;
          return directory.findUser(u);
        },
      },
    });
    app.post('/form/login', express.json(), stepup.authenticate('password'), (_req, res) => {
      res.json({ ok: true });
    });
    app.use(stepup.errorHandler());
    const c = await client(app);
    for (const lone of LONE) {
      expect400(await c.post('/form/login', { username: 'bob', password: `bob${lone}` }));
      expect400(await c.post('/form/login', { username: `bob${lone}`, password: 'x' }));
    }
    expect(lookups).toBe(0);
  });
});
