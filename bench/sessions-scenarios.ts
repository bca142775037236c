/**
 * `GET /auth/sessions` of one user with 1, 100 and 1,000 sessions, on connect-redis (ioredis)
 * and the Redis MfaStore (the `ours` app). What grows with the sessions of one user is the
 * index read and one session read per listed entry (lib/core/session-index.ts): the Redis
 * commands per request, reported next to the latency, tell whether that read is one round trip
 * or one per session (docs/architecture.md, "Performance").
 */
import { runLoad } from './load.js';
import type { Scenario } from './scenario-types.js';
import { satisfiedSessions } from './seed.js';

/** Few connections: the figure of interest is the latency of one listing, not the throughput. */
const LIST_CONNECTIONS = 4;

const url = (port: number, path: string): string => `http://127.0.0.1:${port}${path}`;

export function sessionsListScenario(sessions: number): Scenario {
  let cookie = '';
  return {
    name: `sessionsList${sessions}`,
    description: `GET /auth/sessions, one user with ${sessions} session(s) (connect-redis, RedisStore)`,
    async prepare(env, tag) {
      const base = url(env.ports.ours, '');
      const [own] = await satisfiedSessions(base, `list${sessions}-${tag}`, 1);
      if (!own) throw new Error('bench: no satisfied session for the sessions list');
      if (sessions > 1) {
        const res = await fetch(`${base}/bench/clone-sessions/${sessions - 1}`, {
          method: 'POST',
          headers: { cookie: own, accept: 'application/json' },
        });
        if (!res.ok) throw new Error(`bench: clone-sessions answered ${res.status}`);
      }
      cookie = own;
    },
    measure: (env, { warmup, around }) =>
      around(() =>
        runLoad({
          url: url(env.ports.ours, '/auth/sessions'),
          connections: LIST_CONNECTIONS,
          duration: warmup ? env.warmupSeconds : env.duration,
          headers: { accept: 'application/json', cookie },
        }),
      ),
  };
}

export const SESSIONS_SCENARIOS: readonly Scenario[] = [1, 100, 1000].map(sessionsListScenario);
