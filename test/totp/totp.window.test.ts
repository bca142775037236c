// The verify path checks codes on node:crypto, not through otplib (lib/totp/totp-core.ts). An
// error there would accept wrong codes or refuse right ones, so it is held to the RFC 6238
// Appendix B vectors for all three algorithms and to otplib's own verify on random secrets,
// times, algorithms and digit counts, including codes one step early or late and codes of
// steps outside the window.
import { fc, test } from '@fast-check/vitest';
import { generate, ScureBase32Plugin, verify } from 'otplib';
import { describe, expect, it } from 'vitest';
import { verifyTotp } from '../../lib/totp/totp-core.js';
import { hotp, matchingSteps, secretKey } from '../../lib/totp/totp-core.js';

const b32 = new ScureBase32Plugin();
const seed = (ascii: string) => b32.encode(new TextEncoder().encode(ascii), { padding: false });

// RFC 6238 Appendix B: one ASCII seed per algorithm (20, 32 and 64 bytes), 8 digits.
const SEEDS = {
  sha1: seed('12345678901234567890'),
  sha256: seed('12345678901234567890123456789012'),
  sha512: seed('1234567890123456789012345678901234567890123456789012345678901234'),
} as const;
const VECTORS: readonly [number, Record<keyof typeof SEEDS, string>][] = [
  [59, { sha1: '94287082', sha256: '46119246', sha512: '90693936' }],
  [1111111109, { sha1: '07081804', sha256: '68084774', sha512: '25091201' }],
  [1111111111, { sha1: '14050471', sha256: '67062674', sha512: '99943326' }],
  [1234567890, { sha1: '89005924', sha256: '91819424', sha512: '93441116' }],
  [2000000000, { sha1: '69279037', sha256: '90698825', sha512: '38618901' }],
  [20000000000, { sha1: '65353130', sha256: '77737706', sha512: '47863826' }],
];

describe('RFC 6238 Appendix B on node:crypto', () => {
  for (const [seconds, codes] of VECTORS) {
    for (const algorithm of ['sha1', 'sha256', 'sha512'] as const) {
      it(`${algorithm} T=${seconds} → ${codes[algorithm]}`, async () => {
        const key = secretKey(SEEDS[algorithm]);
        expect(hotp(key, Math.floor(seconds / 30), algorithm, 8)).toBe(codes[algorithm]);
        const result = await verifyTotp({
          secret: SEEDS[algorithm],
          code: codes[algorithm],
          now: seconds * 1000,
          digits: 8,
          algorithm,
        });
        expect(result).toEqual({ valid: true, timeStep: Math.floor(seconds / 30) });
      });
    }
  }

  it('a secret under 128 bits is a server fault, not a wrong code', async () => {
    const short = b32.encode(new Uint8Array(10), { padding: false });
    await expect(verifyTotp({ secret: short, code: '123456', now: 60_000 })).rejects.toThrow(
      /128 bits/,
    );
  });

  it('every step of the window is compared; each match is reported in order', () => {
    const key = secretKey(SEEDS.sha1);
    const code = hotp(key, 1000, 'sha1', 6);
    expect(matchingSteps(key, code, 1000, 1, 'sha1', 6)).toEqual([1000]);
    expect(matchingSteps(key, code, 999, 1, 'sha1', 6)).toEqual([1000]);
    expect(matchingSteps(key, code, 1002, 1, 'sha1', 6)).toEqual([]);
    expect(matchingSteps(key, code, 1001, 0, 'sha1', 6)).toEqual([]);
  });
});

describe('the same answers as otplib', () => {
  const algorithms = fc.constantFrom('sha1' as const, 'sha256' as const, 'sha512' as const);
  const digits = fc.constantFrom(6 as const, 7 as const, 8 as const);
  const secrets = fc
    .uint8Array({ minLength: 16, maxLength: 64 })
    .map((bytes) => b32.encode(bytes, { padding: false }));
  const epochs = fc.integer({ min: 200, max: 20_000_000_000 });

  test.prop([secrets, epochs, algorithms, digits, fc.integer({ min: -3, max: 3 })], {
    numRuns: 300,
  })(
    'a code of a step near now: accepted exactly when otplib accepts it',
    async (secret, epoch, algorithm, d, offset) => {
      const code = await generate({ secret, epoch: epoch + offset * 30, algorithm, digits: d });
      const theirs = await verify({
        secret,
        token: code,
        epoch,
        epochTolerance: 30,
        algorithm,
        digits: d,
      });
      const ours = await verifyTotp({ secret, code, now: epoch * 1000, algorithm, digits: d });
      expect(ours.valid).toBe(theirs.valid);
      if (ours.valid && theirs.valid && 'timeStep' in theirs)
        expect(ours.timeStep).toBe(theirs.timeStep);
    },
  );

  test.prop([secrets, epochs, fc.stringMatching(/^[0-9]{6}$/)], { numRuns: 300 })(
    'a random code: the same verdict as otplib',
    async (secret, epoch, code) => {
      const theirs = await verify({ secret, token: code, epoch, epochTolerance: 30 });
      const ours = await verifyTotp({ secret, code, now: epoch * 1000 });
      expect(ours.valid).toBe(theirs.valid);
    },
  );
});
