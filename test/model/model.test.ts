// Attack: a sequence nobody wrote down (user A's pending state suppressing user B's challenge,
// state surviving logout, a pending login surviving a password change, a code spent twice
// across sign-in, a token and a password reset, a copied session record) lets someone past a
// second factor. Random sequences of real requests are checked against the model of
// test/model/model.ts (docs/architecture.md, session states; invariants 1, 2, 16, 17, 21, 22),
// on one instance and on two instances sharing Redis and SQLite. A failure prints its seed and
// path: replay with MODEL_SEED=<seed> MODEL_PATH=<path>.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { idle, modelProperty, newTally, type PropertyOptions } from './property.js';
import { sharedBackends, type SharedBackends } from './shared-stores.js';

/** Seeds that always run, so every CI run covers the same ground first. */
const FIXED_SEEDS = [1, 29, 4242, 20260601];
/** The random runs' whole budget: 60 % on one instance, 40 % on two. */
const BUDGET_MS = Number(process.env.MODEL_BUDGET_MS ?? 45_000);

function replay(): fc.Parameters<[unknown]> {
  const seed = process.env.MODEL_SEED;
  if (seed === undefined) return {};
  return {
    seed: Number(seed),
    ...(process.env.MODEL_PATH ? { path: process.env.MODEL_PATH } : {}),
  };
}

async function bounded(budgetMs: number, options: PropertyOptions = {}) {
  const tally = newTally();
  try {
    await fc.assert(modelProperty(tally, options), {
      numRuns: 1_000_000,
      interruptAfterTimeLimit: budgetMs,
      // Running out of time is the budget, not a failure.
      markInterruptAsFailure: false,
      verbose: 1,
      ...replay(),
    });
  } finally {
    // The sequence the time limit cut short still runs; the stores must outlive it.
    await idle(tally);
  }
  console.log(
    `model: ${tally.sequences} sequences, ${tally.commands} commands, ${tally.states.size} states`,
  );
}

describe('the app agrees with the model of who may be signed in', () => {
  it('fixed seeds', { timeout: 120_000 }, async () => {
    for (const seed of FIXED_SEEDS) {
      await fc.assert(modelProperty(newTally()), { seed, numRuns: 3, verbose: 1, ...replay() });
    }
  });

  it('random sequences, bounded in time', { timeout: BUDGET_MS + 60_000 }, async () => {
    await bounded(BUDGET_MS * 0.6);
  });
});

describe('two instances sharing one Redis MfaStore and one SQLite credential store', () => {
  let shared: SharedBackends;
  beforeAll(async () => {
    shared = await sharedBackends();
  });
  afterAll(async () => {
    await shared.stop();
  });

  it('random sequences, bounded in time', { timeout: BUDGET_MS + 60_000 }, async () => {
    await bounded(BUDGET_MS * 0.4, { shared });
  });
});
