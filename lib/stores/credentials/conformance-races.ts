/**
 * Race tests of the credential conformance suite. The attack: a phished recovery code or TOTP
 * code is submitted 50 times at once (or from two app instances), hoping that more than one
 * request passes the check before any marks it used. A look-up secret and an OTP are accepted
 * once (NIST SP 800-63B-4 §3.1.2.2 and §3.1.4.2, RFC 6238 §5.2, OWASP ASVS 5.0 V6.5.1), so of N
 * parallel callers exactly one may win. The calls start together, so a store that reads, awaits
 * and then writes is caught.
 */
import { expect, it } from '../vitest-api.js';
import {
  type CredentialConformanceContext,
  digests,
  recoverySet,
  T0,
  totpData,
} from './conformance-fixtures.js';

const N = 50;

function parallel<T>(n: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => fn(i)));
}

function wins(results: readonly boolean[]): number {
  return results.filter(Boolean).length;
}

export function raceTests(ctx: CredentialConformanceContext): void {
  it(`consumeRecoveryCode: exactly one of ${N} parallel calls with one digest wins`, async () => {
    const { store } = ctx;
    const d = digests('a');
    await store.replaceRecoveryCodes({ userId: 'alice', digests: d, now: T0 });
    const results = await parallel(N, (i) =>
      store.consumeRecoveryCode('alice', d[0] as string, T0 + i),
    );
    expect(wins(results)).toBe(1);
    const used = (await recoverySet(store, 'alice'))?.codes.filter((c) => c.usedAt !== null);
    expect(used).toEqual([{ digest: d[0], usedAt: T0 + results.indexOf(true) }]);
  });

  it(`consumeRecoveryCode: ${N} parallel calls over 10 codes use each code exactly once`, async () => {
    const { store } = ctx;
    const d = digests('a');
    await store.replaceRecoveryCodes({ userId: 'alice', digests: d, now: T0 });
    const results = await parallel(N, (i) =>
      store.consumeRecoveryCode('alice', d[i % d.length] as string, T0 + 1),
    );
    for (let code = 0; code < d.length; code++) {
      expect(wins(results.filter((_, i) => i % d.length === code)), `code ${code}`).toBe(1);
    }
    expect((await recoverySet(store, 'alice'))?.codes.every((c) => c.usedAt === T0 + 1)).toBe(true);
  });

  it(`advanceTotpStep: exactly one of ${N} parallel calls with one step wins; equal or lower refused after`, async () => {
    const { store } = ctx;
    const t = await store.createTotp({ userId: 'alice', data: totpData(), now: T0 });
    expect(await store.advanceTotpStep('alice', t.id, 1000, T0)).toBe(true);
    const results = await parallel(N, () =>
      store.advanceTotpStep('alice', t.id, 1001, T0 + 30_000),
    );
    expect(wins(results)).toBe(1);
    expect(await store.advanceTotpStep('alice', t.id, 1001, T0 + 30_001)).toBe(false);
    expect(await store.advanceTotpStep('alice', t.id, 1000, T0 + 30_001)).toBe(false);
    expect(await store.get('alice', t.id)).toMatchObject({
      lastStep: 1001,
      lastUsedAt: T0 + 30_000,
    });
  });

  it(`advanceTotpStep: ${N} parallel distinct steps leave the largest, never a smaller one`, async () => {
    const { store } = ctx;
    const t = await store.createTotp({ userId: 'alice', data: totpData(), now: T0 });
    // 1..N in a scrambled order (7 is coprime with 50), so small steps arrive after large ones.
    const steps = Array.from({ length: N }, (_, i) => ((i * 7) % N) + 1);
    await parallel(N, (i) => store.advanceTotpStep('alice', t.id, steps[i] ?? 0, T0 + i));
    expect(await store.get('alice', t.id)).toMatchObject({ lastStep: N });
    expect(await store.advanceTotpStep('alice', t.id, N, T0 + N)).toBe(false);
  });

  it('each TOTP row has its own replay marker, also under parallel calls', async () => {
    const { store } = ctx;
    const a = await store.createTotp({ userId: 'alice', data: totpData(1), now: T0 });
    const b = await store.createTotp({ userId: 'alice', data: totpData(2), now: T0 + 1 });
    const m = await store.createTotp({ userId: 'mallory', data: totpData(3), now: T0 });
    const results = await parallel(N, (i) =>
      store.advanceTotpStep(
        i % 2 ? 'alice' : 'mallory',
        [a.id, b.id, m.id][i % 3] as string,
        77,
        T0,
      ),
    );
    // alice+a, alice+b and mallory+m each win once; mismatched user/id pairs never win.
    expect(wins(results)).toBe(3);
    for (const [user, id] of [
      ['alice', a.id],
      ['alice', b.id],
      ['mallory', m.id],
    ] as const) {
      expect(await store.get(user, id)).toMatchObject({ lastStep: 77 });
      expect(await store.advanceTotpStep(user, id, 77, T0)).toBe(false);
    }
    expect(await store.advanceTotpStep('alice', a.id, 78, T0)).toBe(true);
    expect(await store.get('alice', b.id)).toMatchObject({ lastStep: 77 });
  });

  it('10 parallel replaceRecoveryCodes all succeed and leave exactly one complete set', async () => {
    const { store } = ctx;
    const sets = Array.from({ length: 10 }, (_, i) => digests(`set${i}`));
    const results = await Promise.allSettled(
      sets.map((d, i) => store.replaceRecoveryCodes({ userId: 'alice', digests: d, now: T0 + i })),
    );
    expect(results.map((r) => r.status)).toEqual(sets.map(() => 'fulfilled'));
    const set = await recoverySet(store, 'alice');
    const winner = sets.findIndex((d) => d[0] === set?.codes[0]?.digest);
    expect(winner).toBeGreaterThanOrEqual(0);
    expect(set?.codes).toEqual(sets[winner]?.map((digest) => ({ digest, usedAt: null })));
    for (const [i, d] of sets.entries()) {
      const expected = i === winner;
      expect(await store.consumeRecoveryCode('alice', d[5] as string, T0 + 20), `set ${i}`).toBe(
        expected,
      );
    }
  });
}
