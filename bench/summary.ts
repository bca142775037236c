/**
 * From the runs of one scenario to its summary: the record of one run and the median of each
 * figure over the runs. The lowest piece of the report: pairs.ts and report.ts both build on it.
 */
import type { Measurement } from './scenarios.js';
import { round, type RedisUsage } from './redis-stats.js';

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export type RunRecord = Measurement &
  RedisUsage & {
    readonly cpuUsPerRequest: number;
    /** The load generator's (this process's) CPU per request, µs. */
    readonly loadCpuUsPerRequest: number;
  };

/** Medians over the runs; the per-command maps come from the median-rps run. */
export interface ScenarioSummary extends RedisUsage {
  readonly rps: number;
  /** Server process CPU time per request, µs. */
  readonly cpuUsPerRequest: number;
  /** The load generator's CPU per request, µs (autocannon in the parent process). */
  readonly loadCpuUsPerRequest: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Non-2xx answers plus socket errors over all runs: anything but 0 makes the row suspect. */
  readonly failures: number;
  readonly extra?: Readonly<Record<string, number>>;
  readonly runs: readonly {
    rps: number;
    cpuUsPerRequest: number;
    p50Ms: number;
    p99Ms: number;
    requests: number;
  }[];
}

export function summarise(runs: readonly RunRecord[]): ScenarioSummary {
  const m = (pick: (r: RunRecord) => number, digits = 2): number =>
    round(median(runs.map(pick)), digits);
  const byRps = [...runs].sort((a, b) => a.rps - b.rps);
  const middle = byRps[Math.floor((byRps.length - 1) / 2)] as RunRecord;
  const extraKeys = [...new Set(runs.flatMap((r) => Object.keys(r.extra ?? {})))];
  return {
    rps: m((r) => r.rps, 0),
    cpuUsPerRequest: m((r) => r.cpuUsPerRequest, 0),
    loadCpuUsPerRequest: m((r) => r.loadCpuUsPerRequest, 0),
    redisCpuUsPerRequest: m((r) => r.redisCpuUsPerRequest, 0),
    p50Ms: m((r) => r.p50Ms),
    p99Ms: m((r) => r.p99Ms),
    redisCommandsPerRequest: m((r) => r.redisCommandsPerRequest),
    sessionCommandsPerRequest: m((r) => r.sessionCommandsPerRequest),
    mfaCommandsPerRequest: m((r) => r.mfaCommandsPerRequest),
    mfaRoundTripsPerRequest: m((r) => r.mfaRoundTripsPerRequest),
    sessionRoundTripsPerRequest: m((r) => r.sessionRoundTripsPerRequest),
    mfaCommands: middle.mfaCommands,
    sessionCommands: middle.sessionCommands,
    credentialCallsPerRequest: m((r) => r.credentialCallsPerRequest),
    credentialCalls: middle.credentialCalls,
    requests: runs.reduce((a, r) => a + r.requests, 0),
    failures: runs.reduce((a, r) => a + r.non2xx + r.errors, 0),
    ...(extraKeys.length
      ? {
          extra: Object.fromEntries(
            extraKeys.map((k) => [k, m((r) => r.extra?.[k] ?? Number.NaN)]),
          ),
        }
      : {}),
    runs: runs.map((r) => ({
      rps: round(r.rps, 0),
      cpuUsPerRequest: round(r.cpuUsPerRequest, 0),
      p50Ms: round(r.p50Ms),
      p99Ms: round(r.p99Ms),
      requests: r.requests,
    })),
  };
}
