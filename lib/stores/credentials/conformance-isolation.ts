/**
 * Isolation and hostile strings. The attack: an account's credential ids leak (a log line, a
 * screenshot of the factors page) and another user replays them against their own session, or
 * registers a user id that a lax database comparison folds onto the victim's (case, trailing
 * space, Unicode normalisation, emoji that utf8mb4_general_ci treats as equal). Every method is
 * scoped by user id, compared exactly (OWASP ASVS 5.0 V8.2.2), and every value is a bound
 * parameter, so quotes, wildcards and comment markers are plain characters (ASVS 5.0 V1.2.4).
 */
import { expect, it } from '../vitest-api.js';
import {
  type CredentialConformanceContext,
  digests,
  recoverySet,
  T0,
  totpData,
} from './conformance-fixtures.js';

/** Strings that break naive SQL, LIKE patterns, JSON or length checks. */
export const ODD_STRINGS: readonly string[] = [
  'ключ 用户 🔑',
  '👨‍👩‍👧‍👦 family',
  "O'Brien",
  'say "hi"',
  'back\\slash\\',
  '100%',
  'under_score',
  '%_%',
  '--',
  "'; DROP TABLE x; --",
  'Robert"); DROP TABLE students;--',
  '/* comment */',
  'line\nbreak\ttab\r\n',
  ' ',
  '\u202Eevil right-to-left',
  '{"json":true}',
  '__proto__',
  'x'.repeat(255),
  '🔑'.repeat(255),
];

/** The first `n` code points (ids and digests have shorter limits than labels). */
function head(s: string, n: number): string {
  return [...s].slice(0, n).join('');
}

export function isolationTests(ctx: CredentialConformanceContext): void {
  it("another user's credential ids behave as absent for every method", async () => {
    const { store } = ctx;
    const d = digests('a');
    const totp = await store.createTotp({ userId: 'alice', label: 'A', data: totpData(), now: T0 });
    const email = await store.createEmail({ userId: 'alice', address: 'a@example.com', now: T0 });
    const set = await store.replaceRecoveryCodes({ userId: 'alice', digests: d, now: T0 });
    const before = await store.list('alice');
    for (const id of [totp.id, email.id, set.id]) {
      expect(await store.get('mallory', id)).toBeNull();
      expect(await store.updateLabel('mallory', id, 'pwned')).toBe(false);
      expect(await store.updateTotpData('mallory', id, totpData(9))).toBe(false);
      expect(await store.advanceTotpStep('mallory', id, 999, T0 + 1)).toBe(false);
      await store.touch('mallory', id, T0 + 1);
      expect(await store.delete('mallory', id)).toBe(false);
    }
    for (const digest of d)
      expect(await store.consumeRecoveryCode('mallory', digest, T0)).toBe(false);
    expect(await store.deleteAll('mallory')).toBe(0);
    expect(await store.list('mallory')).toEqual([]);
    expect(await store.list('alice')).toEqual(before);

    // The same digests in mallory's own set unlock nothing of alice's, and the other way round.
    await store.replaceRecoveryCodes({ userId: 'mallory', digests: d, now: T0 });
    expect(await store.consumeRecoveryCode('mallory', d[0] as string, T0 + 2)).toBe(true);
    expect((await recoverySet(store, 'alice'))?.codes.every((c) => c.usedAt === null)).toBe(true);
    expect(await store.consumeRecoveryCode('alice', d[0] as string, T0 + 3)).toBe(true);
    expect(await store.deleteAll('mallory')).toBe(1);
    expect(await store.list('alice')).toHaveLength(3);
  });

  it('user ids differing only by case, spaces, normalisation or emoji are different users', async () => {
    const { store } = ctx;
    const users = [
      'alice',
      'Alice',
      'ALICE',
      'alice ',
      ' alice',
      'alic\u00e9', // é, NFC
      'alice\u0301', // e + combining acute, NFD
      '🔑',
      '🗝️',
      '😀',
      '😁',
      'a_ice',
      'a%',
      '%',
    ];
    for (const [i, userId] of users.entries()) {
      await store.createEmail({
        userId,
        address: `user${i}@example.com`,
        id: `e-${i}`,
        now: T0 + i,
      });
      await store.replaceRecoveryCodes({ userId, digests: ['same-digest'], now: T0 + i });
    }
    for (const [i, userId] of users.entries()) {
      const mine = await store.list(userId, 'email');
      expect(mine, JSON.stringify(userId)).toEqual([
        expect.objectContaining({
          id: `e-${i}`,
          userId,
          data: { address: `user${i}@example.com` },
        }),
      ]);
    }
    expect(await store.consumeRecoveryCode('alice', 'same-digest', T0 + 99)).toBe(true);
    for (const userId of users.slice(1)) {
      expect(await store.consumeRecoveryCode(userId, 'same-digest', T0 + 99), userId).toBe(true);
    }
  });

  it('hostile strings (quotes, backslashes, %, _, --, injection, emoji, 255 chars) round-trip exactly', async () => {
    const { store } = ctx;
    const stored = [];
    for (const s of ODD_STRINGS) {
      const c = await store.createTotp({
        userId: s,
        id: head(s, 64),
        label: s,
        data: { ...totpData(), keyId: s },
        now: T0,
      });
      expect(c.label).toBe(s);
      expect(await store.get(s, head(s, 64)), JSON.stringify(head(s, 20))).toEqual(c);
      await store.replaceRecoveryCodes({ userId: s, digests: [head(s, 128)], now: T0 });
      stored.push(c);
    }
    for (const [i, s] of ODD_STRINGS.entries()) {
      const label = JSON.stringify(head(s, 20));
      expect(await store.list(s, 'totp'), label).toEqual([stored[i]]);
      expect(await store.updateLabel(s, head(s, 64), s), label).toBe(true);
      expect(await store.advanceTotpStep(s, head(s, 64), 1, T0 + 1), label).toBe(true);
      expect(await store.consumeRecoveryCode(s, head(s, 128), T0 + 1), label).toBe(true);
      expect(await store.consumeRecoveryCode(s, head(s, 128), T0 + 2), label).toBe(false);
    }
    // Nothing was interpreted: the tables still exist and hold exactly these users' rows.
    expect(await store.list('x')).toEqual([]);
    for (const s of ODD_STRINGS) expect(await store.deleteAll(s)).toBe(2);
  });

  it('a label of 256 characters (or 256 emoji) is refused before any SQL; 255 are fine', async () => {
    const { store } = ctx;
    const base = { userId: 'alice', data: totpData(), now: T0 };
    for (const label of ['x'.repeat(256), '🔑'.repeat(256), 'é'.repeat(256)]) {
      await expect(store.createTotp({ ...base, label })).rejects.toBeInstanceOf(TypeError);
      await expect(
        store.createEmail({ userId: 'alice', address: 'a@example.com', label, now: T0 }),
      ).rejects.toBeInstanceOf(TypeError);
    }
    expect(await store.list('alice')).toEqual([]);
    const c = await store.createTotp({ ...base, label: '🔑'.repeat(255) });
    await expect(store.updateLabel('alice', c.id, `${'🔑'.repeat(255)}!`)).rejects.toBeInstanceOf(
      TypeError,
    );
    await expect(store.list('u'.repeat(256))).rejects.toBeInstanceOf(TypeError);
    expect(await store.get('alice', c.id)).toMatchObject({ label: '🔑'.repeat(255) });
  });
}
