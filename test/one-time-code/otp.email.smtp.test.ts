// Attack surface: the real mail path. A code must travel through SMTP and work from the message
// as received; a mail server that refuses or is down must give a clear 503 that uses nothing up
// (no cooldown, no attempt), so the user can simply try again.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { smtpMailer, type Mailer } from '../../lib/mail/mailer.js';
import { emailNotifier } from '../../lib/mail/notifier.js';
import { client } from '../helpers/app.js';
import { codeIn, makeOtpApp } from '../helpers/otp-app.js';

interface Received {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

let server: SMTPServer;
let port: number;
const inbox: Received[] = [];
let refuse = false;
const mailers: Mailer[] = [];

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    // Loopback test server without a certificate: no STARTTLS offered.
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (refuse) callback(Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 }));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        inbox.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  server.listen(0, '127.0.0.1');
  await once(server.server, 'listening');
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const m of mailers) await m.close?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(() => {
  inbox.length = 0;
  refuse = false;
});

function mailer(url = `smtp://127.0.0.1:${port}`, timeoutMs = 2000): Mailer {
  const m = smtpMailer(url, { from: 'Acme Security <security@acme.test>', timeoutMs });
  mailers.push(m);
  return m;
}

/** The subject header of a raw message (the default subject starts with the code). */
function subjectOf(raw: string): string {
  return /^Subject: (.*)$/m.exec(raw)?.[1] ?? '';
}

describe('email codes over a real SMTP server', () => {
  it('the code read from the received message signs in', async () => {
    const built = makeOtpApp({ mailer: mailer() });
    const c = await client(built.app);
    await c.login('alice', 'alice-password-1');
    const sent = await c.post('/auth/mfa/email/send');
    expect(sent.status).toBe(202);
    expect(inbox).toHaveLength(1);
    const [message] = inbox;
    expect(message?.to).toEqual(['alice@example.test']);
    expect(message?.from).toBe('security@acme.test');
    expect(message?.raw).toMatch(/Content-Type: multipart\/alternative/);
    const code = codeIn(subjectOf(message?.raw ?? ''));
    expect(message?.raw).toContain(`verification code is: ${code}`);
    const ok = await c.verify(code, 'email-otp');
    expect(ok.status).toBe(200);
    expect(ok.body.amr).toEqual(['pwd', 'email', 'mfa']);
  });

  it('a refused recipient: 503 delivery_failed, no cooldown used, a retry works', async () => {
    const built = makeOtpApp({ mailer: mailer() });
    const c = await client(built.app);
    await c.login('alice', 'alice-password-1');
    refuse = true;
    const failed = await c.post('/auth/mfa/email/send');
    expect(failed.status).toBe(503);
    expect(failed.body.error).toBe('delivery_failed');
    expect(failed.headers['retry-after']).toBe('5');
    const event = built.events.find((e) => e.type === 'otp.delivery_failed');
    expect(event).toMatchObject({ userId: 'u-alice', factor: 'email-otp', reason: 'smtp' });
    refuse = false;
    const retry = await c.post('/auth/mfa/email/send');
    expect(retry.status).toBe(202);
    const code = codeIn(subjectOf(inbox.at(-1)?.raw ?? ''));
    expect((await c.verify(code, 'email-otp')).status).toBe(200);
  });

  it('a mail server that is down: a DeliveryError that names no secret', async () => {
    const closed = new SMTPServer({ disabledCommands: ['STARTTLS', 'AUTH'], logger: false });
    closed.listen(0, '127.0.0.1');
    await once(closed.server, 'listening');
    const deadPort = (closed.server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const m = mailer(`smtp://user:hunter2@127.0.0.1:${deadPort}`, 500);
    const err = await m.send({ to: 'a@b.test', subject: 's', text: 't' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'DeliveryError', channel: 'email' });
    expect(String((err as Error).message)).toContain(`127.0.0.1:${deadPort}`);
    expect(String((err as Error).message)).not.toContain('hunter2');
  });

  it('security notices go out through the same transport, without any code', async () => {
    const getEmail = () => 'alice@example.test';
    const notify = emailNotifier({ mailer: mailer(), getEmail, appName: 'Acme' });
    const time = Date.UTC(2026, 0, 2);
    await notify({ userId: 'u-alice', kind: 'factor_disabled', time, data: { factor: 'totp' } });
    expect(inbox).toHaveLength(1);
    const subject = subjectOf(inbox[0]?.raw ?? '');
    expect(subject).toBe('A sign-in method was removed from your Acme account');
    expect(inbox[0]?.raw).toContain('Authenticator app can no longer be used');
  });

  it('smtpMailer checks its options', () => {
    expect(() => smtpMailer('http://x', { from: 'a@b.c' })).toThrow(/smtp:\/\/ or smtps:\/\//);
    expect(() => smtpMailer('not a url', { from: 'a@b.c' })).toThrow(/SMTP URL/);
    expect(() => smtpMailer('smtp://x', { from: '' })).toThrow(/from is required/);
  });
});
