import { MemoryCredentialStore } from '../../lib/stores/credentials/memory.js';
import type { MfaStore } from '../../lib/index.js';

const byStore = new WeakMap<MfaStore, MemoryCredentialStore>();

/**
 * One credential "database" per MFA store: app instances a test builds on one shared store (two
 * instances on one Redis) also share their enrolled factors, as they do in production where
 * both talk to one SQL database.
 */
export function credentialsFor(store: MfaStore): MemoryCredentialStore {
  let credentials = byStore.get(store);
  if (!credentials) {
    credentials = new MemoryCredentialStore();
    byStore.set(store, credentials);
  }
  return credentials;
}
