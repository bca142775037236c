// The event type is a closed union (docs/architecture.md): an app that switches on `event.type`
// must be able to trust that every listed event can happen and that no other one does. This
// fails when a member is never emitted, an emitted type is missing from the union, or a member
// is named by no test.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return filesUnder(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

const union = (() => {
  const src = readFileSync(path.join(ROOT, 'lib/core/types.ts'), 'utf8');
  const body = /export type StepupEventType =([^;]+);/.exec(src)?.[1] ?? '';
  return [...body.matchAll(/'([a-z_.]+)'/g)].map((m) => m[1] ?? '');
})();

const source = [...filesUnder(path.join(ROOT, 'lib')), ...filesUnder(path.join(ROOT, 'strategies'))]
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');
const emitted = new Set(
  [...source.matchAll(/emitFor\(\s*[\w?.]+,\s*'([a-z_.]+)'/g)].map((m) => m[1]),
);
// Ternaries pick one of two types: `emitFor(req, cond ? 'a' : 'b', …)` and `const type = cond ? 'a' : 'b'`.
for (const m of source.matchAll(/\?\s*'([a-z_]+\.[a-z_]+)'\s*:\s*'([a-z_]+\.[a-z_]+)'/g)) {
  emitted.add(m[1]);
  emitted.add(m[2]);
}

const tests = filesUnder(path.join(ROOT, 'test'))
  .filter((f) => !f.endsWith('events.catalogue.test.ts'))
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');

describe('StepupEventType', () => {
  it('lists what is emitted, no more and no less', () => {
    expect(union.length).toBeGreaterThan(20);
    expect(union.filter((t) => !emitted.has(t))).toEqual([]);
    expect([...emitted].filter((t) => t !== undefined && !union.includes(t))).toEqual([]);
  });

  it('has a test that names each member', () => {
    expect(union.filter((t) => !tests.includes(`'${t}'`))).toEqual([]);
  });
});
