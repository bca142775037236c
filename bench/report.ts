/**
 * From runs to the report: the median of each figure over the runs of a scenario, the targets
 * of the issue checked against them, a text table for the terminal and a Markdown table for
 * the README.
 */
import type { Measurement } from './scenarios.js';
import { round, type RedisUsage } from './redis-stats.js';

export type RunRecord = Measurement & RedisUsage;

/** Medians over the runs; the per-command maps come from the median-rps run. */
export interface ScenarioSummary extends RedisUsage {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** Non-2xx answers plus socket errors over all runs: anything but 0 makes the row suspect. */
  readonly failures: number;
  readonly extra?: Readonly<Record<string, number>>;
  readonly runs: readonly { rps: number; p50Ms: number; p99Ms: number; requests: number }[];
}

export interface Target {
  readonly name: string;
  readonly goal: string;
  readonly actual: string;
  readonly pass: boolean | undefined;
}

export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function summarise(runs: readonly RunRecord[]): ScenarioSummary {
  const m = (pick: (r: RunRecord) => number, digits = 2): number =>
    round(median(runs.map(pick)), digits);
  const byRps = [...runs].sort((a, b) => a.rps - b.rps);
  const middle = byRps[Math.floor((byRps.length - 1) / 2)] as RunRecord;
  const extraKeys = [...new Set(runs.flatMap((r) => Object.keys(r.extra ?? {})))];
  return {
    rps: m((r) => r.rps, 0),
    p50Ms: m((r) => r.p50Ms),
    p99Ms: m((r) => r.p99Ms),
    redisCommandsPerRequest: m((r) => r.redisCommandsPerRequest),
    sessionCommandsPerRequest: m((r) => r.sessionCommandsPerRequest),
    mfaCommandsPerRequest: m((r) => r.mfaCommandsPerRequest),
    mfaRoundTripsPerRequest: m((r) => r.mfaRoundTripsPerRequest),
    sessionRoundTripsPerRequest: m((r) => r.sessionRoundTripsPerRequest),
    mfaCommands: middle.mfaCommands,
    sessionCommands: middle.sessionCommands,
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
      p50Ms: round(r.p50Ms),
      p99Ms: round(r.p99Ms),
      requests: r.requests,
    })),
  };
}

export function checkTargets(s: Readonly<Record<string, ScenarioSummary>>): Target[] {
  const { session, requireMfa, totpVerify, passportTotp, requireMfaUnderLogin: underLogin } = s;
  const ratio = (a?: number, b?: number) =>
    a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
  const verdict = (v: number | undefined, ok: (v: number) => boolean) =>
    v === undefined ? undefined : ok(v);
  const guard = ratio(requireMfa?.rps, session?.rps);
  const speed = ratio(totpVerify?.rps, passportTotp?.rps);
  const tail = ratio(underLogin?.p99Ms, requireMfa?.p99Ms);
  const fmt = (v: number | undefined, digits = 2) => (v === undefined ? 'n/a' : v.toFixed(digits));
  return [
    {
      name: 'guard overhead',
      goal: 'requireMfa.rps / session.rps >= 0.97',
      actual: fmt(guard, 3),
      pass: verdict(guard, (v) => v >= 0.97),
    },
    {
      name: 'satisfied session: MFA store',
      goal: '0 MFA-store round trips per guarded request',
      actual: fmt(requireMfa?.mfaRoundTripsPerRequest),
      pass: verdict(requireMfa?.mfaRoundTripsPerRequest, (v) => v === 0),
    },
    {
      name: 'TOTP verify: MFA store',
      goal: '1 MFA-store round trip per verify',
      actual: `${fmt(totpVerify?.mfaRoundTripsPerRequest)} (${fmt(totpVerify?.mfaCommandsPerRequest)} commands run in Redis)`,
      pass: verdict(totpVerify?.mfaRoundTripsPerRequest, (v) => v <= 1),
    },
    {
      name: 'TOTP verify vs passport-totp',
      goal: 'totpVerify.rps >= 0.9 x passportTotp.rps',
      actual: fmt(speed, 3),
      pass: verdict(speed, (v) => v >= 0.9),
    },
    {
      name: 'guard under login load',
      goal: 'p99 requireMfaUnderLogin <= 2 x p99 requireMfa',
      actual: tail === undefined ? 'n/a' : `${fmt(tail)}x`,
      pass: verdict(tail, (v) => v <= 2),
    },
  ];
}

const COLUMNS = [
  'scenario',
  'req/s',
  'runs (req/s)',
  'p50 ms',
  'p99 ms',
  'Redis cmds/req',
  'session cmds',
  'MFA cmds',
  'MFA round trips',
];

/** Printed under both tables. */
const NOTES = [
  'Redis cmds/req: every command both redis-servers executed (INFO commandstats), Lua-internal ones included;',
  'MFA round trips: commands the MFA-store client sent. requireMfaUnderLogin: Redis figures include the logins.',
];

function rows(s: Readonly<Record<string, ScenarioSummary>>): string[][] {
  return Object.entries(s).map(([name, r]) => [
    r.failures > 0 ? `${name} (!${r.failures} failed)` : name,
    String(r.rps),
    r.runs.map((run) => run.rps).join(' / '),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    r.redisCommandsPerRequest.toFixed(2),
    r.sessionCommandsPerRequest.toFixed(2),
    r.mfaCommandsPerRequest.toFixed(2),
    r.mfaRoundTripsPerRequest.toFixed(2),
  ]);
}

const mark = (t: Target): string => (t.pass === undefined ? 'n/a' : t.pass ? 'pass' : 'MISS');

export function textReport(
  s: Readonly<Record<string, ScenarioSummary>>,
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
  out.push(...NOTES, '');
  for (const t of targets) out.push(`${mark(t).padEnd(4)}  ${t.name}: ${t.goal}; got ${t.actual}`);
  const login = s.requireMfaUnderLogin?.extra;
  if (login)
    out.push(`      (login load: ${login.loginRps} logins/s, login p99 ${login.loginP99Ms} ms)`);
  return out.join('\n');
}

export function markdownReport(
  s: Readonly<Record<string, ScenarioSummary>>,
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
