/**
 * Shared pieces of the credential-store conformance suite: the harness a store's test file
 * provides, the context the test files receive, and fixtures with fixed values, so that every
 * assertion compares exact numbers and strings (a driver that returns "1893456000000" instead
 * of 1893456000000 fails).
 */
import { expect } from '../vitest-api.js';
import type { CredentialStore } from './types.js';
import type { PasskeyData, RecoveryCodesCredential, TotpData } from './rows.js';

/** What `makeHarness` of `runCredentialStoreConformance` returns for each test. */
export interface CredentialStoreHarness {
  /** The store under test, on empty tables (the suite runs `migrate()`). */
  readonly store: CredentialStore;
  /**
   * Optional: open a second store on the same database, as another process would (its own
   * connections). Enables the "migrate from two processes at once" test.
   */
  readonly openAnother?: () => Promise<CredentialStore>;
  /** Runs after each test (close the store, drop its tables). */
  readonly cleanup?: () => Promise<void>;
}

/** What the test files of this suite receive: the current test's harness. */
export interface CredentialConformanceContext {
  /** Shorthand for `harness.store`. */
  readonly store: CredentialStore;
  /** What `makeHarness` returned for the current test. */
  readonly harness: CredentialStoreHarness;
}

/** A fixed "now" (1 Jan 2030): times are plain numbers the suite can compare exactly. */
export const T0 = Date.UTC(2030, 0, 1);

/** A TOTP row's data with fixed fake values (no real ciphertext); `n` varies them. */
export function totpData(n = 1): TotpData {
  return {
    ciphertext: `v1.iv-${n}.ct-${n}.tag`,
    keyId: `key-${n}`,
    algorithm: 'sha1',
    digits: 6,
    period: 30,
  };
}

/** `n` distinct digests (stand-ins for hashes of recovery codes). */
export function digests(tag: string, n = 10): string[] {
  return Array.from({ length: n }, (_, i) => `${tag}-digest-${String(i).padStart(2, '0')}`);
}

/** The user's recovery-code set; fails the test when a store holds more than one. */
export async function recoverySet(
  store: CredentialStore,
  userId: string,
): Promise<RecoveryCodesCredential | undefined> {
  const sets = await store.list(userId, 'recovery-codes');
  expect(sets.length).toBeLessThanOrEqual(1);
  const set = sets[0];
  return set?.type === 'recovery-codes' ? set : undefined;
}

/** A passkey's stored data; `n` varies the credential id and key. */
export function passkeyData(n = 1): PasskeyData {
  return {
    credentialId: `cred-${n}-${'A'.repeat(40)}`,
    publicKey: `pQECAyYgASFYI${n}`,
    transports: ['internal', 'hybrid'],
    deviceType: 'multiDevice',
    backedUp: true,
    aaguid: '00000000-0000-0000-0000-000000000000',
    userHandle: `handle-${n}`,
  };
}
