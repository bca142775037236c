/**
 * The scenarios of `npm run bench`. Each one may prepare users first (not measured), then
 * runs one load against one server; `around()` brackets exactly the measured load with the
 * Redis snapshots, so seeding and ramp-up never count as commands per request.
 */
import type autocannon from 'autocannon';
import { BENCH_PASSWORD } from './apps.js';
import { runLoad, startLoad } from './load.js';
import type { BenchEnv, Scenario } from './scenario-types.js';
import type { ServerPorts } from './server.js';
import { SESSIONS_SCENARIOS } from './sessions-scenarios.js';
import { seedUsers, usualVerifyRequest, verifyRequest, type PendingUser } from './seed.js';

export type { BenchEnv, Measurement, MeasureOptions, Scenario } from './scenario-types.js';

const url = (port: number, path: string): string => `http://127.0.0.1:${port}${path}`;
const JSON_ACCEPT = { accept: 'application/json' };
/** Requests of a TOTP warm-up run, and the bounds of a measured one. */
const WARMUP_VERIFIES = 400;
const MIN_VERIFIES = 1_000;
const MAX_VERIFIES = 40_000;
/** Seconds the login load runs before the guarded-route load starts. */
const LOGIN_RAMP_S = 1;

/** Round-robin one cookie per connection. */
function perConnection(cookies: () => readonly string[]): (client: autocannon.Client) => void {
  let next = 0;
  return (client) => {
    const all = cookies();
    client.setHeaders({ ...JSON_ACCEPT, cookie: all[next++ % all.length] ?? '' });
  };
}

/** Round-robin one bearer token per connection (no cookie: the token decides). */
function perConnectionToken(tokens: readonly string[]): (client: autocannon.Client) => void {
  let next = 0;
  return (client) => {
    client.setHeaders({
      ...JSON_ACCEPT,
      authorization: `Bearer ${tokens[next++ % tokens.length] ?? ''}`,
    });
  };
}

function guardedLoad(env: BenchEnv, warmup: boolean): autocannon.Options {
  return {
    url: url(env.ports.ours, '/guarded'),
    connections: env.connections,
    duration: warmup ? env.warmupSeconds : env.duration,
    setupClient: perConnection(() => env.satisfied.redis),
  };
}

function getScenario(
  name: string,
  description: string,
  target: (env: BenchEnv) => { port: number; path: string; cookies?: readonly string[] },
): Scenario {
  return {
    name,
    description,
    measure: (env, { warmup, around }) => {
      const { port, path, cookies } = target(env);
      return around(() =>
        runLoad({
          url: url(port, path),
          connections: env.connections,
          duration: warmup ? env.warmupSeconds : env.duration,
          headers: JSON_ACCEPT,
          ...(cookies ? { setupClient: perConnection(() => cookies) } : {}),
        }),
      );
    },
  };
}

type BuildVerify = (
  user: PendingUser,
  now: number,
) => { headers: Record<string, string>; body: string };

/**
 * One valid, fresh TOTP code per request on the real clock: every request is a different user
 * whose pending login was made before the run, and the code of the current 30 s step is
 * computed as the request is built. A run is `amount`-based, sized from the last measured rate
 * to last about `duration` seconds.
 */
function verifyScenario(
  name: string,
  description: string,
  portOf: (ports: ServerPorts) => number,
  path: string,
  build: BuildVerify,
): Scenario {
  let pool: PendingUser[] = [];
  let lastRps = 0;
  return {
    name,
    description,
    async prepare(env, tag, warmup) {
      const size = warmup
        ? WARMUP_VERIFIES
        : Math.min(MAX_VERIFIES, Math.max(MIN_VERIFIES, Math.round(lastRps * env.duration)));
      pool = await seedUsers(url(portOf(env.ports), ''), `${name}-${tag}`, size);
    },
    async measure(env, { around }) {
      const users = pool;
      let next = 0;
      let reported = 0;
      const result = await around(() =>
        runLoad({
          url: url(portOf(env.ports), path),
          connections: Math.min(env.connections, users.length),
          amount: users.length,
          requests: [
            {
              method: 'POST',
              path,
              setupRequest: (request) => {
                // amount = pool size, so this never wraps; if it did, the replays would show as 401s.
                const user = users[next++ % users.length] as PendingUser;
                return { ...request, ...build(user, Date.now()) };
              },
              onResponse: (status, body) => {
                if (status >= 300 && reported++ < 3)
                  console.error(`${name}: ${status} ${body.slice(0, 200)}`);
              },
            },
          ],
        }),
      );
      lastRps = result.rps;
      return result;
    },
  };
}

const basic = (username: string): string =>
  `Basic ${Buffer.from(`${username}:${BENCH_PASSWORD}`).toString('base64')}`;

const underLogin: Scenario = {
  name: 'requireMfaUnderLogin',
  description: 'requireMfa while 16 connections log in (argon2id, Basic credentials)',
  concurrentLoad: true,
  async measure(env, { warmup, around }) {
    let next = 0;
    const login = startLoad({
      url: url(env.ports.ours, '/auth/login'),
      method: 'POST',
      connections: env.loginConnections,
      duration: env.duration + env.warmupSeconds + 60, // stopped below
      setupClient: (client) => {
        const username = env.loadUsers[next++ % env.loadUsers.length] ?? 'load-0';
        client.setHeaders({ ...JSON_ACCEPT, authorization: basic(username) });
      },
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, LOGIN_RAMP_S * 1000));
      const guarded = await around(() => runLoad(guardedLoad(env, warmup)));
      login.stop();
      const logins = await login.done;
      return {
        ...guarded,
        extra: {
          loginRps: logins.rps,
          loginP99Ms: logins.p99Ms,
          loginNon2xx: logins.non2xx + logins.errors,
        },
      };
    } finally {
      login.stop();
    }
  },
};

export const SCENARIOS: readonly Scenario[] = [
  getScenario('bare', 'bare Express route (the ceiling)', (env) => ({
    port: env.ports.bare,
    path: '/bare',
  })),
  getScenario(
    'session',
    'express-session (Redis) + passport.session(), signed-in route',
    (env) => ({
      port: env.ports.ours,
      path: '/authed',
      cookies: env.satisfied.redis,
    }),
  ),
  getScenario('sessionMemory', 'the same on the memory session store', (env) => ({
    port: env.ports.oursMemory,
    path: '/authed',
    cookies: env.satisfied.memory,
  })),
  {
    name: 'requireMfa',
    description: 'the same route behind requireMfa(), session satisfied',
    measure: (env, { warmup, around }) => around(() => runLoad(guardedLoad(env, warmup))),
  },
  {
    name: 'requireMfaBearer',
    description:
      'the same route behind requireMfa(), Authorization: Bearer (token row on PostgreSQL)',
    // One credential-store read per request (the token's digest; lastUsedAt written at most once
    // a minute per token) instead of the session read: docs/architecture.md, invariant 22.
    measure: (env, { warmup, around }) =>
      around(() =>
        runLoad({
          url: url(env.ports.ours, '/guarded'),
          connections: env.connections,
          duration: warmup ? env.warmupSeconds : env.duration,
          setupClient: perConnectionToken(env.bearer),
        }),
      ),
  },
  verifyScenario(
    'totpVerify',
    'POST /auth/mfa/verify, valid fresh codes; credentials on PostgreSQL, state on Redis',
    (ports) => ports.ours,
    '/auth/mfa/verify',
    verifyRequest,
  ),
  verifyScenario(
    'passportTotp',
    'passport-local + passport-totp (window 1), keys in PostgreSQL, sessions on Redis',
    (ports) => ports.usual,
    '/login-otp',
    usualVerifyRequest,
  ),
  verifyScenario(
    'passportTotpSameWork',
    'passport-totp on PostgreSQL plus the round trips of our replay, lockout and sessions list',
    (ports) => ports.usualSameWork,
    '/login-otp',
    usualVerifyRequest,
  ),
  verifyScenario(
    'totpVerifySqlite',
    'the same verify with credentials on SQLite',
    (ports) => ports.oursSqlite,
    '/auth/mfa/verify',
    verifyRequest,
  ),
  verifyScenario(
    'passportTotpSqlite',
    'passport-totp with its keys on SQLite',
    (ports) => ports.usualSqlite,
    '/login-otp',
    usualVerifyRequest,
  ),
  underLogin,
  ...SESSIONS_SCENARIOS,
];

/**
 * Pairs measured back to back in every round (the order alternates between rounds), so that a
 * slow stretch of the machine lands on both members: the report gives the median of the
 * per-round ratios, which a noisy VM blurs far less than a ratio of medians. A scenario in two
 * pairs runs once per round; both ratios use that run.
 */
export const PAIRS: readonly (readonly [ours: string, theirs: string])[] = [
  ['requireMfa', 'session'],
  ['requireMfaBearer', 'requireMfa'],
  ['totpVerify', 'passportTotp'],
  ['totpVerify', 'passportTotpSameWork'],
  ['totpVerifySqlite', 'passportTotpSqlite'],
];
