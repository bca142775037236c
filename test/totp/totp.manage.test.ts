// Attack: a stolen session (no second factor in hand) tries to turn TOTP off or swap in the
// attacker's authenticator; an insider reads the store looking for secrets. Changing factors
// needs a fresh second factor and a current code; the store holds ciphertext only.
import { hostOf } from '../../lib/core/context.js';
import { describe, expect, it } from 'vitest';
import { client } from '../helpers/app.js';
import { codeAt, enrolledClient, makeTotpApp } from '../helpers/totp-app.js';
import type { MemoryStore } from '../../lib/index.js';

describe('TOTP disable', () => {
  it('a wrong code leaves it on; the right code in a fresh session turns it off', async () => {
    const { app, clock, stepup, events } = makeTotpApp();
    const { c, secret } = await enrolledClient(app, clock.now);
    const epochBefore = await hostOf(stepup).context.credentialEpoch('u-alice');
    clock.advance(30_000);
    const wrong = await c.post('/auth/mfa/totp/disable', { code: '000000' });
    expect(wrong.status).toBe(401);
    expect(await stepup.factors.get('totp')?.isEnrolled('u-alice')).toBe(true);
    const ok = await c.post('/auth/mfa/totp/disable', { code: await codeAt(secret, clock.now()) });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ enabled: false });
    expect(await stepup.factors.get('totp')?.isEnrolled('u-alice')).toBe(false);
    expect(events.some((e) => e.type === 'totp.disabled')).toBe(true);
    expect(await hostOf(stepup).context.credentialEpoch('u-alice')).toBe(epochBefore + 1);
  });

  it('a session whose second factor is stale must step up first (401 mfa_required)', async () => {
    const { app, clock, stepup } = makeTotpApp();
    const { c, secret } = await enrolledClient(app, clock.now);
    clock.advance(6 * 60_000);
    const res = await c.post('/auth/mfa/totp/disable', { code: await codeAt(secret, clock.now()) });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'mfa_required', reason: 'stale', factors: ['totp'] });
    expect(await stepup.factors.get('totp')?.isEnrolled('u-alice')).toBe(true);
  });

  it('a pending session cannot disable', async () => {
    const { app, clock } = makeTotpApp();
    const { secret } = await enrolledClient(app, clock.now);
    const d = await client(app);
    await d.login('alice', 'alice-password-1');
    clock.advance(30_000);
    const res = await d.post('/auth/mfa/totp/disable', { code: await codeAt(secret, clock.now()) });
    expect(res.status).toBe(401);
  });
});

describe('TOTP re-enrolment', () => {
  it('needs a fresh factor; the old secret works until the new one is confirmed', async () => {
    const { app, clock } = makeTotpApp();
    const { c, secret: oldSecret } = await enrolledClient(app, clock.now);
    clock.advance(6 * 60_000);
    expect((await c.post('/auth/mfa/totp/enroll')).status).toBe(401);
    await c.verify(await codeAt(oldSecret, clock.now()), 'totp');
    const enroll = await c.post('/auth/mfa/totp/enroll');
    expect(enroll.status).toBe(200);
    const newSecret = enroll.body.secret as string;
    expect(newSecret).not.toBe(oldSecret);
    // Not confirmed yet: a new login still takes the old secret.
    clock.advance(30_000);
    const d = await client(app);
    await d.login('alice', 'alice-password-1');
    expect((await d.verify(await codeAt(oldSecret, clock.now()), 'totp')).status).toBe(200);
    // Confirm (same step as the old code just used: the new secret has its own counter).
    const confirm = await c.post('/auth/mfa/totp/confirm', {
      code: await codeAt(newSecret, clock.now()),
    });
    expect(confirm.status).toBe(200);
    clock.advance(30_000);
    const e = await client(app);
    await e.login('alice', 'alice-password-1');
    expect((await e.verify(await codeAt(oldSecret, clock.now()), 'totp')).status).toBe(401);
    expect((await e.verify(await codeAt(newSecret, clock.now()), 'totp')).status).toBe(200);
  });
});

describe('TOTP secrets at rest', () => {
  it('the store and the events never contain the Base32 secret', async () => {
    const { app, clock, stepup, events } = makeTotpApp();
    const { c, secret } = await enrolledClient(app, clock.now);
    // Also leave a pending enrolment in the store.
    clock.advance(30_000);
    const pending = await c.post('/auth/mfa/totp/enroll');
    const dump = JSON.stringify((stepup.store as MemoryStore).dump());
    expect(dump).toContain('v1.k1.');
    for (const s of [secret, pending.body.secret as string]) {
      expect(dump).not.toContain(s);
      expect(dump.toLowerCase()).not.toContain(s.toLowerCase());
      expect(dump).not.toContain(Buffer.from(s).toString('hex'));
      expect(JSON.stringify(events)).not.toContain(s);
    }
  });
});

describe('admin reset', () => {
  it('removes TOTP, emits admin.mfa_reset and bumps the credential epoch', async () => {
    const { app, clock, stepup, events } = makeTotpApp();
    await enrolledClient(app, clock.now);
    await stepup.adminReset(undefined, 'u-alice', 'u-admin');
    expect(await stepup.factors.get('totp')?.isEnrolled('u-alice')).toBe(false);
    expect(events.find((e) => e.type === 'admin.mfa_reset')).toMatchObject({
      userId: 'u-alice',
      adminId: 'u-admin',
    });
    expect(await hostOf(stepup).context.credentialEpoch('u-alice')).toBe(1);
    const d = await client(app);
    expect((await d.login('alice', 'alice-password-1')).body.status).toBe('authenticated');
  });

  it('the router endpoint answers 403 to a non-admin and 204 to an admin', async () => {
    const { app, clock, stepup } = makeTotpApp({
      stepup: { isAdmin: (req) => (req.user as { id?: string } | undefined)?.id === 'u-bob' },
      enrolled: ['u-bob'],
    });
    const { c } = await enrolledClient(app, clock.now);
    const denied = await c.post('/auth/admin/users/u-bob/mfa/reset');
    expect(denied.status).toBe(403);
    expect(denied.body.error).toBe('forbidden');
    const admin = await client(app);
    await admin.login('bob', 'bob-password-1');
    await admin.verify('246810');
    const ok = await admin.post('/auth/admin/users/u-alice/mfa/reset');
    expect(ok.status).toBe(204);
    expect(await stepup.factors.get('totp')?.isEnrolled('u-alice')).toBe(false);
  });
});
