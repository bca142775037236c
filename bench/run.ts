/**
 * `npm run bench`: what MFA costs per request, side by side with the usual stack.
 *
 * Starts two redis-servers on free loopback ports (sessions, MFA store), a PostgreSQL database
 * of its own (created on the server of the tests, dropped at the end) and a SQLite file, the
 * apps in a child process (bench/server.ts), then runs every scenario once to warm up and
 * `BENCH_RUNS` rounds measured. In each round the two members of a pair (PAIRS in
 * scenarios.ts) run back to back, in alternating order, and the report gives the median of the
 * per-round ratios with their range, for throughput and for server CPU per request (process CPU
 * time over the run / requests). Then the guard's microbenchmark (bench/micro.ts). Prints a
 * table, writes bench/results.json and bench/results.md.
 *
 * Environment: BENCH_DURATION (s per run, 5), BENCH_RUNS (5), BENCH_CONNECTIONS (50),
 * BENCH_LOGIN_CONNECTIONS (16), BENCH_WARMUP (s, 1), BENCH_ONLY (comma-separated scenarios),
 * BENCH_CPU_PROF (a directory: one V8 CPU profile of the server per measured run,
 * `<scenario>-<round>.cpuprofile`, covering exactly the load; open it in Chrome DevTools).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTotp } from '../lib/index.js';
import { startRedis, type RedisServer } from '../test/helpers/redis-server.js';
import { createPostgresDatabase } from '../test/helpers/sql-databases.js';
import { guardMicrobench } from './micro.js';
import { RedisMeter, type Snapshot } from './redis-stats.js';
import { checkTargets, pairRatios } from './pairs.js';
import { markdownReport, textReport } from './report.js';
import { summarise, type RunRecord, type ScenarioSummary } from './summary.js';
import { PAIRS, SCENARIOS, type BenchEnv, type Scenario } from './scenarios.js';
import { bearerTokens, satisfiedSessions, seedUsers } from './seed.js';
import { control, cpuOf, settle, startServer } from './server-control.js';
import { base32Decode, totpCode } from './totp-code.js';

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`${name} must be a positive number, got ${raw}`);
  return value;
}

const RUNS = Math.round(numberFromEnv('BENCH_RUNS', 5));
const ONLY = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const PROFILE_DIR = process.env.BENCH_CPU_PROF;
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** The load generator's TOTP must agree with the library's before anything is measured. */
async function checkCodeGenerator(): Promise<void> {
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  for (const now of [0, 59_000, 1_111_111_109_000, Date.now()]) {
    if (totpCode(base32Decode(secret), now) !== (await generateTotp({ secret, now }))) {
      throw new Error(`bench/totp-code.ts disagrees with generateTotp() at ${now}`);
    }
  }
}

async function machineInfo(redis: RedisServer) {
  const probe = redis.client();
  const info = await probe.info('server');
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

/** One round's order: pairs adjacent, their order flipped every other round, then the rest. */
function roundOrder(scenarios: readonly Scenario[], round: number): Scenario[] {
  const byName = new Map(scenarios.map((s) => [s.name, s]));
  const order: Scenario[] = [];
  for (const pair of PAIRS) {
    const members = (round % 2 ? [...pair] : [...pair].reverse())
      .map((name) => byName.get(name))
      .filter((s): s is Scenario => s !== undefined && !order.includes(s));
    order.push(...members);
  }
  for (const s of scenarios) if (!order.includes(s)) order.push(s);
  return order;
}

async function measureOnce(
  scenario: Scenario,
  env: BenchEnv,
  meter: RedisMeter,
  tag: string,
  warmup: boolean,
) {
  await scenario.prepare?.(env, tag, warmup);
  await settle(meter.controlUrl);
  let before: Snapshot | undefined;
  let after: Snapshot | undefined;
  let cpu = 0;
  let loadCpu = 0;
  const result = await scenario.measure(env, {
    warmup,
    around: async (load) => {
      before = await meter.snapshot();
      if (PROFILE_DIR && !warmup) await control(meter.controlUrl, '/profile/start');
      const cpu0 = await cpuOf(meter.controlUrl);
      const own0 = process.cpuUsage();
      const out = await load();
      const own = process.cpuUsage(own0);
      if (PROFILE_DIR && !warmup) {
        const profile = await control(meter.controlUrl, '/profile/stop');
        await writeFile(join(PROFILE_DIR, `${scenario.name}-${tag}.cpuprofile`), profile);
      }
      loadCpu = own.user + own.system;
      // Let the requests cut off in flight finish, so their commands are all counted.
      if (!scenario.concurrentLoad) await settle(meter.controlUrl);
      cpu = (await cpuOf(meter.controlUrl)) - cpu0;
      after = await meter.snapshot();
      return out;
    },
  });
  if (!before || !after) throw new Error(`scenario ${scenario.name} did not call around()`);
  const cpuUsPerRequest = result.sent > 0 ? cpu / result.sent : Number.NaN;
  return {
    ...result,
    cpuUsPerRequest,
    loadCpuUsPerRequest: result.sent > 0 ? loadCpu / result.sent : Number.NaN,
    ...meter.usage(before, after, result.sent),
  } satisfies RunRecord;
}

async function main(): Promise<void> {
  const scenarios = ONLY.length ? SCENARIOS.filter((s) => ONLY.includes(s.name)) : SCENARIOS;
  if (scenarios.length === 0)
    throw new Error(`BENCH_ONLY matches no scenario: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  await checkCodeGenerator();

  let sessionRedis: RedisServer;
  let mfaRedis: RedisServer;
  try {
    [sessionRedis, mfaRedis] = await Promise.all([
      startRedis({ owned: true }),
      startRedis({ owned: true }),
    ]);
  } catch (err) {
    console.error(
      'npm run bench needs redis-server on the PATH (apt-get install -y redis-server, brew install redis).',
    );
    throw err;
  }
  const machine = await machineInfo(mfaRedis);
  const database = await createPostgresDatabase();
  const sqliteDir = await mkdtemp(join(os.tmpdir(), 'stepup-bench-'));
  const { child, ports } = await startServer({
    BENCH_SESSION_REDIS: sessionRedis.url,
    BENCH_MFA_REDIS: mfaRedis.url,
    BENCH_PG_URL: database.url,
    BENCH_SQLITE_PATH: join(sqliteDir, 'credentials.sqlite'),
  });
  const connections = Math.round(numberFromEnv('BENCH_CONNECTIONS', 50));
  const loginConnections = Math.round(numberFromEnv('BENCH_LOGIN_CONNECTIONS', 16));
  const base = (port: number) => `http://127.0.0.1:${port}`;

  console.log(
    `passport-stepup bench on ${machine.cpu} (${machine.cores} cores), load ${machine.loadAverageAtStart.join(' ')}`,
  );
  const [redisSessions, memorySessions, loadUsers, bearer] = await Promise.all([
    satisfiedSessions(base(ports.ours), 'satisfied', connections),
    satisfiedSessions(base(ports.oursMemory), 'satisfied', connections),
    seedUsers(base(ports.ours), 'load', loginConnections),
    bearerTokens(base(ports.ours), 'bearer', connections),
  ]);
  const env: BenchEnv = {
    ports,
    duration: numberFromEnv('BENCH_DURATION', 5),
    warmupSeconds: numberFromEnv('BENCH_WARMUP', 1),
    connections,
    loginConnections,
    satisfied: { redis: redisSessions, memory: memorySessions },
    bearer,
    loadUsers: loadUsers.map((u) => u.id),
  };
  const meter = new RedisMeter(sessionRedis.client(), mfaRedis.client(), base(ports.control));

  const started = Date.now();
  for (const scenario of scenarios) await measureOnce(scenario, env, meter, 'warmup', true);
  const records = new Map<string, RunRecord[]>(scenarios.map((s) => [s.name, []]));
  for (let run = 1; run <= RUNS; run++) {
    for (const scenario of roundOrder(scenarios, run)) {
      const record = await measureOnce(scenario, env, meter, `r${run}`, false);
      records.get(scenario.name)?.push(record);
      const failed = record.non2xx + record.errors;
      console.log(
        `run ${run}/${RUNS} ${scenario.name.padEnd(20)} ${Math.round(record.rps).toString().padStart(6)} req/s` +
          `  p50 ${record.p50Ms.toFixed(2)} ms  p99 ${record.p99Ms.toFixed(2)} ms` +
          `  cpu ${Math.round(record.cpuUsPerRequest)} µs/req  redis ${record.redisCommandsPerRequest}/req` +
          `  db ${record.credentialCallsPerRequest}/req` +
          (failed ? `  !! ${failed} failed ${JSON.stringify(record.statuses)}` : ''),
      );
    }
  }

  const summaries: Record<string, ScenarioSummary> = {};
  for (const [name, runs] of records) summaries[name] = summarise(runs);
  const pairs = pairRatios(records, PAIRS);
  // After the loads, on a quiet machine: the guard alone, in ns per call.
  const guard = await guardMicrobench();
  const targets = checkTargets(summaries, pairs, guard);
  console.log(`\n${textReport(summaries, pairs, guard, targets)}\n`);
  const settings = {
    duration: env.duration,
    runs: RUNS,
    connections,
    loginConnections,
    pipelining: 1,
  };
  const results = {
    machine: { ...machine, loadAverageAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))) },
    date: new Date().toISOString(),
    settings,
    elapsedSeconds: Math.round((Date.now() - started) / 1000),
    scenarios: summaries,
    pairs,
    guard,
    targets,
  };
  await writeFile(here('./results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const header =
    `<!-- npm run bench, ${results.date}: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, ` +
    `Redis ${machine.redis}; ${RUNS} rounds of ${env.duration} s, ${connections} connections; medians -->`;
  await writeFile(
    here('./results.md'),
    `${header}\n${markdownReport(summaries, pairs, guard, targets)}\n`,
  );
  console.log('wrote bench/results.json and bench/results.md');

  child.kill('SIGTERM');
  await new Promise((resolve) =>
    child.exitCode === null ? child.once('exit', resolve) : resolve(null),
  );
  await Promise.all([sessionRedis.stop(), mfaRedis.stop()]);
  await database.drop();
  await rm(sqliteDir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
