// Story: an attacker replays a sniffed TOTP code, tries codes from minutes ago, or sends odd input
// (Unicode digits, arrays, huge strings) hoping to crash or confuse the verifier. The core must
// accept exactly RFC 6238 codes within ±1 step, once, and turn everything else into a result.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ScureBase32Plugin } from 'otplib';
import {
  TOTP_DEFAULTS,
  currentTimeStep,
  generateTotp,
  generateTotpSecret,
  isWellFormedCode,
  verifyTotp,
} from '../../lib/totp/totp-core.js';

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII string '12345678901234567890';
// otplib reads string secrets as Base32, so encode it first.
const RFC_SEED = new TextEncoder().encode('12345678901234567890');
const RFC_SECRET = new ScureBase32Plugin().encode(RFC_SEED, { padding: false });
const RFC_VECTORS: readonly [seconds: number, code: string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

const NOW = 1_700_000_000_000; // ms; step 56666666, 20 s into it
const STEP = currentTimeStep(NOW);

describe('RFC 6238 Appendix B (SHA-1, 8 digits)', () => {
  it('encodes the ASCII seed as the well-known Base32 string', () => {
    expect(RFC_SECRET).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  it.each(RFC_VECTORS)('T=%i → %s', async (seconds, code) => {
    const now = seconds * 1000;
    expect(await generateTotp({ secret: RFC_SECRET, now, digits: 8 })).toBe(code);
    const result = await verifyTotp({ secret: RFC_SECRET, code, now, digits: 8 });
    expect(result).toEqual({ valid: true, timeStep: Math.floor(seconds / 30) });
  });
});

describe('generateTotpSecret', () => {
  it('returns 160 bits as 32 Base32 characters, different each time', () => {
    const a = generateTotpSecret();
    const b = generateTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(new ScureBase32Plugin().decode(a)).toHaveLength(20);
    expect(a).not.toBe(b);
  });
});

describe('time window', () => {
  const secret = generateTotpSecret();
  const codeAt = (stepOffset: number) => generateTotp({ secret, now: NOW + stepOffset * 30_000 });

  it('uses the design defaults', () => {
    expect(TOTP_DEFAULTS).toMatchObject({
      algorithm: 'sha1',
      digits: 6,
      period: 30,
      windowSteps: 1,
    });
    expect(STEP).toBe(Math.floor(NOW / 1000 / 30));
  });

  it.each([-1, 0, 1])('accepts the code of step %i relative to now', async (offset) => {
    const result = await verifyTotp({ secret, code: await codeAt(offset), now: NOW });
    expect(result).toEqual({ valid: true, timeStep: STEP + offset });
  });

  it.each([-2, 2, -10, 10])('refuses the code of step %i as a mismatch', async (offset) => {
    const result = await verifyTotp({ secret, code: await codeAt(offset), now: NOW });
    expect(result).toEqual({ valid: false, reason: 'mismatch' });
  });

  it('refuses the current code of another secret', async () => {
    const code = await generateTotp({ secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', now: NOW });
    const result = await verifyTotp({ secret: RFC_SECRET, code, now: NOW });
    expect(result).toEqual({ valid: false, reason: 'mismatch' });
  });
});

describe('replay (afterTimeStep)', () => {
  const secret = generateTotpSecret();

  it('refuses the same step once it is recorded, with reason replayed', async () => {
    const code = await generateTotp({ secret, now: NOW });
    const first = await verifyTotp({ secret, code, now: NOW });
    expect(first).toEqual({ valid: true, timeStep: STEP });
    const again = await verifyTotp({ secret, code, now: NOW + 5_000, afterTimeStep: STEP });
    expect(again).toEqual({ valid: false, reason: 'replayed' });
  });

  it('refuses earlier steps too, and accepts a later one', async () => {
    const previous = await generateTotp({ secret, now: NOW - 30_000 });
    expect(await verifyTotp({ secret, code: previous, now: NOW, afterTimeStep: STEP })).toEqual({
      valid: false,
      reason: 'replayed',
    });
    const next = await generateTotp({ secret, now: NOW + 30_000 });
    expect(await verifyTotp({ secret, code: next, now: NOW, afterTimeStep: STEP })).toEqual({
      valid: true,
      timeStep: STEP + 1,
    });
  });

  it('does not throw when the recorded step is ahead of this clock (fast peer)', async () => {
    const code = await generateTotp({ secret, now: NOW });
    const result = await verifyTotp({ secret, code, now: NOW, afterTimeStep: STEP + 5 });
    expect(result).toEqual({ valid: false, reason: 'replayed' });
    const wrong = await verifyTotp({ secret, code: '000000', now: NOW, afterTimeStep: STEP + 5 });
    expect(wrong.valid).toBe(false);
  });

  it('when two steps share the digits, a used step does not hide a fresh one', async () => {
    // Found offline: with the RFC seed, steps 57766335 and 57766336 both give 251166 (6 digits).
    const used = 57766335;
    const now = used * 30_000 + 5_000;
    expect(await generateTotp({ secret: RFC_SECRET, now })).toBe('251166');
    expect(await generateTotp({ secret: RFC_SECRET, now: now + 30_000 })).toBe('251166');
    const attempt = (afterTimeStep: number) =>
      verifyTotp({ secret: RFC_SECRET, code: '251166', now, afterTimeStep });
    expect(await attempt(used)).toEqual({ valid: true, timeStep: used + 1 });
    expect(await attempt(used + 1)).toEqual({ valid: false, reason: 'replayed' });
  });

  it('a wrong code after a recorded step is a mismatch, not a replay', async () => {
    const code = await generateTotp({ secret, now: NOW + 10 * 30_000 });
    expect(await verifyTotp({ secret, code, now: NOW, afterTimeStep: STEP })).toEqual({
      valid: false,
      reason: 'mismatch',
    });
  });

  it('rejects a nonsense afterTimeStep loudly (server bug, not user input)', async () => {
    const code = await generateTotp({ secret, now: NOW });
    for (const afterTimeStep of [-1, 1.5, Number.NaN]) {
      const attempt = verifyTotp({ secret, code, now: NOW, afterTimeStep });
      await expect(attempt).rejects.toThrow(TypeError);
    }
    await expect(verifyTotp({ secret, code, now: Number.NaN })).rejects.toThrow(TypeError);
  });
});

describe('malformed input', () => {
  const secret = generateTotpSecret();
  const BAD: readonly unknown[] = [
    '١٢٣٤٥٦', // Arabic-Indic digits
    '１２３４５６', // fullwidth digits
    '123 456',
    ' 123456',
    '123456 ',
    '123456\n',
    '12345',
    '1234567',
    '12345a',
    '',
    '1'.repeat(10_000),
    123456,
    ['123456'],
    { toString: () => '123456' },
    null,
    undefined,
    Symbol('x'),
    12345600000n,
  ];

  it.each(BAD.map((v) => [v]))('refuses %s', async (input) => {
    expect(isWellFormedCode(input)).toBe(false);
    const result = await verifyTotp({ secret, code: input, now: NOW });
    expect(result).toEqual({ valid: false, reason: 'malformed' });
  });

  it('accepts exactly `digits` ASCII digits', () => {
    expect(isWellFormedCode('012345')).toBe(true);
    expect(isWellFormedCode('01234567', 8)).toBe(true);
    expect(isWellFormedCode('012345', 8)).toBe(false);
  });

  test.prop([fc.anything()])('never throws; a non-string is malformed', async (input) => {
    const result = await verifyTotp({ secret, code: input, now: NOW });
    if (typeof input !== 'string') expect(result).toEqual({ valid: false, reason: 'malformed' });
  });

  const text = fc.string({ unit: 'grapheme', maxLength: 12 });
  test.prop([text])('arbitrary text: the guard agrees with an ASCII regex', async (s) => {
    expect(isWellFormedCode(s)).toBe(/^[0-9]{6}$/.test(s));
    const result = await verifyTotp({ secret, code: s, now: NOW });
    if (!/^[0-9]{6}$/.test(s)) expect(result).toEqual({ valid: false, reason: 'malformed' });
  });

  const sixDigits = fc.stringMatching(/^[0-9]{6}$/);
  test.prop([sixDigits])('well-formed codes are verified, never thrown on', async (s) => {
    const result = await verifyTotp({ secret, code: s, now: NOW });
    expect(result.valid || result.reason === 'mismatch').toBe(true);
  });
});
