// Attack: someone who holds the password or a session changes the victim's factors, burns
// recovery codes or guesses codes until the lock. The real user must hear about it by email,
// and that email must never carry a code or a secret that would help the attacker further.
import { describe, expect, it } from 'vitest';
import { AttemptCounter } from '../../lib/core/attempts.js';
import { StepupEvents } from '../../lib/core/events.js';
import { devOutbox } from '../../lib/mail/mailer.js';
import { emailNotifier } from '../../lib/mail/notifier.js';
import type { NoticeKind, SecurityNotice } from '../../lib/core/context.js';
import { MemoryStore } from '../../lib/stores/memory.js';
import { client } from '../helpers/app.js';
import { codeIn, makeOtpApp } from '../helpers/otp-app.js';

const TIME = Date.UTC(2026, 5, 1, 12, 0, 0);

function notice(
  kind: string,
  data: Record<string, unknown> = {},
  extra: Partial<SecurityNotice> = {},
): SecurityNotice {
  // Unknown kinds too: an app may forward notices of its own through the same notifier.
  return { userId: 'u-alice', kind: kind as SecurityNotice['kind'], time: TIME, data, ...extra };
}

function setup(options: Partial<Parameters<typeof emailNotifier>[0]> = {}) {
  const outbox = devOutbox({ print: false });
  const notify = emailNotifier({
    mailer: outbox,
    getEmail: (id) => (id === 'u-alice' ? 'alice@example.test' : undefined),
    appName: 'Acme',
    ...options,
  });
  return { outbox, notify };
}

describe('emailNotifier', () => {
  it('tells what happened, when, from where; HTML is escaped', async () => {
    const { outbox, notify } = setup();
    await notify(
      notice(
        'factor_enabled',
        { factor: 'totp' },
        { ip: '203.0.113.9', userAgent: '<script>x()</script>' },
      ),
    );
    const mail = outbox.last();
    expect(mail).toMatchObject({
      to: 'alice@example.test',
      subject: 'A sign-in method was added to your Acme account',
    });
    expect(mail?.text).toContain('Authenticator app can now be used');
    expect(mail?.text).toContain('When: 2026-06-01T12:00:00.000Z');
    expect(mail?.text).toContain('IP address: 203.0.113.9');
    expect(mail?.html).toContain('&#60;script&#62;');
    expect(mail?.html).not.toContain('<script>');
  });

  it('has a message for every kind the library sends, and a generic one for others', async () => {
    const { outbox, notify } = setup();
    const kinds = [
      'factor_enabled',
      'factor_disabled',
      'recovery_code_used',
      'recovery_codes_regenerated',
      'remembered_browser_added',
      'admin_reset',
      'lockout',
      'password_changed',
      'constructor',
      'custom_kind',
    ];
    for (const kind of kinds) await notify(notice(kind, { remaining: 3 }));
    const subjects = outbox.messages().map((m) => m.subject);
    expect(new Set(subjects.slice(0, 8)).size).toBe(8);
    expect(subjects.slice(8)).toEqual(Array(2).fill('Security notice for your Acme account'));
    expect(outbox.messages()[2]?.text).toContain('3 unused codes are left');
  });

  it('never passes on codes or secrets put into notice data', async () => {
    const { outbox, notify } = setup();
    const data = { code: '482913', secret: 'JBSWY3DPEHPK3PXP', token: 'tok-1', remaining: 9 };
    await notify(notice('recovery_code_used', data));
    const all = JSON.stringify(outbox.messages());
    for (const secret of ['482913', 'JBSWY3DPEHPK3PXP', 'tok-1']) expect(all).not.toContain(secret);
  });

  it('each kind can be switched off; templates can be replaced per kind', async () => {
    const { outbox, notify } = setup({
      kinds: { remembered_browser_added: false },
      templates: { lockout: { subject: (d) => `[${d.appName}] locked`, html: undefined } },
    });
    await notify(notice('remembered_browser_added', { label: 'Firefox on Linux' }));
    expect(outbox.messages()).toHaveLength(0);
    await notify(notice('lockout'));
    expect(outbox.last()?.subject).toBe('[Acme] locked');
    expect(outbox.last()?.text).toContain('too many wrong codes');
  });

  it('no address: nothing is sent; a mail failure rejects (createStepup reports it)', async () => {
    const { outbox, notify } = setup();
    await notify(notice('lockout', {}, { userId: 'u-nobody' }));
    expect(outbox.messages()).toHaveLength(0);
    const errors: unknown[] = [];
    const failing = emailNotifier({
      mailer: { send: () => Promise.reject(new Error('smtp down')) },
      getEmail: () => 'a@b.test',
      onError: (err) => errors.push(err),
    });
    await expect(failing(notice('lockout'))).rejects.toThrow('smtp down');
    expect(errors).toHaveLength(1);
  });

  it('checks its options', () => {
    expect(() => emailNotifier({ getEmail: () => 'x' } as never)).toThrow(/mailer is required/);
    expect(() => setup({ kinds: { lockout: 'no' as never } })).toThrow(/kinds.lockout/);
    expect(() => setup({ getEmail: undefined as never })).toThrow(/getEmail/);
  });
});

describe('notices from the library', () => {
  it('a failing notifier does not undo the change; notify.failed is emitted', async () => {
    const mailer = { send: () => Promise.reject(new Error('down')) };
    const built = makeOtpApp({
      stepup: { notify: emailNotifier({ mailer, getEmail: () => 'b@x.test' }) },
    });
    const c = await client(built.app);
    await c.login('bob', 'bob-password-1');
    await c.post('/auth/mfa/email/enroll', { email: 'bob@example.test' });
    const ok = await c.post('/auth/mfa/email/confirm', { code: codeIn(built.outbox.last()?.text) });
    expect(ok.status).toBe(200);
    const failed = built.events.find((e) => e.type === 'notify.failed');
    expect(failed).toMatchObject({ kind: 'factor_enabled' });
  });

  it('lockout: AttemptCounter calls its onLock hook once, at the lock', async () => {
    const store = new MemoryStore();
    const { outbox, notify } = setup();
    const onLock = (_req: unknown, userId: string, factor: string, kind: NoticeKind) =>
      notify({ userId, kind, time: TIME, data: { factor } });
    const events = new StepupEvents(Date.now);
    const counter = new AttemptCounter(store, events, { maxFailures: 3 }, onLock);
    const wrong = () => Promise.resolve({ ok: false, error: 'INVALID_CODE' } as const);
    for (let i = 0; i < 3; i++) await counter.attempt(undefined, 'u-alice', 'email-otp', wrong);
    expect(outbox.messages()).toHaveLength(1);
    expect(outbox.last()?.subject).toBe('Too many wrong codes on your Acme account');
    await store.close?.();
  });
});
