// Attack: a phishing link `/login?returnTo=https://evil.example` turns our login page into a
// trampoline to the attacker's site. Only same-origin paths may come out of the sanitiser.
import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { safeReturnTo } from '../../lib/index.js';

const ORIGIN = 'https://app.example';

/** What a browser would do with the value as a Location header on our origin. */
function landsOnOrigin(value: string): boolean {
  return new URL(value, ORIGIN).origin === ORIGIN;
}

describe('safeReturnTo', () => {
  it.each([
    'https://evil',
    '//evil',
    '/\\evil',
    '%2F%2Fevil',
    'javascript:alert(1)',
    'https:evil',
    'http://evil.example/path',
    '/\t/evil',
    '/\n/evil',
    ' //evil',
    '\\\\evil',
    '/./\\evil',
    'data:text/html,hi',
    '',
    'a'.repeat(3000),
  ])('refuses %j', (payload) => {
    expect(safeReturnTo(payload, '/home')).toBe('/home');
  });

  it('refuses non-strings (arrays, objects, numbers)', () => {
    for (const v of [['/a'], { a: 1 }, 42, null, undefined])
      expect(safeReturnTo(v, '/d')).toBe('/d');
  });

  it.each(['/reports', '/billing?tab=2', '/a/b#c', '/%2F%2Fevil', '/search?q=%2F%2F'])(
    'keeps the same-origin path %j',
    (path) => {
      const out = safeReturnTo(path, '/d');
      expect(out).not.toBe('/d');
      expect(landsOnOrigin(out)).toBe(true);
    },
  );

  it('collapses dot segments that would form //', () => {
    const out = safeReturnTo('/.//evil', '/d');
    expect(out === '/d' || !out.startsWith('//')).toBe(true);
  });

  fcTest.prop([fc.string({ unit: 'binary', maxLength: 300 })], { numRuns: 2000 })(
    'random strings only ever yield a same-origin path',
    (s) => {
      const out = safeReturnTo(s, '/fallback');
      expect(out.startsWith('/')).toBe(true);
      expect(out.startsWith('//')).toBe(false);
      expect(landsOnOrigin(out)).toBe(true);
    },
  );

  fcTest.prop([fc.webUrl()], { numRuns: 500 })('absolute URLs always fall back', (u) => {
    expect(safeReturnTo(u, '/fallback')).toBe('/fallback');
  });

  fcTest.prop(
    [fc.constantFrom('/', '//', '/\\', '\\/', '/%2f', '/\t'), fc.string({ maxLength: 40 })],
    { numRuns: 1000 },
  )('prefix tricks never leave the origin', (prefix, rest) => {
    expect(landsOnOrigin(safeReturnTo(prefix + rest, '/fallback'))).toBe(true);
  });
});
