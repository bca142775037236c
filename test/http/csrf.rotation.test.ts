// A new user's client kept the CSRF token of the login answer; after `POST /auth/mfa/totp/confirm`
// (which rotates the session id, and the token with it) every request failed with 403. This walks
// every endpoint that rotates the session and checks: the answer carries the new `csrfToken`, the
// next state-changing request passes with it, and the token from before the rotation is refused
// (a token seen before a login must be worthless after it: OWASP ASVS 5.0 V3.5.1, V7.2.4).
import { describe, expect, it } from 'vitest';
import type { Response } from 'supertest';
import { devOutbox } from '../../lib/mail/mailer.js';
import { emailOtp } from '../../strategies/one-time-code.js';
import { recoveryCodes } from '../../strategies/recovery-code.js';
import { client, makeApp } from '../helpers/app.js';
import { codeIn } from '../helpers/otp-app.js';
import { TEST_HMAC_KEY } from '../helpers/recovery-app.js';
import { codeAt, KEYS } from '../helpers/totp-app.js';
import { fakeClock } from '../helpers/clock.js';
import { totp } from '../../strategies/totp.js';

const STEP_MS = 30_000;

function build() {
  const clock = fakeClock();
  const outbox = devOutbox({ print: false });
  const built = makeApp({
    enrolled: [],
    stepup: { now: clock.now },
    onlyFactors: [
      totp({ encryptionKeys: KEYS }),
      recoveryCodes({ hmacKey: TEST_HMAC_KEY }),
      emailOtp({ mailer: outbox, codeKey: Buffer.alloc(32, 3), appName: 'Acme' }),
    ],
  });
  return { ...built, clock, outbox };
}

describe('every answer that rotates the session carries the new CSRF token', () => {
  it('login, verify, step-up, TOTP confirm, email confirm, inline regenerate, recovery code', async () => {
    const { app, clock, outbox } = build();
    const c = await client(app);
    const agent = c.agent;
    let token = c.csrf;
    const send = (method: 'post' | 'delete', path: string, csrf: string, body: object = {}) =>
      agent[method](path).set('x-csrf-token', csrf).set('Accept', 'application/json').send(body);
    const rotated: string[] = [];

    /** Run a request that must rotate the session; check its token, then adopt it. */
    const rotating = async (name: string, run: (csrf: string) => Promise<Response>) => {
      const sidBefore = c.sessionId();
      const old = token;
      const res = await run(old);
      expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(200);
      expect(c.sessionId(), `${name} rotates the session id`).not.toBe(sidBefore);
      const fresh = (res.body as { csrfToken?: unknown }).csrfToken;
      expect(typeof fresh, `${name} answers with csrfToken`).toBe('string');
      expect(fresh, `${name}: a new token`).not.toBe(old);
      // The old token is refused with a message that says what to do; the new one passes.
      // (DELETE of an unknown browser id changes nothing: 404 or 401 once past the CSRF check.)
      const stale = await send('delete', '/auth/mfa/browsers/none', old);
      expect(stale.status, `${name}: the old token is refused`).toBe(403);
      expect(stale.body).toMatchObject({ error: 'csrf_invalid' });
      expect(stale.body.message).toMatch(/changes with the session/);
      expect(stale.body.message).toMatch(/GET \/auth\/csrf/);
      const next = await send('delete', '/auth/mfa/browsers/none', fresh as string);
      expect(next.status, `${name}: the new token passes`).not.toBe(403);
      token = fresh as string;
      rotated.push(name);
      return res;
    };
    const plain = (method: 'post' | 'delete', path: string, body: object = {}) =>
      send(method, path, token, body);
    const signOutAndIn = async (name: string) => {
      expect((await plain('post', '/auth/logout')).status).toBe(204);
      token = ((await agent.get('/auth/csrf')).body as { csrfToken: string }).csrfToken;
      return rotating(name, (csrf) =>
        send('post', '/auth/login', csrf, { username: 'alice', password: 'alice-password-1' }),
      );
    };

    // alice has no factor yet: the password signs her in (authenticated).
    const first = await rotating('POST /auth/login (signed in)', (csrf) =>
      send('post', '/auth/login', csrf, { username: 'alice', password: 'alice-password-1' }),
    );
    expect(first.body.status).toBe('authenticated');

    const secret = (await plain('post', '/auth/mfa/totp/enroll')).body.secret as string;
    const confirm = await rotating('POST /auth/mfa/totp/confirm', async (csrf) =>
      send('post', '/auth/mfa/totp/confirm', csrf, { code: await codeAt(secret, clock.now()) }),
    );
    const recovery = confirm.body.recoveryCodes as string[];
    expect(recovery.length).toBeGreaterThan(0);

    clock.advance(STEP_MS);
    expect(
      (await plain('post', '/auth/mfa/email/enroll', { email: 'a@example.test' })).status,
    ).toBe(202);
    await rotating('POST /auth/mfa/email/confirm', (csrf) =>
      send('post', '/auth/mfa/email/confirm', csrf, { code: codeIn(outbox.last()?.text) }),
    );

    const pending = await signOutAndIn('POST /auth/login (pending)');
    expect(pending.body.status).toBe('mfa_required');
    clock.advance(STEP_MS);
    await rotating('POST /auth/mfa/verify (second factor)', async (csrf) =>
      send('post', '/auth/mfa/verify', csrf, {
        factor: 'totp',
        code: await codeAt(secret, clock.now()),
      }),
    );
    clock.advance(STEP_MS);
    await rotating('POST /auth/mfa/verify (step-up)', async (csrf) =>
      send('post', '/auth/mfa/verify', csrf, {
        factor: 'totp',
        code: await codeAt(secret, clock.now()),
      }),
    );

    // Stale (past freshSeconds): regenerate steps up inline with the TOTP code in its body.
    clock.advance(10 * 60_000);
    await rotating('POST /auth/mfa/recovery-codes/regenerate {code}', async (csrf) =>
      send('post', '/auth/mfa/recovery-codes/regenerate', csrf, {
        code: await codeAt(secret, clock.now()),
      }),
    );
    const newCodes = (await plain('post', '/auth/mfa/recovery-codes/regenerate')).body
      .recoveryCodes as string[];

    await signOutAndIn('POST /auth/login (pending, again)');
    await rotating('POST /auth/mfa/verify (recovery code)', (csrf) =>
      send('post', '/auth/mfa/verify', csrf, { factor: 'recovery-code', code: newCodes[0] }),
    );

    expect(rotated).toHaveLength(9);
  });
});
