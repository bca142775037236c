/**
 * The long run of the model test (issue 29): `npm run soak` (SOAK_MINUTES, default 20). Random
 * sequences until the time is up, in rounds that alternate between one instance on memory
 * stores and two instances sharing Redis and PostgreSQL (SOAK_VARIANT=one|postgres|sqlite|both,
 * default both: one and postgres; sqlite is the two-instance variant of `npm test`);
 * a failure is reported with its seed and path and the run goes on with a new seed. Prints, per
 * variant, sequences, commands, distinct model states and violations.
 */
import { cpus } from 'node:os';
import fc from 'fast-check';
import { idle, modelProperty, newTally, type Tally } from './property.js';
import { sharedBackends, type SharedBackends } from './shared-stores.js';

const minutes = Number(process.env.SOAK_MINUTES ?? 20);
const maxCommands = Number(process.env.SOAK_MAX_COMMANDS ?? 60);
const variant = process.env.SOAK_VARIANT ?? 'both';
const ROUND_MS = 60_000;
const started = Date.now();
const end = started + minutes * 60_000;

const NAMES = {
  one: 'one instance, memory stores',
  sqlite: 'two instances, Redis + SQLite',
  postgres: 'two instances, Redis + PostgreSQL',
} as const;

interface Run {
  readonly name: keyof typeof NAMES;
  readonly tally: Tally;
  readonly violations: string[];
  readonly shared?: SharedBackends;
}
const runs: Run[] = [];
if (variant === 'one' || variant === 'both') {
  runs.push({ name: 'one', tally: newTally(), violations: [] });
}
for (const backend of ['sqlite', 'postgres'] as const) {
  if (variant !== backend && !(variant === 'both' && backend === 'postgres')) continue;
  runs.push({
    name: backend,
    tally: newTally(),
    violations: [],
    shared: await sharedBackends(backend),
  });
}
if (runs.length === 0) throw new Error(`SOAK_VARIANT=${variant}: one, sqlite, postgres or both`);

for (let round = 0; Date.now() < end; round++) {
  const run = runs[round % runs.length];
  if (!run) break;
  const seed = (Math.random() * 2 ** 31) | 0;
  const details = await fc.check(
    modelProperty(run.tally, { maxCommands, ...(run.shared ? { shared: run.shared } : {}) }),
    {
      seed,
      numRuns: 1_000_000_000,
      interruptAfterTimeLimit: Math.min(ROUND_MS, end - Date.now()),
      markInterruptAsFailure: false,
    },
  );
  // The sequence the time limit cut short still runs: the next round must not share Redis with it.
  await idle(run.tally);
  if (details.failed) {
    const cause = details.errorInstance instanceof Error ? details.errorInstance.message : '';
    const line = `${run.name}: seed ${details.seed} path ${details.counterexamplePath}: ${cause.split('\n')[0]}`;
    run.violations.push(line);
    console.error(`VIOLATION ${line}`);
  }
}
for (const run of runs) await run.shared?.stop();

const report = runs.map(({ name, tally, violations }) => ({
  variant: NAMES[name],
  sequences: tally.sequences,
  commands: tally.commands,
  distinctStates: tally.states.size,
  distinctAnswers: tally.answers.size,
  violations: violations.length,
}));
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
const seconds = Math.round((Date.now() - started) / 1000);
console.log(JSON.stringify({ minutes, seconds, machine, maxCommands, report }, null, 2));
process.exit(runs.some((r) => r.violations.length > 0) ? 1 : 0);
