// Guards the layering of docs/architecture.md: an import that runs back up (a feature reaching
// into the router, core into a feature) or any cycle, type-only imports included, is how the
// old `Stepup` facade knot grew. ESLint (import-x/no-cycle) skips `import type`; this does not.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
// The feature folders (rank 4): one list, in eslint.config.js, for its layer rules and this test.
const { FEATURES } = (await import(pathToFileURL(path.join(ROOT, 'eslint.config.js')).href)) as {
  FEATURES: readonly string[];
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return filesUnder(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

/** Every relative import and re-export of a file, `import type` included, resolved to a path. */
export function importsOf(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const specs = [...src.matchAll(/(?:from\s+|import\s*\(\s*|^import\s+)'(\.{1,2}\/[^']+)'/gm)];
  return specs.map((m) => path.resolve(path.dirname(file), (m[1] ?? '').replace(/\.js$/, '.ts')));
}

/** The layer of a file: imports may only go to a lower layer or stay in the same folder. */
export function layerOf(file: string): { rank: number; folder: string } {
  const rel = path.relative(ROOT, file).split(path.sep);
  if (rel[0] === 'strategies') return { rank: 6, folder: 'strategies' };
  const folder = rel.length > 2 ? (rel[1] ?? '') : '<root>';
  if (folder === '<root>') return { rank: 7, folder };
  if (folder === 'stores' || folder === 'crypto') return { rank: 0, folder };
  if (folder === 'core') return { rank: 1, folder };
  if (folder === 'mail' || folder === 'sms') return { rank: 2, folder };
  if (folder === 'http') return { rank: 3, folder };
  if (folder === 'step-up' || FEATURES.includes(folder)) return { rank: 4, folder };
  if (folder === 'router') return { rank: 5, folder };
  throw new Error(
    `${rel.join('/')}: a folder without a layer; add it to docs/architecture.md and here`,
  );
}

/** Strongly connected components with more than one file (or a file importing itself). */
export function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) ?? 0, idx.get(w) ?? 0));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w !== undefined) {
          on.delete(w);
          scc.push(w);
        }
      } while (w !== undefined && w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

function graph(): Map<string, string[]> {
  const files = [
    ...filesUnder(path.join(ROOT, 'lib')),
    ...filesUnder(path.join(ROOT, 'strategies')),
  ];
  const known = new Set(files);
  return new Map(files.map((f) => [f, importsOf(f).filter((t) => known.has(t))]));
}

const rel = (f: string) => path.relative(ROOT, f);

describe('the import graph of lib/ and strategies/', () => {
  it('has no cycle, type-only imports included', () => {
    expect(cyclesOf(graph()).map((c) => c.map(rel).sort())).toEqual([]);
  });

  it('has no import that runs back up a layer, and no feature imports another feature', () => {
    const wrong: string[] = [];
    for (const [from, targets] of graph()) {
      const a = layerOf(from);
      for (const to of targets) {
        const b = layerOf(to);
        if (a.folder === b.folder) continue;
        if (b.rank > a.rank || (b.rank === a.rank && a.rank === 4 && b.folder !== 'step-up')) {
          wrong.push(`${rel(from)} -> ${rel(to)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('only lib/index.ts imports the composition root; only the root imports strategies/', () => {
    const wrong: string[] = [];
    for (const [from, targets] of graph()) {
      for (const to of targets) {
        if (rel(to) === 'lib/create-stepup.ts' && rel(from) !== 'lib/index.ts')
          wrong.push(rel(from));
        const root = ['lib/index.ts', 'lib/create-stepup.ts'].includes(rel(from));
        if (rel(to).startsWith('strategies/') && rel(from).startsWith('lib/') && !root) {
          wrong.push(`${rel(from)} -> ${rel(to)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('finds a cycle and an upward import when there is one (the checker itself)', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['a']],
      ['c', ['c']],
      ['d', []],
    ]);
    expect(cyclesOf(g).map((c) => c.sort())).toEqual([['a', 'b'], ['c']]);
    expect(layerOf(path.join(ROOT, 'lib/core/x.ts')).rank).toBeLessThan(
      layerOf(path.join(ROOT, 'lib/http/x.ts')).rank,
    );
  });
});
