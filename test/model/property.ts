/**
 * The model-based property of issue 29: a fresh app and model per sequence, the commands run
 * one after the other, each compared with the model (commands.ts). Used by the bounded test in
 * `npm test` and by the soak (`npm run soak`), on one instance with memory stores or on two
 * instances sharing Redis and SQLite (shared-stores.ts).
 */
import fc from 'fast-check';
import { makeReal } from './harness.js';
import { Ledger } from './invariants.js';
import type { World } from './commands.js';
import { commands } from './mix.js';
import { initialModel, stateKey, type Model } from './model.js';
import type { SharedBackends } from './shared-stores.js';

/** What a run saw, for the soak's report. */
export interface Tally {
  sequences: number;
  commands: number;
  readonly states: Set<string>;
  /** Answers seen per `command:status:tag`: shows which paths the random sequences reached. */
  readonly answers: Map<string, number>;
  /** When the first sequence failed: sequences run and milliseconds since the tally began. */
  firstFailure?: { sequences: number; ms: number };
  readonly startedAt: number;
  /**
   * Sequences still running. fast-check's `interruptAfterTimeLimit` stops waiting for the
   * sequence under way but does not stop it: it goes on in the background, on the same Redis
   * (where a `flush` would wipe the next run's keys). `idle()` waits for them.
   */
  readonly running: Set<Promise<void>>;
}

/** Wait until no sequence of `tally` runs any more (see `Tally.running`). */
export async function idle(tally: Tally): Promise<void> {
  while (tally.running.size > 0) await Promise.allSettled([...tally.running]);
}

export const newTally = (): Tally => ({
  sequences: 0,
  commands: 0,
  states: new Set(),
  answers: new Map(),
  startedAt: Date.now(),
  running: new Set(),
});

export interface PropertyOptions {
  readonly maxCommands?: number;
  /** Two instances on these backends; left out: one instance on memory stores. */
  readonly shared?: SharedBackends;
}

/** The property: every sequence of up to `maxCommands` commands agrees with the model. */
export function modelProperty(tally: Tally, options: PropertyOptions = {}) {
  const { maxCommands = 40, shared } = options;
  return fc.asyncProperty(fc.commands(commands, { maxCommands, size: 'max' }), async (cmds) => {
    const run = sequence(cmds);
    tally.running.add(run);
    try {
      await run;
    } finally {
      tally.running.delete(run);
    }
  });

  async function sequence(cmds: Iterable<fc.AsyncCommand<Model, World>>): Promise<void> {
    const stores = await shared?.next();
    try {
      const real = await makeReal(stores ? { shared: stores, instances: 2 } : {});
      // Redis keeps its own time: locks do not end when the fake clock moves (model.ts).
      const model = initialModel(
        real.clock.now(),
        real.clients.length,
        real.enrolledStep,
        stores !== undefined,
      );
      tally.sequences += 1;
      const counted = [...cmds].map((cmd) => ({
        check: (m: Readonly<Model>) => cmd.check(m),
        run: async (m: Model, w: Parameters<typeof cmd.run>[1]) => {
          await cmd.run(m, w);
          tally.commands += 1;
          tally.states.add(stateKey(m));
        },
        toString: () => cmd.toString(),
      }));
      const world = { real, ledger: new Ledger(), seen: tally.answers };
      await fc.asyncModelRun(() => ({ model, real: world }), counted);
    } catch (err) {
      tally.firstFailure ??= { sequences: tally.sequences, ms: Date.now() - tally.startedAt };
      throw err;
    } finally {
      await stores?.close();
    }
  }
}
