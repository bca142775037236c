/**
 * From runs to the report: the median of each figure over the runs of a scenario, the targets
 * of the issue checked against them, a text table for the terminal and a Markdown table for
 * the README.
 */
import type { GuardTiming } from './micro.js';
import { fmtSpread, median, type PairRatio, type Target } from './pairs.js';
import type { Measurement } from './scenarios.js';
import { round, type RedisUsage } from './redis-stats.js';

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

const COLUMNS = [
  'scenario',
  'req/s',
  'runs (req/s)',
  'p50 ms',
  'p99 ms',
  'CPU µs/req',
  'load gen µs/req',
  'Redis CPU µs/req',
  'Redis cmds/req',
  'session cmds',
  'MFA cmds',
  'MFA round trips',
  'DB calls/req',
];

/** Printed under both tables. */
const NOTES = [
  'Redis cmds/req: every command both redis-servers executed (INFO commandstats), Lua-internal ones included;',
  'MFA round trips: commands the MFA-store client sent. DB calls: credential-store calls (one query each).',
  'CPU µs/req: server process CPU time / requests; load gen: autocannon (this process); Redis CPU: both redis-servers (INFO cpu).',
  'requireMfaUnderLogin: CPU and Redis figures include the logins.',
];

function rows(s: Readonly<Record<string, ScenarioSummary>>): string[][] {
  return Object.entries(s).map(([name, r]) => [
    r.failures > 0 ? `${name} (!${r.failures} failed)` : name,
    String(r.rps),
    r.runs.map((run) => run.rps).join(' / '),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    String(r.cpuUsPerRequest),
    String(r.loadCpuUsPerRequest),
    String(r.redisCpuUsPerRequest),
    r.redisCommandsPerRequest.toFixed(2),
    r.sessionCommandsPerRequest.toFixed(2),
    r.mfaCommandsPerRequest.toFixed(2),
    r.mfaRoundTripsPerRequest.toFixed(2),
    r.credentialCallsPerRequest.toFixed(2),
  ]);
}

const mark = (t: Target): string => (t.pass === undefined ? 'n/a' : t.pass ? 'pass' : 'MISS');

function pairLines(pairs: readonly PairRatio[], guard: GuardTiming | undefined): string[] {
  const out = pairs.map(
    (p) =>
      `${p.ours} / ${p.theirs} over ${p.rounds} paired rounds: throughput ${fmtSpread(p.throughput)}, ` +
      `server CPU ${fmtSpread(p.cpu)} (median, range; 1.00 = as cheap as theirs)`,
  );
  if (guard) {
    out.push(
      `guard microbenchmark: middleware() + requireMfa() ${Math.round(guard.guardNs)} ns/call, ` +
        `req.isAuthenticated() ${Math.round(guard.plainNs)} ns/call (${guard.iterations} calls x 5, median)`,
    );
  }
  return out;
}

export function textReport(
  s: Readonly<Record<string, ScenarioSummary>>,
  pairs: readonly PairRatio[],
  guard: GuardTiming | undefined,
  targets: readonly Target[],
): string {
  const table = [COLUMNS, ...rows(s)];
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const out = [
    line(COLUMNS),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows(s).map(line),
    '',
  ];
  out.push(...NOTES, '', ...pairLines(pairs, guard), '');
  for (const t of targets) out.push(`${mark(t).padEnd(4)}  ${t.name}: ${t.goal}; got ${t.actual}`);
  const login = s.requireMfaUnderLogin?.extra;
  if (login)
    out.push(`      (login load: ${login.loginRps} logins/s, login p99 ${login.loginP99Ms} ms)`);
  return out.join('\n');
}

export function markdownReport(
  s: Readonly<Record<string, ScenarioSummary>>,
  pairs: readonly PairRatio[],
  guard: GuardTiming | undefined,
  targets: readonly Target[],
): string {
  const md = (r: readonly string[]) => `| ${r.join(' | ')} |`;
  const login = s.requireMfaUnderLogin?.extra;
  return [
    md(COLUMNS),
    md(COLUMNS.map((_, i) => (i === 0 ? '---' : '---:'))),
    ...rows(s).map((r) => md([`\`${r[0]}\``, ...r.slice(1)])),
    '',
    NOTES.join(' '),
    '',
    md(['pair (ours / theirs)', 'rounds', 'throughput ratio', 'CPU ratio (theirs/ours)']),
    md(['---', '---:', '---:', '---:']),
    ...pairs.map((p) =>
      md([
        `\`${p.ours}\` / \`${p.theirs}\``,
        String(p.rounds),
        fmtSpread(p.throughput),
        fmtSpread(p.cpu),
      ]),
    ),
    '',
    ...(guard ? [pairLines([], guard).join(''), ''] : []),
    md(['target', 'goal', 'result', '']),
    md(['---', '---', '---', '---']),
    ...targets.map((t) => md([t.name, t.goal, t.actual, mark(t)])),
    ...(login
      ? [
          '',
          `Login load during requireMfaUnderLogin: ${login.loginRps} logins/s, p99 ${login.loginP99Ms} ms.`,
        ]
      : []),
  ].join('\n');
}
