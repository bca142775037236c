// Attack: guessing or reconstructing recovery codes: too little entropy, a biased generator,
// look-alike symbols that make users mistype, Unicode look-alikes slipped past the check, or a
// stored form from which a code can be read back (NIST SP 800-63B-4 §3.1.2, ASVS 5.0 V6.5.2).
import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, it, vi } from 'vitest';
import {
  CODE_ALPHABET,
  CODE_BITS,
  CODE_LENGTH,
  codeDigest,
  formatCode,
  generateCode,
  generateCodes,
  normalizeCode,
} from '../../lib/recovery/codes.js';
import { createStepup } from '../../lib/index.js';
import { MemoryCredentialStore } from '../../lib/stores/credentials/memory.js';
import { recoveryCodes } from '../../strategies/recovery-code.js';
import { TEST_HMAC_KEY } from '../helpers/recovery-app.js';
import { sharedStore } from '../helpers/shared-store.js';

const toFullwidth = (c: string) => String.fromCharCode(c.charCodeAt(0) + 0xfee0);
const SHAPE = /^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){4}$/;

describe('generation', () => {
  it('makes distinct codes, five groups of five, from a 32-symbol alphabet', () => {
    const codes = generateCodes(10);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(SHAPE);
  });

  it('carries ≥ 112 bits (alphabet^length): the keyed-hash branch of NIST applies', () => {
    expect(CODE_ALPHABET).toHaveLength(32);
    expect(new Set(CODE_ALPHABET).size).toBe(32);
    expect(CODE_BITS).toBeCloseTo(CODE_LENGTH * Math.log2(CODE_ALPHABET.length));
    expect(CODE_BITS).toBeGreaterThanOrEqual(112);
    expect(CODE_BITS).toBeGreaterThanOrEqual(64);
  });

  it('has no look-alike symbols: no I, L, O (only 1 and 0) and no U', () => {
    for (const ch of 'ILOU') expect(CODE_ALPHABET).not.toContain(ch);
    expect(CODE_ALPHABET).toMatch(/^[0-9A-Z]+$/);
  });

  it('uses every symbol, roughly uniformly (no modulo bias, no stuck generator)', () => {
    const counts = new Map<string, number>();
    const n = 2000;
    for (let i = 0; i < n; i++) {
      for (const ch of generateCode().replace(/-/g, '')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    }
    const expected = (n * CODE_LENGTH) / 32; // 1562.5 per symbol
    expect(counts.size).toBe(32);
    // Chi-square with 31 degrees of freedom: 80 is far past p = 0.00001 for a fair generator.
    let chi = 0;
    for (const c of counts.values()) chi += (c - expected) ** 2 / expected;
    expect(chi).toBeLessThan(80);
  });
});

describe('normalisation', () => {
  const code = 'ABCDE-FGHJK-MNPQR-STVWX-YZ012';
  const canonical = 'ABCDEFGHJKMNPQRSTVWXYZ012';

  it.each([
    ['as printed', code],
    ['lower case', code.toLowerCase()],
    ['spaces for dashes', code.replace(/-/g, ' ')],
    ['no separators', canonical],
    ['surrounding blanks', `  ${code}\t`],
    ['odd grouping', 'abc-defgh jkmn pqrstvwxyz-012'],
    ['O for 0, I and L for 1 (Crockford)', 'ABCDE-FGHJK-MNPQR-STVWX-YZOI2'],
    ['l for 1', 'ABCDE-FGHJK-MNPQR-STVWX-YZ0l2'],
  ])('accepts %s', (_label, input) => {
    expect(normalizeCode(input)).toBe(canonical);
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['one short', canonical.slice(1)],
    ['one long', `${canonical}2`],
    ['U (not in the alphabet)', `U${canonical.slice(1)}`],
    ['punctuation', code.replace(/-/g, '.')],
    ['fullwidth letters and digits', code.replace(/[A-Z0-9]/g, (c) => toFullwidth(c))],
    ['mathematical bold digits', code.replace('012', '\u{1D7CE}\u{1D7CF}\u{1D7D0}')],
    ['Arabic-Indic digits', code.replace('012', '\u0660\u0661\u0662')],
    ['Cyrillic А for Latin A', code.replace('A', '\u0410')],
    ['zero-width space inside', code.replace('-', '\u200b')],
    ['10 kB', 'A'.repeat(10_000)],
  ])('refuses %s', (_label, input) => {
    expect(normalizeCode(input)).toBeUndefined();
  });

  fcTest.prop([fc.string({ maxLength: 200, unit: 'binary' })])('never throws, any input', (s) => {
    const out = normalizeCode(s);
    if (out !== undefined) expect(out).toMatch(/^[0-9A-HJKMNP-TV-Z]{25}$/);
  });

  it('formatCode groups by five', () => {
    expect(formatCode(canonical)).toBe(code);
  });
});

describe('stored form', () => {
  const canonical = 'ABCDEFGHJKMNPQRSTVWXYZ012';

  it('is an HMAC-SHA-256 in hex that contains no part of the code', () => {
    const digest = codeDigest(TEST_HMAC_KEY, 'u-bob', canonical);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(digest.toUpperCase()).not.toContain(canonical.slice(0, 5));
  });

  it('depends on the key and on the user (a digest moved to another user matches nothing)', () => {
    const base = codeDigest(TEST_HMAC_KEY, 'u-bob', canonical);
    expect(codeDigest(Buffer.alloc(32, 1), 'u-bob', canonical)).not.toBe(base);
    expect(codeDigest(TEST_HMAC_KEY, 'u-alice', canonical)).not.toBe(base);
    expect(codeDigest(TEST_HMAC_KEY, 'u-bob', canonical)).toBe(base);
  });
});

describe('recoveryCodes() options', () => {
  it.each([
    [{ count: 4 }, /count must be a whole number from 5 to 20/],
    [{ count: 21 }, /count/],
    [{ count: 7.5 }, /count/],
    [{ hmacKey: 'too-short' }, /at least 32 bytes \(got 9\)/],
    [{ hmacKey: 42 }, /string or a Uint8Array/],
    [{ lowThreshold: 10 }, /lowThreshold/],
    [{ hmackey: TEST_HMAC_KEY }, /unknown option "hmackey"\. Valid options: count, hmacKey/],
  ])('%o → TypeError at creation', (options, message) => {
    expect(() => recoveryCodes(options as never)).toThrow(TypeError);
    expect(() => recoveryCodes(options as never)).toThrow(message);
  });

  it('accepts a 32-byte key as a string or bytes, and a count of 5..20', () => {
    expect(() => recoveryCodes({ hmacKey: 'x'.repeat(32), count: 5 })).not.toThrow();
    expect(() => recoveryCodes({ hmacKey: new Uint8Array(32), count: 20 })).not.toThrow();
  });

  // A per-process key breaks every code after a restart when the codes outlive the process:
  // the credential store that holds them decides, not the MFA store. The SQL case, warning and
  // TypeError, is test/recovery/recovery.key-restart.test.ts.
  describe('without hmacKey', () => {
    it('is silent while the codes live in memory, even on a shared MFA store', () => {
      vi.stubEnv('NODE_ENV', 'development');
      const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      try {
        createStepup({ factors: [recoveryCodes()] });
        const credentials = new MemoryCredentialStore();
        createStepup({ store: sharedStore(), credentials, factors: [recoveryCodes()] });
        const codes = warn.mock.calls.map(([, options]) => (options as { code?: string }).code);
        expect(codes).not.toContain('PASSPORT_STEPUP_RECOVERY_KEY');
      } finally {
        warn.mockRestore();
        vi.unstubAllEnvs();
      }
    });

    it('refuses to start under NODE_ENV=production, on any store', () => {
      vi.stubEnv('NODE_ENV', 'production');
      const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      const options = {
        credentials: new MemoryCredentialStore(),
        rememberBrowser: { enabled: false },
      };
      try {
        for (const store of [undefined, sharedStore()]) {
          expect(() => createStepup({ ...options, store, factors: [recoveryCodes()] })).toThrow(
            /recoveryCodes: hmacKey is required in production/,
          );
        }
      } finally {
        warn.mockRestore();
        vi.unstubAllEnvs();
      }
    });
  });
});
