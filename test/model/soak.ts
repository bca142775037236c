/**
 * The long run of the model test (issue 29): `npm run soak` (SOAK_MINUTES, default 20). Random
 * sequences until the time is up; a failure is reported with its seed and path and the run goes
 * on with a new seed. Prints sequences, commands, distinct model states and violations.
 */
import fc from 'fast-check';
import { modelProperty, newTally } from './property.js';

const minutes = Number(process.env.SOAK_MINUTES ?? 20);
const maxCommands = Number(process.env.SOAK_MAX_COMMANDS ?? 60);
const end = Date.now() + minutes * 60_000;
const tally = newTally();
const violations: string[] = [];

while (Date.now() < end) {
  const seed = (Math.random() * 2 ** 31) | 0;
  const details = await fc.check(modelProperty(tally, maxCommands), {
    seed,
    numRuns: 1_000_000_000,
    interruptAfterTimeLimit: end - Date.now(),
    markInterruptAsFailure: false,
  });
  if (details.failed) {
    const cause = details.errorInstance instanceof Error ? details.errorInstance.message : '';
    const line = `seed ${details.seed} path ${details.counterexamplePath}: ${cause.split('\n')[0]}`;
    violations.push(line);
    console.error(`VIOLATION ${line}`);
  }
}

console.log(
  JSON.stringify(
    {
      minutes,
      sequences: tally.sequences,
      commands: tally.commands,
      distinctStates: tally.states.size,
      violations: violations.length,
    },
    null,
    2,
  ),
);
process.exit(violations.length > 0 ? 1 : 0);
