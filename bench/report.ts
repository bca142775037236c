/**
 * The report of a bench run: the summaries of the scenarios (summary.ts), the paired ratios and
 * targets (pairs.ts), as a text table for the terminal and a Markdown table for docs/performance.md.
 */
import type { GuardTiming } from './micro.js';
import { fmtSpread, type PairRatio, type Target } from './pairs.js';
import type { ScenarioSummary } from './summary.js';

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
