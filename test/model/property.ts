/**
 * The model-based property of issue 29: a fresh app and model per sequence, the commands run
 * one after the other, each compared with the model (commands.ts). Used by the bounded test in
 * `npm test` and by the soak (`npm run soak`).
 */
import fc from 'fast-check';
import { commands } from './mix.js';
import { makeReal } from './harness.js';
import { Ledger } from './invariants.js';
import { initialModel, stateKey, type Model } from './model.js';

/** What a run saw, for the soak's report. */
export interface Tally {
  sequences: number;
  commands: number;
  readonly states: Set<string>;
  /** Answers seen per `command:status:tag`: shows which paths the random sequences reached. */
  readonly answers: Map<string, number>;
}

export const newTally = (): Tally => ({
  sequences: 0,
  commands: 0,
  states: new Set(),
  answers: new Map(),
});

/** The property: every sequence of up to `maxCommands` commands agrees with the model. */
export function modelProperty(tally: Tally, maxCommands = 40) {
  return fc.asyncProperty(fc.commands(commands, { maxCommands, size: 'max' }), async (cmds) => {
    const real = await makeReal();
    const model = initialModel(real.clock.now(), real.clients.length, real.enrolledStep);
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
    await fc.asyncModelRun(
      () => ({ model, real: { real, ledger: new Ledger(), seen: tally.answers } }),
      counted,
    );
  });
}
