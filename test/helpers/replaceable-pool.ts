/**
 * A credential store outage a test can switch on and off: the app holds `store`, each call goes
 * to the pool of the moment, `pool().close()` makes every call fail as a store whose database is
 * gone fails (CredentialStoreUnavailableError), and `reopen()` opens a new pool on the same
 * database, as after a restart. Used by the model test's faults and the outage stories.
 */
import type { CredentialStore } from '../../lib/stores/credentials/types.js';

/**
 * A credential store whose pool can be closed and replaced while the app holds the store: each
 * call goes to the pool of the moment (a closed one answers CredentialStoreUnavailableError).
 */
export function replaceablePool(open: () => CredentialStore) {
  let pool = open();
  const store = new Proxy({} as CredentialStore, {
    get(_target, key) {
      const value = Reflect.get(pool, key) as unknown;
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(pool)
        : value;
    },
  });
  return {
    store,
    pool: () => pool,
    reopen() {
      pool = open();
    },
  };
}
