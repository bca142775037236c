// Attack (and support case): a user lost their phone, or an attacker enrolled a factor on a
// hijacked account. An admin reset must leave nothing of the user's MFA state behind: factors,
// recovery codes, email address, remembered browsers, lockout, known devices. Non-admins: 403.
import { describe, expect, it } from 'vitest';
import { emailOtp } from '../../strategies/one-time-code.js';
import { recoveryCodes } from '../../strategies/recovery-code.js';
import { totp } from '../../strategies/totp.js';
import { devOutbox, MemoryStore, newDevice } from '../../lib/index.js';
import { client, makeApp } from '../helpers/app.js';
import { credentialsFor } from '../helpers/shared-credentials.js';
import { fakeClock } from '../helpers/clock.js';
import { codeIn } from '../helpers/otp-app.js';
import { codeAt, KEYS } from '../helpers/totp-app.js';

describe('admin reset', () => {
  it('removes every piece of the user MFA state; only the credential epoch stays', async () => {
    const clock = fakeClock();
    const store = new MemoryStore({ now: clock.now });
    const outbox = devOutbox({ print: false });
    const { app, events } = makeApp({
      stepup: {
        store,
        now: clock.now,
        when: newDevice(),
        isAdmin: (req) => (req.user as { id?: string } | undefined)?.id === 'u-bob',
        rememberBrowser: { secret: 'admin-reset-remember-secret-0123456789' },
      },
      enrolled: ['u-bob'],
      extraFactors: [
        totp({ encryptionKeys: KEYS }),
        recoveryCodes({ hmacKey: Buffer.alloc(32, 1) }),
        emailOtp({ mailer: outbox, codeKey: Buffer.alloc(32, 2) }),
      ],
    });
    const c = await client(app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('enrollment_required');
    const secret = (await c.post('/auth/mfa/totp/enroll')).body.secret as string;
    await c.post('/auth/mfa/totp/confirm', { code: await codeAt(secret, clock.now()) });
    await c.post('/auth/mfa/email/enroll', { email: 'alice@example.test' });
    await c.post('/auth/mfa/email/confirm', {
      code: codeIn(outbox.last('alice@example.test')?.text),
    });
    clock.advance(30_000);
    const d = await client(app);
    await d.login('alice', 'alice-password-1');
    await d.post('/auth/mfa/verify', {
      factor: 'totp',
      code: await codeAt(secret, clock.now()),
      rememberBrowser: true,
    });
    const e = await client(app);
    await e.login('alice', 'alice-password-1');
    await e.verify('000000', 'totp');
    const before = Object.keys(store.dump()).filter((k) => k.startsWith('{u-alice}'));
    const credentials = credentialsFor(store);
    const rows = async () => (await credentials.list('u-alice')).map((r) => r.type).sort();
    expect(await rows()).toEqual(['email', 'recovery-codes', 'totp']);
    for (const part of ['totp', 'rb-index', 'devices', 'mfa:failures']) {
      expect(
        before.some((k) => k.includes(part)),
        `${part} in ${before.join(' ')}`,
      ).toBe(true);
    }

    const nonAdmin = await c.post('/auth/admin/users/u-alice/mfa/reset');
    expect(nonAdmin.status).toBe(403);
    expect(nonAdmin.body.error).toBe('forbidden');

    const admin = await client(app);
    await admin.login('bob', 'bob-password-1');
    await admin.verify('246810');
    expect((await admin.post('/auth/admin/users/u-alice/mfa/reset')).status).toBe(204);
    const after = Object.keys(store.dump()).filter((k) => k.startsWith('{u-alice}'));
    // The TOTP replay marker lived in the TOTP row, which is gone with it.
    // Only the epochs stay: they must never move back (a revoked browser or a pending login of
    // before the reset would be trusted again).
    expect(after.sort()).toEqual(['{u-alice}:credential-epoch', '{u-alice}:login-epoch']);
    expect(await rows()).toEqual([]);
    expect(events.find((ev) => ev.type === 'admin.mfa_reset')).toMatchObject({
      userId: 'u-alice',
      adminId: 'u-bob',
    });
    // Alice starts over: no factor, a new device again.
    const f = await client(app);
    expect((await f.login('alice', 'alice-password-1')).body.status).toBe('enrollment_required');
  });
});
