/**
 * Per-type behaviour of the conformance suite: what goes in comes out exactly (numbers as
 * numbers, nothing extra stored), each method touches only what it names, bad input is a
 * `TypeError` before anything is written, and a closed store fails closed.
 */
import { expect, it } from '../vitest-api.js';
import {
  type CredentialConformanceContext,
  digests,
  recoverySet,
  T0,
  totpData,
} from './conformance-fixtures.js';
import { CredentialConflictError, CredentialStoreUnavailableError } from './types.js';
import type { TotpData } from './rows.js';

export function crudTests(ctx: CredentialConformanceContext): void {
  it('a user with nothing enrolled has no credentials', async () => {
    const { store } = ctx;
    expect(await store.list('alice')).toEqual([]);
    expect(await store.get('alice', 'no-such-id')).toBeNull();
    expect(await store.deleteAll('alice')).toBe(0);
  });

  it('createTotp: fresh 128-bit id, lastStep -1, no label; given id/label/lastStep kept', async () => {
    const { store } = ctx;
    const a = await store.createTotp({ userId: 'alice', data: totpData(), now: T0 });
    expect(a).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      userId: 'alice',
      type: 'totp',
      label: null,
      createdAt: T0,
      lastUsedAt: null,
      data: totpData(),
      lastStep: -1,
    });
    const b = await store.createTotp({
      userId: 'alice',
      id: 'phone-1',
      label: 'Phone',
      data: { ...totpData(2), algorithm: 'sha512', digits: 8, period: 60 },
      lastStep: 1234,
      now: T0 + 1,
    });
    expect(b).toMatchObject({ id: 'phone-1', label: 'Phone', lastStep: 1234, createdAt: T0 + 1 });
    expect(await store.get('alice', a.id)).toEqual(a);
    expect(await store.get('alice', 'phone-1')).toEqual(b);
    expect(await store.list('alice')).toEqual([a, b]);
  });

  it('stores only the known TOTP fields (a stray plaintext field is not persisted)', async () => {
    const { store } = ctx;
    const data = { ...totpData(), secret: 'JBSWY3DPEHPK3PXP' } as TotpData;
    const c = await store.createTotp({ userId: 'alice', data, now: T0 });
    const got = await store.get('alice', c.id);
    expect(got?.type === 'totp' ? got.data : null).toEqual(totpData());
    expect(JSON.stringify(await store.list('alice'))).not.toContain('JBSWY3DPEHPK3PXP');
  });

  it('createEmail stores the address; a duplicate given id is a conflict and changes nothing', async () => {
    const { store } = ctx;
    const e = await store.createEmail({
      userId: 'alice',
      address: 'a@example.com',
      id: 'e1',
      now: T0,
    });
    expect(e).toEqual({
      id: 'e1',
      userId: 'alice',
      type: 'email',
      label: null,
      createdAt: T0,
      lastUsedAt: null,
      data: { address: 'a@example.com' },
    });
    expect(await store.get('alice', 'e1')).toEqual(e);
    const again = { userId: 'mallory', id: 'e1', data: totpData(), now: T0 + 1 };
    await expect(store.createTotp(again)).rejects.toBeInstanceOf(CredentialConflictError);
    await expect(
      store.createEmail({ userId: 'alice', address: 'b@example.com', id: 'e1', now: T0 }),
    ).rejects.toBeInstanceOf(CredentialConflictError);
    expect(await store.list('alice')).toEqual([e]);
    expect(await store.list('mallory')).toEqual([]);
  });

  it('replaceRecoveryCodes: the set in order, one set per user, old digests unusable', async () => {
    const { store } = ctx;
    const [d1, d2] = [digests('one'), digests('two')];
    const first = await store.replaceRecoveryCodes({ userId: 'alice', digests: d1, now: T0 });
    expect(first).toEqual({
      id: expect.any(String),
      userId: 'alice',
      type: 'recovery-codes',
      label: null,
      createdAt: T0,
      lastUsedAt: null,
      codes: d1.map((digest) => ({ digest, usedAt: null })),
    });
    expect(await store.get('alice', first.id)).toEqual(first);
    expect(await store.consumeRecoveryCode('alice', d1[0] as string, T0 + 1)).toBe(true);

    const second = await store.replaceRecoveryCodes({ userId: 'alice', digests: d2, now: T0 + 2 });
    expect(await store.list('alice')).toEqual([second]);
    for (const d of d1) expect(await store.consumeRecoveryCode('alice', d, T0 + 3)).toBe(false);
    expect(await store.consumeRecoveryCode('alice', d2[9] as string, T0 + 3)).toBe(true);

    // A digest of an old set may come back in a new one: it is a fresh, unused code then.
    const third = [d1[0] as string, 'fresh-digest'];
    await store.replaceRecoveryCodes({ userId: 'alice', digests: third, now: T0 + 4 });
    expect((await recoverySet(store, 'alice'))?.codes).toEqual(
      third.map((digest) => ({ digest, usedAt: null })),
    );
    expect(await store.consumeRecoveryCode('alice', d1[0] as string, T0 + 5)).toBe(true);
  });

  it('consumeRecoveryCode: once per code; sets usedAt and the set lastUsedAt; a miss changes nothing', async () => {
    const { store } = ctx;
    const d = digests('a');
    await store.replaceRecoveryCodes({ userId: 'alice', digests: d, now: T0 });
    expect(await store.consumeRecoveryCode('alice', d[3] as string, T0 + 10)).toBe(true);
    expect(await store.consumeRecoveryCode('alice', d[3] as string, T0 + 11)).toBe(false);
    expect(await store.consumeRecoveryCode('alice', 'not-a-digest', T0 + 12)).toBe(false);
    expect(await store.consumeRecoveryCode('nobody', d[4] as string, T0 + 13)).toBe(false);
    const set = await recoverySet(store, 'alice');
    expect(set?.lastUsedAt).toBe(T0 + 10);
    expect(set?.codes.filter((c) => c.usedAt !== null)).toEqual([
      { digest: d[3], usedAt: T0 + 10 },
    ]);
  });

  it('advanceTotpStep: only forward, on TOTP rows only; lastStep and lastUsedAt move together', async () => {
    const { store } = ctx;
    const t = await store.createTotp({ userId: 'alice', data: totpData(), now: T0 });
    const e = await store.createEmail({ userId: 'alice', address: 'a@example.com', now: T0 });
    const rc = await store.replaceRecoveryCodes({
      userId: 'alice',
      digests: digests('a'),
      now: T0,
    });
    expect(await store.advanceTotpStep('alice', t.id, 0, T0 + 1)).toBe(true);
    expect(await store.advanceTotpStep('alice', t.id, 100, T0 + 2)).toBe(true);
    for (const step of [100, 99, 0]) {
      expect(await store.advanceTotpStep('alice', t.id, step, T0 + 3)).toBe(false);
    }
    expect(await store.get('alice', t.id)).toMatchObject({ lastStep: 100, lastUsedAt: T0 + 2 });
    expect(await store.advanceTotpStep('alice', t.id, 101, T0 + 4)).toBe(true);
    for (const id of [e.id, rc.id, 'no-such-id']) {
      expect(await store.advanceTotpStep('alice', id, 500, T0 + 5)).toBe(false);
    }
    expect(await store.get('alice', e.id)).toEqual(e);
  });

  it('updateLabel, updateTotpData and touch change only their own field', async () => {
    const { store } = ctx;
    const t = await store.createTotp({ userId: 'alice', label: 'Old', data: totpData(), now: T0 });
    const e = await store.createEmail({ userId: 'alice', address: 'a@example.com', now: T0 });
    await store.advanceTotpStep('alice', t.id, 7, T0 + 1);
    expect(await store.updateLabel('alice', t.id, 'New')).toBe(true);
    expect(await store.updateLabel('alice', t.id, 'New')).toBe(true); // unchanged still exists
    expect(await store.updateTotpData('alice', t.id, totpData(2))).toBe(true);
    expect(await store.updateTotpData('alice', t.id, totpData(2))).toBe(true);
    await store.touch('alice', t.id, T0 + 9);
    expect(await store.get('alice', t.id)).toEqual({
      ...t,
      label: 'New',
      data: totpData(2),
      lastStep: 7,
      lastUsedAt: T0 + 9,
    });
    expect(await store.updateLabel('alice', e.id, null)).toBe(true);
    expect(await store.updateTotpData('alice', e.id, totpData(3))).toBe(false); // not TOTP
    expect(await store.updateLabel('alice', 'no-such-id', 'x')).toBe(false);
    expect(await store.updateTotpData('alice', 'no-such-id', totpData())).toBe(false);
    await store.touch('alice', 'no-such-id', T0);
    expect(await store.get('alice', e.id)).toEqual(e);
    expect(await store.updateLabel('alice', t.id, null)).toBe(true);
    expect(await store.get('alice', t.id)).toMatchObject({ label: null });
  });

  it('list: oldest first, filtered by type', async () => {
    const { store } = ctx;
    const t2 = await store.createTotp({ userId: 'alice', data: totpData(2), now: T0 + 2 });
    const e = await store.createEmail({ userId: 'alice', address: 'a@example.com', now: T0 });
    const t1 = await store.createTotp({ userId: 'alice', data: totpData(1), now: T0 + 1 });
    const rc = await store.replaceRecoveryCodes({
      userId: 'alice',
      digests: digests('a'),
      now: T0 + 3,
    });
    expect(await store.list('alice')).toEqual([e, t1, t2, rc]);
    expect(await store.list('alice', 'totp')).toEqual([t1, t2]);
    expect(await store.list('alice', 'email')).toEqual([e]);
    expect(await store.list('alice', 'recovery-codes')).toEqual([rc]);
    expect(await store.list('alice', 'passkey')).toEqual([]);
  });

  it('delete removes one credential (a recovery set with its codes); deleteAll by type', async () => {
    const { store } = ctx;
    const d = digests('a');
    const t1 = await store.createTotp({ userId: 'alice', data: totpData(1), now: T0 });
    const t2 = await store.createTotp({ userId: 'alice', data: totpData(2), now: T0 + 1 });
    const e = await store.createEmail({ userId: 'alice', address: 'a@example.com', now: T0 + 2 });
    const rc = await store.replaceRecoveryCodes({ userId: 'alice', digests: d, now: T0 + 3 });
    expect(await store.delete('alice', rc.id)).toBe(true);
    expect(await store.delete('alice', rc.id)).toBe(false);
    expect(await store.consumeRecoveryCode('alice', d[0] as string, T0 + 4)).toBe(false);
    await store.replaceRecoveryCodes({ userId: 'alice', digests: d.slice(0, 2), now: T0 + 5 });
    expect(await store.deleteAll('alice', 'email')).toBe(1);
    expect(await store.list('alice')).toEqual([
      t1,
      t2,
      expect.objectContaining({ type: 'recovery-codes' }),
    ]);
    expect(await store.deleteAll('alice', 'recovery-codes')).toBe(1);
    expect(await store.consumeRecoveryCode('alice', d[1] as string, T0 + 6)).toBe(false);
    expect(await store.delete('alice', t1.id)).toBe(true);
    expect(await store.list('alice')).toEqual([t2]);
    expect(await store.deleteAll('alice')).toBe(1);
    expect(await store.list('alice')).toEqual([]);
    expect(await store.get('alice', e.id)).toBeNull();
  });

  it('bad input is a TypeError before anything is stored', async () => {
    const { store } = ctx;
    const ok = { userId: 'alice', data: totpData(), now: T0 };
    const calls: (() => Promise<unknown>)[] = [
      () => store.list(''),
      () => store.list('u'.repeat(256)),
      () => store.list(42 as never),
      () => store.list('nul\u0000byte'),
      () => store.list('lone\uD800surrogate'),
      () => store.list('alice', 'sms' as never),
      () => store.createTotp({ ...ok, data: { ...totpData(), algorithm: 'md5' } as never }),
      () => store.createTotp({ ...ok, data: { ...totpData(), digits: 5 } }),
      () => store.createTotp({ ...ok, data: { ...totpData(), period: 0 } }),
      () => store.createTotp({ ...ok, data: { ...totpData(), ciphertext: '' } }),
      () => store.createTotp({ ...ok, data: null as never }),
      () => store.createTotp({ ...ok, now: -1 }),
      () => store.createTotp({ ...ok, now: 1.5 }),
      () => store.createTotp({ ...ok, now: Number.NaN }),
      () => store.createTotp({ ...ok, lastStep: -2 }),
      () => store.createTotp({ ...ok, id: '' }),
      () => store.createTotp({ ...ok, id: 'i'.repeat(65) }),
      () => store.createTotp({ ...ok, id: 'rc:reserved' }),
      () => store.createTotp({ ...ok, label: 42 as never }),
      () => store.createEmail({ userId: 'alice', address: '', now: T0 }),
      () => store.replaceRecoveryCodes({ userId: 'alice', digests: [], now: T0 }),
      () => store.replaceRecoveryCodes({ userId: 'alice', digests: ['a', 'a'], now: T0 }),
      () => store.replaceRecoveryCodes({ userId: 'alice', digests: ['d'.repeat(129)], now: T0 }),
      () => store.replaceRecoveryCodes({ userId: 'alice', digests: digests('x', 101), now: T0 }),
      () => store.advanceTotpStep('alice', 'id', -1, T0),
      () => store.advanceTotpStep('alice', 'id', 1.5, T0),
      () => store.consumeRecoveryCode('alice', 'd', Number.NaN),
      () => store.updateLabel('alice', 'id', 7 as never),
      () => store.get('alice', 7 as never),
    ];
    for (const [i, call] of calls.entries()) {
      await expect(call(), `call #${i}`).rejects.toBeInstanceOf(TypeError);
    }
    expect(await store.list('alice')).toEqual([]);
  });

  it('after close(), every call rejects with CredentialStoreUnavailableError', async () => {
    const { store } = ctx;
    const t = await store.createTotp({ userId: 'alice', data: totpData(), now: T0 });
    await store.close();
    await store.close(); // idempotent
    const calls: (() => Promise<unknown>)[] = [
      () => store.list('alice'),
      () => store.get('alice', t.id),
      () => store.createTotp({ userId: 'alice', data: totpData(), now: T0 }),
      () => store.consumeRecoveryCode('alice', 'd', T0),
      () => store.advanceTotpStep('alice', t.id, 5, T0),
      () => store.deleteAll('alice'),
    ];
    for (const call of calls) {
      await expect(call()).rejects.toBeInstanceOf(CredentialStoreUnavailableError);
    }
  });
}
