// Attack surface: the SMS gateway. A code must reach the webhook as JSON and work from the text
// received; a gateway that fails (HTTP 500) or hangs must give a clear 503 delivery_failed
// quickly, using up nothing: no resend cooldown, no lockout attempt, and the previous code
// (if any) still works because the user never got a replacement.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { devOutbox } from '../../lib/mail/mailer.js';
import { consoleSmsSender, webhookSmsSender } from '../../lib/sms/sender.js';
import { client } from '../helpers/app.js';
import { codeIn, makeOtpApp } from '../helpers/otp-app.js';

type Mode = 'ok' | 'fail' | 'hang';
let mode: Mode = 'ok';
let server: Server;
let url: string;
interface Hit {
  readonly body: { to: string; text: string };
  readonly auth: string | undefined;
  readonly type: string | undefined;
}
const received: Hit[] = [];

async function readJson(req: IncomingMessage) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to: string; text: string };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    if (mode === 'hang') return; // never answers
    readJson(req).then(
      (body) => {
        if (mode === 'fail') {
          res.writeHead(500).end('gateway exploded');
          return;
        }
        received.push({ body, auth: req.headers.authorization, type: req.headers['content-type'] });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"queued":true}');
      },
      () => res.writeHead(400).end(),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms?key=s3cret`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(() => {
  mode = 'ok';
  received.length = 0;
});

function app() {
  const headers = { Authorization: 'Bearer gw-token' };
  const sender = webhookSmsSender({ url, timeoutMs: 300, headers });
  return makeOtpApp({ sender });
}

async function pending(built: ReturnType<typeof makeOtpApp>) {
  const c = await client(built.app);
  expect((await c.login('alice', 'alice-password-1')).body.factors).toContain('sms-otp');
  return c;
}

describe('SMS codes through the webhook sender', () => {
  it('POSTs {to, text} as JSON with the headers; the texted code signs in (amr sms)', async () => {
    const built = app();
    const c = await pending(built);
    const sent = await c.post('/auth/mfa/sms/send');
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({
      status: 'sent',
      expiresIn: 300,
      resendIn: 60,
      destination: '**********11',
    });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ auth: 'Bearer gw-token', type: 'application/json' });
    expect(received[0]?.body.to).toBe('+15550001111');
    const code = codeIn(received[0]?.body.text);
    expect(received[0]?.body.text).toMatch(new RegExp(`^${code} is your Acme code`));
    const ok = await c.verify(code, 'sms-otp');
    expect(ok.status).toBe(200);
    expect(ok.body.amr).toEqual(['pwd', 'sms', 'mfa']);
  });

  it('HTTP 500 from the gateway: 503 delivery_failed, no attempt, no cooldown used', async () => {
    const built = app();
    const c = await pending(built);
    mode = 'fail';
    const failed = await c.post('/auth/mfa/sms/send');
    expect(failed.status).toBe(503);
    expect(failed.body.error).toBe('delivery_failed');
    expect(failed.body.message).toMatch(/try again/i);
    const event = built.events.find((e) => e.type === 'otp.delivery_failed');
    expect(event).toMatchObject({ reason: 'http_500' });
    expect(await built.stepup.store.get('{u-alice}:mfa:failures')).toBeNull();
    mode = 'ok';
    const retry = await c.post('/auth/mfa/sms/send');
    expect(retry.status).toBe(202);
    expect((await c.verify(codeIn(received.at(-1)?.body.text), 'sms-otp')).status).toBe(200);
  });

  it('a gateway that does not answer: 503 delivery_failed at the timeout, no hang', async () => {
    const built = app();
    const c = await pending(built);
    mode = 'hang';
    const started = Date.now();
    const failed = await c.post('/auth/mfa/sms/send');
    expect(failed.status).toBe(503);
    expect(failed.body.error).toBe('delivery_failed');
    expect(Date.now() - started).toBeLessThan(3000);
    const event = built.events.find((e) => e.type === 'otp.delivery_failed');
    expect(event).toMatchObject({ reason: 'timeout' });
    mode = 'ok';
    expect((await c.post('/auth/mfa/sms/send')).status).toBe(202);
  });

  it('a failed resend leaves the previous code working (no new one arrived)', async () => {
    const built = app();
    const c = await pending(built);
    await c.post('/auth/mfa/sms/send');
    const first = codeIn(received[0]?.body.text);
    built.clock.advance(61_000);
    mode = 'fail';
    expect((await c.post('/auth/mfa/sms/send')).status).toBe(503);
    expect((await c.verify(first, 'sms-otp')).status).toBe(200);
  });

  it('errors are clear and never carry the URL query, the headers or the text', async () => {
    const headers = { authorization: 'Bearer gw-token' };
    const sender = webhookSmsSender({ url, timeoutMs: 100, headers });
    const message = { to: '+15550001111', text: '123456 is your code' };
    type Failure = Error & { reason: string };
    mode = 'fail';
    const e500 = (await sender.send(message).catch((e: unknown) => e)) as Failure;
    expect(e500.message).toMatch(/^SMS webhook http:\/\/127\.0\.0\.1:\d+ answered HTTP 500$/);
    mode = 'hang';
    const slow = (await sender.send(message).catch((e: unknown) => e)) as Failure;
    expect(slow.message).toMatch(/did not answer within 100 ms/);
    expect(slow.reason).toBe('timeout');
    const down = webhookSmsSender({ url: 'http://127.0.0.1:9/x?key=s3cret', timeoutMs: 1000 });
    const refused = (await down.send(message).catch((e: unknown) => e)) as Failure;
    expect(refused.reason).toBe('network');
    expect(refused.message).toMatch(/could not be reached/);
    for (const err of [e500, slow, refused]) {
      expect(err.message).not.toMatch(/s3cret|gw-token|123456/);
    }
  });

  it('checks its options when created', () => {
    expect(() => webhookSmsSender({ url: 'ftp://x' })).toThrow(/http\(s\)/);
    expect(() => webhookSmsSender({ url: '/relative' })).toThrow(/absolute/);
    expect(() => webhookSmsSender({ url, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => webhookSmsSender({ url, retries: 3 } as never)).toThrow(/unknown option/);
  });

  it('in production: https only (loopback excepted); the console sender refuses to start', () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(() => webhookSmsSender({ url: 'http://sms.example.com/send' })).toThrow(/https/);
      expect(() => webhookSmsSender({ url: 'https://sms.example.com/send' })).not.toThrow();
      expect(() => webhookSmsSender({ url })).not.toThrow();
      expect(() => consoleSmsSender()).toThrow(/production/);
      expect(() => devOutbox()).toThrow(/production/);
    } finally {
      process.env.NODE_ENV = previous;
    }
  });
});
