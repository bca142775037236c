/**
 * Redis commands per request, two ways:
 * - server side, `INFO commandstats` before and after a run on each redis-server (sessions and
 *   MFA store run on two servers, so their commands never mix). It counts every command Redis
 *   executed, including the ones a Lua script runs inside Redis;
 * - client side, the commands the app's ioredis clients sent (bench/server.ts): round trips.
 */
import type { Redis } from 'ioredis';
import type { ClientCounts } from './server.js';

export type CommandCounts = Readonly<Record<string, number>>;

/** `cmdstat_get:calls=12,usec=…` lines → { get: 12 }; our own INFO calls are left out. */
export async function commandStats(client: Redis): Promise<CommandCounts> {
  const text = await client.info('commandstats');
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match?.[1] && match[2] && match[1] !== 'info') counts[match[1]] = Number(match[2]);
  }
  return counts;
}

export function diffCounts(before: CommandCounts, after: CommandCounts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after)) {
    const delta = calls - (before[name] ?? 0);
    if (delta > 0) out[name] = delta;
  }
  return out;
}

export const total = (counts: CommandCounts): number =>
  Object.values(counts).reduce((a, b) => a + b, 0);

export interface Snapshot {
  readonly session: CommandCounts;
  readonly mfa: CommandCounts;
  readonly clients: ClientCounts;
  /** CPU time both redis-servers used so far (INFO cpu, user + system), µs. */
  readonly redisCpuUs: number;
}

/** `used_cpu_user` + `used_cpu_sys` of one server, in µs. */
async function redisCpu(client: Redis): Promise<number> {
  const text = await client.info('cpu');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(text)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

export interface RedisUsage {
  /** Commands executed by both servers (INFO commandstats), per request. */
  readonly redisCommandsPerRequest: number;
  readonly sessionCommandsPerRequest: number;
  readonly mfaCommandsPerRequest: number;
  /** Commands sent by the app's MFA-store client, per request: round trips. */
  readonly mfaRoundTripsPerRequest: number;
  readonly sessionRoundTripsPerRequest: number;
  /** MFA-server commands per request, by command (get, evalsha, pttl…). */
  readonly mfaCommands: Readonly<Record<string, number>>;
  readonly sessionCommands: Readonly<Record<string, number>>;
  /** Credential-store calls (database round trips) per request, in all and by method. */
  readonly credentialCallsPerRequest: number;
  readonly credentialCalls: Readonly<Record<string, number>>;
  /** CPU time of both redis-servers per request, µs (the server's own is `cpuUsPerRequest`). */
  readonly redisCpuUsPerRequest: number;
}

export class RedisMeter {
  constructor(
    private readonly sessionServer: Redis,
    private readonly mfaServer: Redis,
    readonly controlUrl: string,
  ) {}

  async snapshot(): Promise<Snapshot> {
    const [session, mfa, clients, cpuA, cpuB] = await Promise.all([
      commandStats(this.sessionServer),
      commandStats(this.mfaServer),
      fetch(`${this.controlUrl}/counts`).then((r) => r.json() as Promise<ClientCounts>),
      redisCpu(this.sessionServer),
      redisCpu(this.mfaServer),
    ]);
    return { session, mfa, clients, redisCpuUs: cpuA + cpuB };
  }

  /** Per-request usage between two snapshots, for `requests` requests. */
  usage(before: Snapshot, after: Snapshot, requests: number): RedisUsage {
    const per = (n: number): number => (requests > 0 ? round(n / requests) : Number.NaN);
    const perEach = (counts: Record<string, number>) =>
      Object.fromEntries(Object.entries(counts).map(([name, n]) => [name, per(n)]));
    const session = diffCounts(before.session, after.session);
    const mfa = diffCounts(before.mfa, after.mfa);
    return {
      redisCommandsPerRequest: per(total(session) + total(mfa)),
      sessionCommandsPerRequest: per(total(session)),
      mfaCommandsPerRequest: per(total(mfa)),
      mfaRoundTripsPerRequest: per(after.clients.mfa - before.clients.mfa),
      sessionRoundTripsPerRequest: per(after.clients.session - before.clients.session),
      mfaCommands: perEach(mfa),
      sessionCommands: perEach(session),
      credentialCallsPerRequest: per(after.clients.credentials - before.clients.credentials),
      credentialCalls: perEach(
        diffCounts(before.clients.credentialsByMethod, after.clients.credentialsByMethod),
      ),
      redisCpuUsPerRequest:
        requests > 0 ? round((after.redisCpuUs - before.redisCpuUs) / requests, 0) : Number.NaN,
    };
  }
}

export const round = (n: number, digits = 2): number => Number(n.toFixed(digits));
