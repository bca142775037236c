// The attack surface is the same as the SQL stores': replayed codes, foreign ids, hostile
// strings. The memory store (tests, demos) must keep every rule the durable stores keep, so
// that a test suite written against it proves something about production.
import { describe, expect, it } from 'vitest';
import {
  runCredentialStoreConformance,
  T0,
  totpData,
} from '../../lib/stores/credentials/conformance.js';
import { MemoryCredentialStore } from '../../lib/stores/credentials/memory.js';
import { CredentialStoreUnavailableError } from '../../lib/stores/credentials/types.js';
import { StoreUnavailableError } from '../../lib/stores/types.js';

runCredentialStoreConformance('MemoryCredentialStore', async () => {
  const store = new MemoryCredentialStore();
  return { store, cleanup: () => store.close() };
});

describe('MemoryCredentialStore', () => {
  it('hands out frozen copies: changing a returned row changes nothing stored', async () => {
    const store = new MemoryCredentialStore();
    const created = await store.createTotp({
      userId: 'alice',
      label: 'A',
      data: totpData(),
      now: T0,
    });
    expect(Object.isFrozen(created)).toBe(true);
    expect(Object.isFrozen(created.data)).toBe(true);
    expect(() => ((created as { label: string | null }).label = 'changed')).toThrow(TypeError);
    const codes = await store.replaceRecoveryCodes({ userId: 'alice', digests: ['d1'], now: T0 });
    expect(() => (codes.codes as unknown[]).push('extra')).toThrow(TypeError);
    expect(() => ((codes.codes[0] as { usedAt: number | null }).usedAt = 1)).toThrow(TypeError);
    expect(await store.get('alice', created.id)).toMatchObject({ label: 'A' });
  });

  it('a closed store rejects with an error the router maps to 503', async () => {
    const store = new MemoryCredentialStore();
    await store.close();
    const err = await store.list('alice').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialStoreUnavailableError);
    expect(err).toBeInstanceOf(StoreUnavailableError);
  });
});
