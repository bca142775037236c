// An app with bearer tokens on: the library's password factor, TOTP and recovery codes, on a
// fake clock, with routes behind each kind of guard and an app-level password change.
import express from 'express';
import request from 'supertest';
import { passkeys } from '../../strategies/passkey.js';
import { recoveryCodes } from '../../strategies/recovery-code.js';
import { totp } from '../../strategies/totp.js';
import { generateTotp } from '../../lib/totp/totp-core.js';
import type { StepupOptions } from '../../lib/index.js';
import { client, makeApp } from './app.js';
import { fakeClock } from './clock.js';
import { hashedDirectory } from './password-users.js';
import { KEYS } from './totp-app.js';
import { RP } from './passkey-app.js';

export async function makeTokenApp(
  options: { stepup?: Omit<StepupOptions, 'passport' | 'factors'>; appendedTotp?: boolean } = {},
) {
  const dir = await hashedDirectory();
  const clock = fakeClock();
  const built = makeApp({
    password: { findUser: dir.findUser, appendedTotp: options.appendedTotp ?? false },
    onlyFactors: [
      totp({ issuer: 'Acme', encryptionKeys: KEYS }),
      recoveryCodes({ hmacKey: 'k'.repeat(32) }),
      passkeys(RP),
    ],
    stepup: { now: clock.now, bearerTokens: {}, ...options.stepup },
  });
  const { app, stepup } = built;
  app.get('/vault', stepup.requireMfa({ phishingResistant: true }), (_req, res) => {
    res.json({ ok: true });
  });
  app.post('/password', express.json(), stepup.requireAuth(), (req, res, next) => {
    stepup
      .changePassword(req, {
        userId: req.mfa?.userId ?? '',
        newPassword: (req.body as { newPassword?: unknown } | undefined)?.newPassword,
        setPasswordHash: () => undefined,
      })
      .then(() => res.status(204).end(), next);
  });
  app.use(stepup.errorHandler());
  return { ...built, clock, dir };
}

/** Sign `username` in with a cookie session and enrol TOTP; the secret and recovery codes. */
export async function enrolTotp(
  app: Parameters<typeof client>[0],
  now: () => number,
  username = 'bob',
) {
  const c = await client(app);
  await c.login(username, `${username}-password-1`);
  const secret = (await c.post('/auth/mfa/totp/enroll')).body.secret as string;
  const confirm = await c.post('/auth/mfa/totp/confirm', {
    code: await generateTotp({ secret, now: now() }),
  });
  if (confirm.status !== 200) throw new Error(JSON.stringify(confirm.body));
  return { c, secret, recoveryCodes: confirm.body.recoveryCodes as string[] };
}

/** `POST /auth/token` without cookies. */
export function mintToken(app: Parameters<typeof request>[0], body: object) {
  return request(app).post('/auth/token').set('Accept', 'application/json').send(body);
}

/** A GET with `Authorization: Bearer`. */
export function withToken(app: Parameters<typeof request>[0], path: string, token: string) {
  return request(app).get(path).set('Authorization', `Bearer ${token}`);
}
