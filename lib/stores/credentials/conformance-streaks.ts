/**
 * The durable failure streak (`failureStreak`, `raiseFailureStreak`, `clearFailureStreak`). The
 * attack: the short-lived store is flushed (or an instance restarts on an empty one) and the
 * guesser gets a fresh budget; the durable copy must only ever grow until a success, also when
 * several instances write at once, and belong to exactly one user (docs/architecture.md,
 * invariant 19).
 */
import { expect, it } from '../vitest-api.js';
import { type CredentialConformanceContext, T0 } from './conformance-fixtures.js';

export function streakTests(ctx: CredentialConformanceContext): void {
  it('failure streak: 0 when none, raised only upward, cleared per user', async () => {
    const { store } = ctx;
    expect(await store.failureStreak('alice')).toBe(0);
    await store.raiseFailureStreak('alice', 20, T0);
    await store.raiseFailureStreak('alice', 10, T0 + 1);
    expect(await store.failureStreak('alice')).toBe(20);
    await store.raiseFailureStreak('alice', 30, T0 + 2);
    expect(await store.failureStreak('alice')).toBe(30);
    // User ids compare exactly: no case folding, no trailing-space padding.
    for (const other of ['Alice', 'alice ', 'alicE'])
      expect(await store.failureStreak(other)).toBe(0);
    await store.raiseFailureStreak('bob', 100, T0);
    await store.clearFailureStreak('alice');
    expect(await store.failureStreak('alice')).toBe(0);
    expect(await store.failureStreak('bob')).toBe(100);
    await store.clearFailureStreak('nobody'); // nothing to clear is fine
  });

  it('failure streak: 50 parallel raises keep the largest', async () => {
    const { store } = ctx;
    const values = Array.from({ length: 50 }, (_, i) => ((i * 37) % 50) + 1);
    await Promise.all(values.map((n) => store.raiseFailureStreak('carol', n, T0)));
    expect(await store.failureStreak('carol')).toBe(50);
  });

  it('failure streak: bad input is a TypeError before any query', async () => {
    const { store } = ctx;
    for (const bad of [-1, 1.5, Number.NaN, '3', 2 ** 31]) {
      await expect(store.raiseFailureStreak('alice', bad as number, T0)).rejects.toThrow(TypeError);
    }
    await expect(store.failureStreak('' as string)).rejects.toThrow(TypeError);
    expect(await store.failureStreak('alice')).toBe(0);
  });
}
