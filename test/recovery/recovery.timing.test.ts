// Attack: a timing side channel. If checking a code looped over the stored codes and stopped at
// the first match, the time of a guess would tell how many codes are left and which position
// matched. The check is one keyed lookup, so medians must agree within noise. Samples are
// interleaved (ABBA) so that a slow phase of a loaded machine hits both sides alike; the bounds
// (0.5..2) are loose on purpose: a loop over codes with a 10:1 count ratio would show as ~2-10x
// only with costly comparisons, so this test guards the design, not nanoseconds.
import { describe, expect, it } from 'vitest';
import { hostOf } from '../../lib/core/context.js';
import type { Stepup } from '../../lib/index.js';
import { generateCode } from '../../lib/recovery/codes.js';
import { client } from '../helpers/app.js';
import { close, listen, makeRecoveryApp } from '../helpers/recovery-app.js';
import { median } from '../helpers/median.js';

/** The lockout is not what is measured here: each pair starts from a clean one. */
async function clearLockout(stepup: Stepup, users: string[]): Promise<void> {
  for (const u of users) await hostOf(stepup).context.attempts.clear(u);
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start);
}

/** Median time of `a` and of `b` over `n` interleaved samples each, after a warm-up. */
async function compare(
  n: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  /** Untimed, before each pair: clears the lockout, which would stop guessing at 100. */
  between: () => Promise<unknown>,
) {
  for (let i = 0; i < 10; i++) {
    await between();
    await a();
    await b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < n; i++) {
    await between();
    if (i % 2 === 0) {
      ta.push(await timed(a));
      tb.push(await timed(b));
    } else {
      tb.push(await timed(b));
      ta.push(await timed(a));
    }
  }
  return median(ta) / median(tb);
}

describe('the time of a recovery-code check', () => {
  it('a wrong code takes as long with 10 codes left as with 1 (service call)', async () => {
    const { recovery, stepup } = makeRecoveryApp();
    await recovery.generate(undefined, 'u-bob');
    const alice = await recovery.generate(undefined, 'u-alice');
    for (const code of alice.slice(1)) await recovery.consume(undefined, 'u-alice', code);
    expect(await recovery.remaining('u-bob')).toBe(10);
    expect(await recovery.remaining('u-alice')).toBe(1);
    const ratio = await compare(
      200,
      () => recovery.consume(undefined, 'u-bob', generateCode()),
      () => recovery.consume(undefined, 'u-alice', generateCode()),
      () => clearLockout(stepup, ['u-bob', 'u-alice']),
    );
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('a wrong code takes as long with 10 codes left as with 1 (through the router)', async () => {
    const { app, recovery, stepup } = makeRecoveryApp({
      enrolled: [],
      stepup: { pendingTtlSeconds: 3600 },
    });
    await recovery.generate(undefined, 'u-bob');
    const alice = await recovery.generate(undefined, 'u-alice');
    for (const code of alice.slice(1)) await recovery.consume(undefined, 'u-alice', code);
    const server = await listen(app);
    try {
      const bob = await client(server);
      await bob.login('bob', 'bob-password-1');
      const al = await client(server);
      await al.login('alice', 'alice-password-1');
      const wrong = (c: typeof bob) => async () => {
        const res = await c.verify(generateCode(), 'recovery-code');
        if (res.status !== 401) throw new Error(`expected 401, got ${res.status}`);
      };
      const ratio = await compare(50, wrong(bob), wrong(al), () =>
        clearLockout(stepup, ['u-bob', 'u-alice']),
      );
      expect(ratio).toBeGreaterThan(0.5);
      expect(ratio).toBeLessThan(2);
    } finally {
      await close(server);
    }
  });

  it('the first and the last code of a set take as long (position is not revealed)', async () => {
    const { recovery } = makeRecoveryApp();
    const users = Array.from({ length: 60 }, (_, i) => `u-timing-${i}`);
    const sets = new Map<string, string[]>();
    for (const user of users) sets.set(user, await recovery.generate(undefined, user));
    const first: number[] = [];
    const last: number[] = [];
    for (const [i, user] of users.entries()) {
      const codes = sets.get(user) ?? [];
      const useFirst = () => recovery.consume(undefined, user, codes[0] ?? '');
      const useLast = () => recovery.consume(undefined, user, codes[codes.length - 1] ?? '');
      if (i < 10) {
        await useFirst(); // warm-up
        await useLast();
        continue;
      }
      if (i % 2 === 0) {
        first.push(await timed(useFirst));
        last.push(await timed(useLast));
      } else {
        last.push(await timed(useLast));
        first.push(await timed(useFirst));
      }
    }
    const ratio = median(first) / median(last);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});
