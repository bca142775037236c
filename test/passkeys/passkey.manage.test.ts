// Attack: a stolen session quietly removes the victim's passkey (or renames it to hide a
// planted one), or the account ends with no way back in once the device is lost. Passkeys are
// listed with their labels, renamed in place, removed only with a fresh factor and a current
// proof (with a notice); a user whose only strong factor is a passkey keeps recovery codes.
import { describe, expect, it } from 'vitest';
import { client } from '../helpers/app.js';
import {
  aliceWithPasskey,
  makePasskeyApp,
  verifyWithPasskey,
  type Client,
} from '../helpers/passkey-app.js';

const del = (c: Client, id: string, body: object) =>
  c.agent
    .delete(`/auth/mfa/factors/${id}`)
    .set('x-csrf-token', c.csrf)
    .set('Accept', 'application/json')
    .send(body);

describe('managing passkeys through the factors API', () => {
  it('listed with labels, renamed; another user sees 404', async () => {
    const { app } = makePasskeyApp();
    const { c, reg } = await aliceWithPasskey(app);
    const id = reg.body.id as string;
    const renamed = await c.agent
      .patch(`/auth/mfa/factors/${id}`)
      .set('x-csrf-token', c.csrf)
      .send({ label: 'Work laptop' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id, type: 'passkey', label: 'Work laptop' });
    const list = (await c.get('/auth/mfa/factors')).body.factors;
    expect(list).toContainEqual(expect.objectContaining({ id, label: 'Work laptop' }));
    // Nothing secret in the list: no public key, counter or user handle.
    expect(JSON.stringify(list)).not.toMatch(/publicKey|userHandle|counter/);
    const bob = await client(app);
    await bob.login('bob', 'bob-password-1');
    const foreign = await bob.agent
      .patch(`/auth/mfa/factors/${id}`)
      .set('x-csrf-token', bob.csrf)
      .send({ label: 'mine' });
    expect(foreign.status).toBe(404);
  });

  it('removal needs a fresh factor and a proof; a recovery code works too; a notice is sent', async () => {
    const { app, clock, notices } = makePasskeyApp();
    const { c, reg, auth } = await aliceWithPasskey(app);
    const codes = reg.body.recoveryCodes as string[];
    clock.advance(10 * 60 * 1000);
    const stale = await del(c, reg.body.id, { code: codes[0] });
    expect(stale.status).toBe(401);
    expect(stale.body).toMatchObject({ error: 'mfa_required', reason: 'stale' });
    expect((await verifyWithPasskey(c, auth)).status).toBe(200);
    expect((await del(c, reg.body.id, {})).status).toBe(400);
    expect((await del(c, reg.body.id, { code: '000000' })).status).toBe(401);
    expect((await del(c, reg.body.id, { code: codes[0] })).status).toBe(204);
    expect(notices.filter((n) => n.kind === 'factor_disabled')).toEqual([
      expect.objectContaining({ userId: 'u-alice', data: { factor: 'passkey' } }),
    ]);
  });

  it('a user whose only strong factor is a passkey keeps recovery codes, and they sign her in', async () => {
    const { app } = makePasskeyApp();
    const { c, reg } = await aliceWithPasskey(app);
    expect((await c.get('/auth/mfa/recovery-codes')).body).toMatchObject({ remaining: 10 });
    const again = await client(app);
    const login = await again.login('alice', 'alice-password-1');
    expect(login.body.factors).toEqual(['recovery-code', 'passkey']);
    const codes = reg.body.recoveryCodes as string[];
    const res = await again.post('/auth/mfa/verify', { factor: 'recovery-code', code: codes[1] });
    expect(res.body.status).toBe('authenticated');
  });

  it('disabling TOTP keeps the recovery codes while a passkey remains', async () => {
    const { app, clock } = makePasskeyApp();
    const { c } = await aliceWithPasskey(app);
    const { generateTotp } = await import('../../lib/totp/totp-core.js');
    const enroll = await c.post('/auth/mfa/totp/enroll', { add: true });
    expect(enroll.status).toBe(200);
    const now = clock.now();
    const confirm = await c.post('/auth/mfa/totp/confirm', {
      code: await generateTotp({ secret: enroll.body.secret, now }),
    });
    expect(confirm.status).toBe(200);
    const disable = await c.post('/auth/mfa/totp/disable', {
      code: await generateTotp({ secret: enroll.body.secret, now: now + 30_000 }),
    });
    expect(disable.status).toBe(200);
    expect((await c.get('/auth/mfa/recovery-codes')).body).toMatchObject({ remaining: 10 });
  });

  it('admin reset removes every passkey', async () => {
    const { app, stepup } = makePasskeyApp();
    await aliceWithPasskey(app);
    await stepup.adminReset(undefined, 'u-alice');
    expect(await stepup.credentials.list('u-alice')).toEqual([]);
    expect(await stepup.enrolledFactors('u-alice')).toEqual([]);
  });
});
