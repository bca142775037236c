// Attack: a stolen or leaked token must open as little as possible and die when it should. A
// token can never manage factors, tokens, the password or sessions, act as an admin, or step a
// session up (sokosumi #4466, soundspan #370, Nextcloud #12543); a bad token is 401
// `invalid_token` and never a 500; the cookie session is ignored when a bearer header is
// present; and a password change, an admin reset or removing the token's factor ends it
// (docs/architecture.md, invariant 22).
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { codeAt } from '../helpers/totp-app.js';
import { enrolTotp, makeTokenApp, mintToken, withToken } from '../helpers/token-app.js';
import type { Notice } from '../helpers/recovery-app.js';

async function bobWithToken(options: Parameters<typeof makeTokenApp>[0] = {}) {
  const built = await makeTokenApp(options);
  const { app, clock } = built;
  const enrolled = await enrolTotp(app, clock.now);
  clock.advance(60_000);
  const res = await mintToken(app, {
    username: 'bob',
    password: 'bob-password-1',
    code: await codeAt(enrolled.secret, clock.now()),
  });
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  return { ...built, ...enrolled, token: res.body.access_token as string, tokenId: res.body.id };
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function withChecksum(head: string): string {
  let n = BigInt(crc32(head));
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return head + out;
}

describe('what a bearer token can never do', () => {
  it('bad tokens → 401 invalid_token with the RFC 6750 challenge, never a 500', async () => {
    const { app, clock, token } = await bobWithToken();
    const forged = withChecksum('psu_' + 'A'.repeat(43));
    const otherPrefix = withChecksum('ghp_' + token.slice(4, 47));
    const broken = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const bad of [
      forged,
      otherPrefix,
      broken,
      token.slice(0, 30),
      token + 'x',
      '',
      'x'.repeat(10_000),
      '\u00e9\u00e9',
      createHash('sha256').update(token).digest('base64url'),
    ]) {
      const res = await request(app).get('/reports').set('Authorization', `Bearer ${bad}`);
      expect(res.status, bad.slice(0, 40)).toBe(401);
      expect(res.body.error).toBe('invalid_token');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
    }
    // Expired: past 8 hours on the fake clock.
    expect((await withToken(app, '/reports', token)).status).toBe(200);
    clock.advance(8 * 3600_000);
    const expired = await withToken(app, '/reports', token);
    expect(expired.status).toBe(401);
    expect(expired.body.error).toBe('invalid_token');
  });

  it('every account action answers 403 interactive_session_required; with a cookie it works', async () => {
    const { app, token, c } = await bobWithToken();
    const bearer = (r: request.Test) =>
      r.set('Authorization', `Bearer ${token}`).set('Accept', 'application/json');
    const attempts: [string, request.Test][] = [
      ['totp enroll', request(app).post('/auth/mfa/totp/enroll')],
      [
        'verify (step-up)',
        request(app).post('/auth/mfa/verify').send({ factor: 'totp', code: '123456' }),
      ],
      ['factors list', request(app).get('/auth/mfa/factors')],
      ['recovery regenerate', request(app).post('/auth/mfa/recovery-codes/regenerate')],
      ['passkey register', request(app).post('/auth/mfa/passkeys/register/options')],
      ['create token', request(app).post('/auth/tokens').send({ label: 'x', expiresInDays: 1 })],
      ['list tokens', request(app).get('/auth/tokens')],
      ['sessions', request(app).get('/auth/sessions')],
      ['end sessions', request(app).delete('/auth/sessions')],
      ['admin reset', request(app).post('/auth/admin/users/u-alice/mfa/reset')],
      ['session view', request(app).get('/auth/session')],
      ['logout', request(app).post('/auth/logout')],
      [
        'app password change',
        request(app).post('/password').send({ newPassword: 'a-new-passw0rd!' }),
      ],
    ];
    for (const [what, req] of attempts) {
      const res = await bearer(req);
      expect(res.status, what).toBe(403);
      expect(res.body.error, what).toBe('interactive_session_required');
    }
    expect((await c.get('/auth/sessions')).status).toBe(200);
    expect((await c.get('/auth/tokens')).status).toBe(200);
    expect((await c.get('/auth/mfa/factors')).status).toBe(200);
  });

  it("the cookie session is ignored when a bearer header is there: A's token reads A, not B", async () => {
    const { app, c } = await bobWithToken();
    const alice = await mintToken(app, { username: 'alice', password: 'alice-password-1' });
    const aliceToken = alice.body.access_token as string;
    // Bob's satisfied cookie session with Alice's AAL1 token: Alice, and only AAL1.
    const me = await c.agent.get('/me').set('Authorization', `Bearer ${aliceToken}`);
    expect(me.body.mfa).toMatchObject({ userId: 'u-alice', aal: 1 });
    const reports = await c.agent
      .get('/reports')
      .set('Authorization', `Bearer ${aliceToken}`)
      .set('Accept', 'application/json');
    expect(reports.status).toBe(401);
    // A bad token with a good cookie is still refused.
    const bad = await c.agent.get('/reports').set('Authorization', 'Bearer psu_nope');
    expect(bad.status).toBe(401);
    expect((await c.get('/reports')).status).toBe(200);
  });

  it('events: token.created, token.rejected, token.revoked, and none carries the token', async () => {
    const { app, token, events } = await bobWithToken();
    await withToken(app, '/reports', 'psu_nope');
    await request(app).delete('/auth/token').set('Authorization', `Bearer ${token}`);
    const types = events.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['token.created', 'token.rejected', 'token.revoked']),
    );
    expect(events.find((e) => e.type === 'token.rejected')).toMatchObject({ reason: 'malformed' });
    expect(JSON.stringify(events)).not.toContain(token.slice(4, 30));
  });

  it('DELETE /auth/token revokes the token itself (the CLI logout)', async () => {
    const { app, token } = await bobWithToken();
    expect((await request(app).delete('/auth/token')).status).toBe(401);
    const out = await request(app).delete('/auth/token').set('Authorization', `Bearer ${token}`);
    expect(out.status).toBe(204);
    expect((await withToken(app, '/reports', token)).body.error).toBe('invalid_token');
    const again = await request(app).delete('/auth/token').set('Authorization', `Bearer ${token}`);
    expect(again.status).toBe(401);
  });
});

describe('every way out ends the tokens', () => {
  it('a password change ends every token of the user', async () => {
    const { app, token, c } = await bobWithToken();
    const alice = await mintToken(app, { username: 'alice', password: 'alice-password-1' });
    expect((await c.post('/password', { newPassword: 'a-brand-new-passw0rd' })).status).toBe(204);
    expect((await withToken(app, '/reports', token)).body.error).toBe('invalid_token');
    // Alice's token is hers: untouched.
    expect((await withToken(app, '/me', alice.body.access_token as string)).status).toBe(200);
  });

  it('an admin reset ends them; disabling TOTP ends the TOTP tokens only', async () => {
    const { app, token, stepup, clock, secret, c } = await bobWithToken();
    const alice = await mintToken(app, { username: 'alice', password: 'alice-password-1' });
    clock.advance(30_000);
    const second = await mintToken(app, {
      username: 'bob',
      password: 'bob-password-1',
      code: await codeAt(secret, clock.now()),
    });
    expect(second.status).toBe(200);
    const disabled = await c.post('/auth/mfa/totp/disable', {
      code: await codeAt(secret, clock.now() + 30_000),
    });
    expect(disabled.status).toBe(200);
    expect((await withToken(app, '/me', token)).body.error).toBe('invalid_token');
    expect((await withToken(app, '/me', second.body.access_token as string)).status).toBe(401);
    const aliceToken = alice.body.access_token as string;
    expect((await withToken(app, '/me', aliceToken)).status).toBe(200);
    await stepup.adminReset(undefined, 'u-alice');
    expect((await withToken(app, '/me', aliceToken)).body.error).toBe('invalid_token');
  });

  it('disabling the last strong factor drops the recovery codes, and the tokens they minted', async () => {
    const { app, c, clock, secret, recoveryCodes } = await bobWithToken();
    const byCode = await mintToken(app, {
      username: 'bob',
      password: 'bob-password-1',
      factor: 'recovery-code',
      code: recoveryCodes[1],
    });
    expect(byCode.status).toBe(200);
    const token = byCode.body.access_token as string;
    expect((await withToken(app, '/me', token)).status).toBe(200);
    clock.advance(30_000);
    const off = await c.post('/auth/mfa/totp/disable', { code: await codeAt(secret, clock.now()) });
    expect(off.status).toBe(200);
    expect((await withToken(app, '/me', token)).body.error).toBe('invalid_token');
  });
});

describe('personal access tokens', () => {
  it('made from a fresh session, shown once, listed without the token, revoked, mailed', async () => {
    const notices: Notice[] = [];
    const { app, c, clock, secret } = await bobWithToken({
      stepup: { notify: (n) => void notices.push(n) },
    });
    const made = await c.post('/auth/tokens', { label: 'backup script', expiresInDays: 30 });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ token_type: 'Bearer', expires_in: 30 * 86_400, aal: 2 });
    // The token is shown once and never kept by a shared cache (the router's no-store).
    expect(made.headers['cache-control']).toBe('no-store');
    expect(notices.map((n) => n.kind)).toContain('token_created');
    const pat = made.body.access_token as string;
    const me = await withToken(app, '/me', pat);
    expect(me.body.mfa.bearer.kind).toBe('personal');
    const list = await c.get('/auth/tokens');
    expect(JSON.stringify(list.body)).not.toContain(pat);
    expect(list.body.tokens).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: made.body.id, label: 'backup script', kind: 'personal' }),
      ]),
    );
    const sessions = await c.get('/auth/sessions');
    expect(sessions.body.tokens.map((t: { id: string }) => t.id)).toContain(made.body.id);
    // Over the limit of days, a bad label: 400.
    expect((await c.post('/auth/tokens', { label: 'x', expiresInDays: 91 })).status).toBe(400);
    expect((await c.post('/auth/tokens', { label: '', expiresInDays: 1 })).status).toBe(400);
    // A stale second factor: 401 mfa_required, no token.
    clock.advance(6 * 60_000);
    const stale = await c.post('/auth/tokens', { label: 'late', expiresInDays: 1 });
    expect(stale.status).toBe(401);
    expect(stale.body.error).toBe('mfa_required');
    // Revoke: another user's id is a 404; its own goes and the token is refused.
    expect((await c.agent.delete('/auth/tokens/nope').set('x-csrf-token', c.csrf)).status).toBe(
      404,
    );
    const del = await c.agent.delete(`/auth/tokens/${made.body.id}`).set('x-csrf-token', c.csrf);
    expect(del.status).toBe(204);
    expect((await withToken(app, '/me', pat)).body.error).toBe('invalid_token');
    void secret;
  });
});
