/**
 * One random run of the model test from a given seed, stopping at the first failure: how the
 * mutation table of docs/SECURITY.md ("Proof by model") is measured. `npm run model:seed`, with
 * SEED (default 1), SECONDS (default 30), VARIANT (one, sqlite: two instances on Redis and SQLite, postgres: on Redis and PostgreSQL; default one) and
 * MAX_COMMANDS (default 40, as in `npm test`). Prints the sequences run and the seconds up to
 * the first failure, then the failing sequence once shrunk; exits 1 on a failure.
 */
import fc from 'fast-check';
import { idle, modelProperty, newTally } from './property.js';
import { sharedBackends } from './shared-stores.js';

const seed = Number(process.env.SEED ?? 1);
const seconds = Number(process.env.SECONDS ?? 30);
const variant = process.env.VARIANT ?? 'one';
const maxCommands = Number(process.env.MAX_COMMANDS ?? 40);

const shared =
  variant === 'one'
    ? undefined
    : await sharedBackends(variant === 'sqlite' ? 'sqlite' : 'postgres');
const tally = newTally();
const details = await fc.check(
  modelProperty(tally, { maxCommands, ...(shared ? { shared } : {}) }),
  {
    seed,
    numRuns: 1_000_000,
    interruptAfterTimeLimit: seconds * 1000,
    markInterruptAsFailure: false,
  },
);
await idle(tally);
await shared?.stop();
const cause = details.errorInstance instanceof Error ? details.errorInstance.message : '';
console.log(
  JSON.stringify(
    {
      seed,
      variant,
      failed: details.failed,
      sequences: tally.firstFailure?.sequences ?? tally.sequences,
      seconds: Math.round((tally.firstFailure?.ms ?? seconds * 1000) / 100) / 10,
      ...(details.failed
        ? {
            cause: cause.split('\n')[0],
            shrunk: String(details.counterexample?.[0] ?? ''),
            path: details.counterexamplePath,
          }
        : {}),
    },
    null,
    2,
  ),
);
process.exit(details.failed ? 1 : 0);
