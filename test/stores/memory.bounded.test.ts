// Attack: a credential-stuffing bot tries 100,000 usernames from thousands of addresses, hoping
// the per-username counters pile up in the heap until the server runs out of memory.
//
// 100,000 argon2id verifies at the OWASP parameters would take about an hour, so the flood drives
// the state-holding parts directly: for each distinct username, what a failed login keeps (the
// password throttle: `check()` reserves an attempt, `recordFailure()` keeps it) and, for the
// MemoryStore, the per-account lockout counter a wrong second-factor code writes. A sample of
// 2,000 failed logins through the real router (built-in password factor, cheap argon2) shows that
// a failed login writes nothing to the MFA store and costs the same heap as the direct drive.
//
// Bounds stated here, heap growth after a forced GC (measured on Node 20: ~61 MB and ~55 MB):
//   - the password throttle after 100,000 failed logins: under 80 MB (~0.6 kB per login: one
//     username+IP counter each, one per address, each with its own timer);
//   - the MemoryStore with 100,000 lockout counters and streaks: under 80 MB (~0.6 kB per account).
// Memory grows linearly with distinct usernames inside the throttle window (24 hours by default):
// the memory backend has no cap, so multi-instance or exposed deployments use the Redis backend.
// Entries expire: the MemoryStore sweeps them once its clock passes their TTL (size() → 0), and
// rate-limiter-flexible's memory limiter deletes each key with its own unref'd timer when its
// window ends (real time only, no fake clock: checked below with a 1-second window).
import { hostOf } from '../../lib/core/context.js';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createStepup, MemoryStore } from '../../lib/index.js';
import { createPasswordThrottle, type ThrottleLimit } from '../../lib/password/throttle.js';
import { fakeClock } from '../helpers/clock.js';

const N = 100_000;
const THROTTLE_BOUND_MB = 80;
const STORE_BOUND_MB = 80;
const MB = 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

const hex = (n: number): string => (n & 0xffff).toString(16);

/** 100,000 distinct usernames from 10,000 IPv4 addresses and 10,000 IPv6 /64s (5 tries each). */
function attempt(i: number): { username: string; ip: string } {
  const bucket = i % 20_000;
  const ip =
    bucket % 2 === 0
      ? `198.18.${(bucket >> 8) & 255}.${bucket & 255}`
      : `2001:db8:${hex(bucket >> 4)}:${hex(bucket & 15)}::${hex(i >> 16)}:${hex(i)}`;
  return { username: `victim-${i}-${(i * 2654435761) % 1e9}@example.com`, ip };
}

/**
 * rate-limiter-flexible keeps its memory counters in a private Map per limiter. `capturing()`
 * records every such storage created while it runs, so the test can count their keys.
 */
interface Storage {
  readonly _storage: Map<string, unknown>;
}
const storages: Storage[] = [];
const limiterKeys = (): number => storages.reduce((n, s) => n + s._storage.size, 0);

async function capturing<T>(fn: () => T | Promise<T>): Promise<T> {
  const { RateLimiterMemory } = await import('rate-limiter-flexible');
  const proto = RateLimiterMemory.prototype as unknown as Record<string, unknown>;
  // The constructor assigns `this._memoryStorage = new MemoryStorage()`: a setter sees it.
  Object.defineProperty(proto, '_memoryStorage', {
    configurable: true,
    set(this: object, value: Storage) {
      storages.push(value);
      Object.defineProperty(this, '_memoryStorage', { value, writable: true, configurable: true });
    },
  });
  try {
    return await fn();
  } finally {
    delete proto._memoryStorage;
  }
}

describe(`${N.toLocaleString('en')} failed logins with distinct usernames, memory store`, () => {
  it(`the password throttle grows under ${THROTTLE_BOUND_MB} MB`, async () => {
    storages.length = 0;
    const throttle = await capturing(() => createPasswordThrottle({ backend: { kind: 'memory' } }));
    const before = heapAfterGc();
    for (let i = 0; i < N; i++) {
      const { username, ip } = attempt(i);
      const decision = await throttle.check(username, ip);
      expect(decision.allowed).toBe(true);
      await throttle.recordFailure(username, ip);
    }
    const growth = heapAfterGc() - before;
    console.info(
      `throttle: +${(growth / MB).toFixed(1)} MB for ${N} failed logins ` +
        `(${(growth / N).toFixed(0)} B each), ${limiterKeys()} keys`,
    );
    // One username+IP counter per attempt, one counter per address (20,000 of them).
    expect(limiterKeys()).toBe(N + 20_000);
    expect(growth / MB).toBeLessThan(THROTTLE_BOUND_MB);
  }, 120_000);

  it(`the MemoryStore grows under ${STORE_BOUND_MB} MB, empty once the TTLs pass`, async () => {
    const clock = fakeClock();
    const store = new MemoryStore({ now: clock.now });
    const stepup = createStepup({ store, now: clock.now });
    const before = heapAfterGc();
    for (let i = 0; i < N; i++) {
      // What one wrong second-factor code writes for an account: its lockout counter and its
      // streak of consecutive failures.
      await hostOf(stepup).context.attempts.attempt(undefined, attempt(i).username, 'totp', () =>
        Promise.resolve({ ok: false, error: 'INVALID_CODE' }),
      );
    }
    const growth = heapAfterGc() - before;
    console.info(
      `MemoryStore: +${(growth / MB).toFixed(1)} MB for ${N} lockout counters ` +
        `(${(growth / N).toFixed(0)} B each), ${store.size()} entries`,
    );
    expect(store.size()).toBe(2 * N);
    expect(growth / MB).toBeLessThan(STORE_BOUND_MB);
    // The counters live 24 hours (a fixed window): one day later they are gone. The streaks
    // (consecutive failures, NIST SP 800-63B-4 §3.2.2) live 400 days, one per account that got
    // past its password, so no flood of usernames can grow them; then they go too.
    clock.advance(24 * 3600 * 1000 + 1);
    expect(store.size()).toBe(N);
    clock.advance(400 * 24 * 3600 * 1000);
    expect(store.size()).toBe(0);
    expect(heapAfterGc() - before).toBeLessThan(4 * MB);
    await store.close();
  }, 120_000);

  it('the memory limiter deletes its keys when their window ends (real time)', async () => {
    const oneSecond: ThrottleLimit = { points: 10, durationSec: 1, blockSec: 0 };
    storages.length = 0;
    const throttle = await capturing(() =>
      createPasswordThrottle({
        backend: { kind: 'memory' },
        perUserIp: oneSecond,
        perIp: oneSecond,
      }),
    );
    for (let i = 0; i < 20_000; i++) {
      const { username, ip } = attempt(i);
      await throttle.check(username, `10.0.${(i >> 8) & 255}.${i & 255}`);
      await throttle.recordFailure(username, ip);
    }
    expect(limiterKeys()).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(limiterKeys()).toBe(0);
  }, 30_000);
});

describe('the same failed login through the router (2,000 of them)', () => {
  it('writes nothing to the MFA store; the heap it costs is the throttle', async () => {
    const store = new MemoryStore();
    const passport = new Passport();
    storages.length = 0;
    const stepup = await capturing(() =>
      createStepup({
        store,
        passport,
        password: {
          findUser: () => null, // a stuffing list of usernames that do not exist here
          params: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
        },
      }),
    );
    const app = express();
    app.set('trust proxy', true);
    const secret = 'memory-test-secret-0123456789';
    app.use(session({ secret, resave: false, saveUninitialized: false }));
    app.use(passport.initialize());
    app.use(passport.session());
    app.use('/auth', stepup.router());
    const server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      // One bot session (one CSRF token) for every attempt: the app's session store is the
      // app's concern; this measures the library's footprint.
      const agent = request.agent(server);
      const csrf = ((await agent.get('/auth/csrf')).body as { csrfToken: string }).csrfToken;
      const keysBefore = limiterKeys();
      const before = heapAfterGc();
      const SAMPLE = 2_000;
      const statuses: number[] = [];
      for (let i = 0; i < SAMPLE; i += 20) {
        const batch = Array.from({ length: 20 }, (_, j) => attempt(i + j));
        const res = await Promise.all(
          batch.map(({ username, ip }) =>
            agent
              .post('/auth/login')
              .set('x-csrf-token', csrf)
              .set('X-Forwarded-For', ip)
              .send({ username, password: 'Winter2024!' }),
          ),
        );
        statuses.push(...res.map((r) => r.status));
      }
      const growth = heapAfterGc() - before;
      const keys = limiterKeys() - keysBefore;
      console.info(
        `router: +${(growth / MB).toFixed(2)} MB for ${SAMPLE} failed logins ` +
          `(${(growth / SAMPLE).toFixed(0)} B each), throttle keys +${keys}, ` +
          `MFA store entries ${store.size()}`,
      );
      expect(new Set(statuses)).toEqual(new Set([401]));
      expect(store.size()).toBe(0);
      // Per login: one username+IP counter and one for its address (2,000 distinct here).
      expect(keys).toBe(2 * SAMPLE);
      // Same order as the direct drive (~1 kB per login), plus room for GC noise.
      expect(growth).toBeLessThan(SAMPLE * 2048 + 4 * MB);
    } finally {
      server.closeAllConnections();
      server.close();
      await store.close();
    }
  }, 120_000);
});
