/**
 * Passkey rows in the credential-store conformance suite. The attacks: a credential id
 * registered by a second account (it would let one authenticator sign in as either, W3C WebAuthn
 * L3 §7.1 step 26); a cloned authenticator whose sign counter does not grow (§6.1.1), raced from
 * many instances so that a read-then-write store lets two assertions with one counter value
 * through; a passkey id of one user used with another user's id.
 */
import { expect, it } from '../vitest-api.js';
import { type CredentialConformanceContext, passkeyData, T0 } from './conformance-fixtures.js';
import { CredentialConflictError } from './types.js';
import type { PasskeyData } from './rows.js';

const N = 50;

export function passkeyTests(ctx: CredentialConformanceContext): void {
  it('createPasskey: what goes in comes out exactly; findPasskey finds it by credential id', async () => {
    const { store } = ctx;
    const pk = await store.createPasskey({
      userId: 'alice',
      label: 'Laptop',
      data: passkeyData(),
      counter: 7,
      now: T0,
    });
    expect(pk).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      userId: 'alice',
      type: 'passkey',
      label: 'Laptop',
      createdAt: T0,
      lastUsedAt: null,
      data: passkeyData(),
      counter: 7,
    });
    expect(await store.get('alice', pk.id)).toEqual(pk);
    expect(await store.list('alice', 'passkey')).toEqual([pk]);
    expect(await store.findPasskey(passkeyData().credentialId)).toEqual(pk);
    expect(await store.findPasskey(passkeyData(2).credentialId)).toBeNull();
    expect(await store.findPasskey('x'.repeat(5000))).toBeNull();
    expect(await store.get('mallory', pk.id)).toBeNull();
  });

  it('stores only the known passkey fields; bad data is a TypeError and nothing is written', async () => {
    const { store } = ctx;
    const data = { ...passkeyData(), privateKey: 'never' } as PasskeyData;
    const pk = await store.createPasskey({ userId: 'alice', data, counter: 0, now: T0 });
    expect((await store.get('alice', pk.id))?.type === 'passkey' && pk.data).toEqual(passkeyData());
    const bad: unknown[] = [
      { ...passkeyData(2), credentialId: 'not base64url!' },
      { ...passkeyData(2), transports: 'usb' },
      { ...passkeyData(2), backedUp: 'yes' },
      { ...passkeyData(2), aaguid: 'nope' },
      { ...passkeyData(2), deviceType: 'phone' },
    ];
    for (const d of bad) {
      await expect(
        store.createPasskey({ userId: 'alice', data: d as PasskeyData, counter: 0, now: T0 }),
      ).rejects.toThrow(TypeError);
    }
    await expect(
      store.createPasskey({ userId: 'alice', data: passkeyData(2), counter: -1, now: T0 }),
    ).rejects.toThrow(TypeError);
    expect(await store.list('alice', 'passkey')).toHaveLength(1);
  });

  it('a credential id is registered once across all users; free again after delete', async () => {
    const { store } = ctx;
    const pk = await store.createPasskey({
      userId: 'alice',
      data: passkeyData(),
      counter: 0,
      now: T0,
    });
    await expect(
      store.createPasskey({ userId: 'mallory', data: passkeyData(), counter: 0, now: T0 }),
    ).rejects.toBeInstanceOf(CredentialConflictError);
    expect(await store.list('mallory')).toEqual([]);
    expect(await store.findPasskey(passkeyData().credentialId)).toMatchObject({ userId: 'alice' });
    expect(await store.delete('alice', pk.id)).toBe(true);
    expect(await store.findPasskey(passkeyData().credentialId)).toBeNull();
    const again = await store.createPasskey({
      userId: 'mallory',
      data: passkeyData(),
      counter: 0,
      now: T0 + 1,
    });
    expect(await store.findPasskey(passkeyData().credentialId)).toEqual(again);
    expect(await store.deleteAll('mallory', 'passkey')).toBe(1);
    expect(await store.findPasskey(passkeyData().credentialId)).toBeNull();
  });

  it('advancePasskeyCounter: forward only; 0 → 0 allowed; 0 after a count, or another user, refused', async () => {
    const { store } = ctx;
    const counting = await store.createPasskey({
      userId: 'alice',
      data: passkeyData(1),
      counter: 5,
      now: T0,
    });
    expect(await store.advancePasskeyCounter('alice', counting.id, 6, T0 + 1)).toBe(true);
    expect(await store.advancePasskeyCounter('alice', counting.id, 6, T0 + 2)).toBe(false);
    expect(await store.advancePasskeyCounter('alice', counting.id, 3, T0 + 2)).toBe(false);
    expect(await store.advancePasskeyCounter('alice', counting.id, 0, T0 + 2)).toBe(false);
    expect(await store.advancePasskeyCounter('mallory', counting.id, 99, T0 + 2)).toBe(false);
    expect(await store.get('alice', counting.id)).toMatchObject({ counter: 6, lastUsedAt: T0 + 1 });
    const synced = await store.createPasskey({
      userId: 'alice',
      data: passkeyData(2),
      counter: 0,
      now: T0,
    });
    expect(await store.advancePasskeyCounter('alice', synced.id, 0, T0 + 3)).toBe(true);
    expect(await store.advancePasskeyCounter('alice', synced.id, 0, T0 + 4)).toBe(true);
    expect(await store.get('alice', synced.id)).toMatchObject({ counter: 0, lastUsedAt: T0 + 4 });
    const totp = await store.list('alice', 'totp');
    expect(totp).toEqual([]);
  });

  it(`advancePasskeyCounter: exactly one of ${N} parallel calls with one counter value wins`, async () => {
    const { store } = ctx;
    const pk = await store.createPasskey({
      userId: 'alice',
      data: passkeyData(),
      counter: 10,
      now: T0,
    });
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) => store.advancePasskeyCounter('alice', pk.id, 11, T0 + i)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.get('alice', pk.id)).toMatchObject({ counter: 11 });
  });
}
