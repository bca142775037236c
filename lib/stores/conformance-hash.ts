/**
 * Conformance of the optional hash methods of `MfaStore` (`hashGet`, `hashDeleteMany`), part of
 * the suite every store passes (docs/architecture.md, "Testing"). A store without them is
 * skipped here: its callers fall back to `hashGetAll` and `hashDelete`.
 */
import type { ConformanceContext } from './conformance-atomic.js';
import { expect, it } from './vitest-api.js';
import { storeKey } from './types.js';

export function optionalHashTests(ctx: ConformanceContext): void {
  const h = storeKey('dora', 'h');

  it('hashGet (when the store has it) reads one field; null when absent', async () => {
    const { store } = ctx;
    if (!store.hashGet) return; // optional: callers fall back to hashGetAll()
    expect(await store.hashGet(h, 'f')).toBeNull();
    await store.hashSet(h, 'f', '1', 60_000);
    await store.hashSet(h, 'g', '2');
    expect(await store.hashGet(h, 'f')).toBe('1');
    expect(await store.hashGet(h, 'g')).toBe('2');
    expect(await store.hashGet(h, 'x')).toBeNull();
    for (const field of ['__proto__', 'constructor', 'toString']) {
      expect(await store.hashGet(h, field), field).toBeNull();
    }
    await store.hashSet(h, '__proto__', 'p');
    expect(await store.hashGet(h, '__proto__')).toBe('p');
  });

  it('hashGet sees a field expire with its hash', async () => {
    const { store } = ctx;
    if (!store.hashGet) return;
    await store.hashSet(h, 'f', '1', 250);
    await ctx.wait(350);
    expect(await store.hashGet(h, 'f')).toBeNull();
  });

  it('hashDeleteMany (when the store has it) removes the given fields at once, counts them', async () => {
    const { store } = ctx;
    if (!store.hashDeleteMany) return; // optional: callers fall back to hashDelete()
    expect(await store.hashDeleteMany(h, [])).toBe(0);
    expect(await store.hashDeleteMany(h, ['a', 'b'])).toBe(0);
    for (const f of ['a', 'b', 'c', '__proto__']) await store.hashSet(h, f, f, 60_000);
    expect(await store.hashDeleteMany(h, ['a', 'c', 'missing', '__proto__'])).toBe(3);
    expect(await store.hashGetAll(h)).toEqual({ b: 'b' });
    expect(await store.hashDeleteMany(h, ['a', 'c'])).toBe(0); // single use, like hashDelete
    expect(await store.hashDeleteMany(h, ['b'])).toBe(1);
    expect(await store.delete(h)).toBe(0); // an emptied hash is gone
  });

  it('hashDeleteMany: of parallel callers deleting the same field, one counts it', async () => {
    const { store } = ctx;
    if (!store.hashDeleteMany) return;
    await store.hashSet(h, 'once', 'v', 60_000);
    const counts = await Promise.all(
      Array.from({ length: 20 }, () => store.hashDeleteMany?.(h, ['once']) ?? 0),
    );
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
  });
}
