// Attack: a real-time phishing proxy relays the victim's email code and fires it many times at
// once, also at two app instances, hoping that two requests pass the "still unused?" check
// before either consumes it; or floods "send" to spam the victim's mailbox (and the SMS bill).
// Exactly one verification and one send may win.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import session from 'express-session';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OneTimeCodeEngine } from '../../lib/one-time-code/engine.js';
import { MemoryStore } from '../../lib/stores/memory.js';
import { RedisStore } from '../../lib/stores/redis.js';
import { client } from '../helpers/app.js';
import { CODE_KEY, codeIn, makeOtpApp } from '../helpers/otp-app.js';
import { close, listen } from '../helpers/recovery-app.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';

const PARALLEL = 50;

/** Memory store with 0-3 ms before each call, like a network store, so requests interleave. */
function withLatency(inner: MemoryStore): MemoryStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** Alice's pending login on `server` with an email code sent; the raw cookie and CSRF token. */
async function pendingCode(built: ReturnType<typeof makeOtpApp>, server: Server) {
  const c = await client(server);
  expect((await c.login('alice', 'alice-password-1')).body.status).toBe('mfa_required');
  expect((await c.post('/auth/mfa/email/send')).status).toBe(202);
  const code = codeIn(built.outbox.last('alice@example.test')?.text);
  const access = { path: '/', domain: '127.0.0.1', secure: false, script: false };
  const sid = c.agent.jar.getCookie('sid', access);
  if (!sid) throw new Error('no session cookie');
  return { c, code, cookie: `sid=${sid.value}`, csrf: c.csrf };
}

function verifyOn(server: Server, cookie: string, csrf: string, code: string) {
  return request(server)
    .post('/auth/mfa/verify')
    .set('Cookie', cookie)
    .set('x-csrf-token', csrf)
    .set('Accept', 'application/json')
    .send({ factor: 'email-otp', code });
}

/**
 * Losers: 401 invalid_code / mfa_session_expired, 410 (code tried out), 429 (lockout), or 403
 * csrf_invalid once the winner's elevation destroyed the old session (its token went with it).
 */
function tally(responses: { status: number }[]) {
  return {
    ok: responses.filter((r) => r.status === 200).length,
    other: responses
      .filter((r) => r.status !== 200 && ![401, 403, 410, 429].includes(r.status))
      .map((r) => r.status),
  };
}

describe('50 parallel submissions of one email code', () => {
  it('one app on the memory store (with network-like latency): exactly one success', async () => {
    const built = makeOtpApp({ store: withLatency(new MemoryStore()) });
    const server = await listen(built.app);
    try {
      const { code, cookie, csrf } = await pendingCode(built, server);
      const responses = await Promise.all(
        Array.from({ length: PARALLEL }, () => verifyOn(server, cookie, csrf, code)),
      );
      expect(tally(responses)).toEqual({ ok: 1, other: [] });
      expect(built.events.filter((e) => e.type === 'login.satisfied')).toHaveLength(1);
    } finally {
      await close(server);
    }
  });

  it('through the engine alone (no session in the way): one ok, tries capped at 5', async () => {
    const store = withLatency(new MemoryStore());
    const now = Date.now;
    const engine = new OneTimeCodeEngine({ store, now, namespace: 'email-otp', key: CODE_KEY });
    let code = '';
    await engine.issue('u-alice', 'login:L1', async (c) => {
      code = c;
    });
    const results = await Promise.all(
      Array.from({ length: PARALLEL }, () => engine.check('u-alice', 'login:L1', code)),
    );
    expect(results.filter((x) => x.result === 'ok')).toHaveLength(1);
  });

  it('50 parallel wrong guesses: exactly 5 are compared, the rest find the code tried out', async () => {
    const store = withLatency(new MemoryStore());
    const now = Date.now;
    const engine = new OneTimeCodeEngine({ store, now, namespace: 'email-otp', key: CODE_KEY });
    let code = '';
    await engine.issue('u-alice', 'login:L1', async (c) => {
      code = c;
    });
    const guesses = Array.from({ length: PARALLEL }, (_, i) =>
      String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'),
    );
    const results = await Promise.all(guesses.map((g) => engine.check('u-alice', 'login:L1', g)));
    const count = (r: string) => results.filter((x) => x.result === r).length;
    expect(count('invalid')).toBe(5);
    expect(count('exhausted')).toBe(PARALLEL - 5);
    expect((await engine.check('u-alice', 'login:L1', code)).result).toBe('exhausted');
  });

  it('10 parallel sends: one code goes out, the others get 429 resend_too_soon', async () => {
    const built = makeOtpApp({ store: withLatency(new MemoryStore()) });
    const server = await listen(built.app);
    try {
      const c = await client(server);
      await c.login('alice', 'alice-password-1');
      const sends = Array.from({ length: 10 }, () => c.post('/auth/mfa/email/send'));
      const responses = await Promise.all(sends);
      expect(responses.map((r) => r.status).sort()).toEqual([202, ...Array(9).fill(429)]);
      expect(built.outbox.messages()).toHaveLength(1);
    } finally {
      await close(server);
    }
  });
});

describe('split across two app instances on one Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('a code sent by instance A works on B; of 50 parallel uses exactly one succeeds', async () => {
    // Two instances as in production: one MFA store (Redis, same prefix, same codeKey) and one
    // session store, each with its own clock-free app state.
    const prefix = `otp-race-${randomUUID()}:`;
    const sessions = new session.MemoryStore();
    const [a, b] = [0, 1].map(() =>
      makeOtpApp({
        store: new RedisStore({ client: redis.client(), prefix }),
        sessionStore: sessions,
      }),
    ) as [ReturnType<typeof makeOtpApp>, ReturnType<typeof makeOtpApp>];
    const servers = await Promise.all([listen(a.app), listen(b.app)]);
    const [onA, onB] = servers as [Server, Server];
    try {
      const { code, cookie, csrf } = await pendingCode(a, onA);
      const responses = await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) =>
          verifyOn(i % 2 === 0 ? onA : onB, cookie, csrf, code),
        ),
      );
      expect(tally(responses)).toEqual({ ok: 1, other: [] });
      const wins = [...a.events, ...b.events].filter((e) => e.type === 'login.satisfied');
      expect(wins).toHaveLength(1);
    } finally {
      await Promise.all(servers.map(close));
    }
  });
});
