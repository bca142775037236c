import { MemoryStore, type MfaStore } from '../../lib/index.js';

/**
 * A store that is not a MemoryStore (as Redis would be), backed by one: for the rules that
 * depend on the store being shared between processes (missing keys warn or throw).
 */
export function sharedStore(): MfaStore {
  const inner = new MemoryStore();
  return {
    get: (k) => inner.get(k),
    set: (k, v, t) => inner.set(k, v, t),
    setIfAbsent: (k, v, t) => inner.setIfAbsent(k, v, t),
    take: (k) => inner.take(k),
    delete: (...k) => inner.delete(...k),
    increment: (k, t) => inner.increment(k, t),
    advance: (k, v, t) => inner.advance(k, v, t),
    ttl: (k) => inner.ttl(k),
    hashSet: (k, f, v, t) => inner.hashSet(k, f, v, t),
    hashGetAll: (k) => inner.hashGetAll(k),
    hashDelete: (k, f) => inner.hashDelete(k, f),
    reserveAttempt: (spec) => inner.reserveAttempt(spec),
    settleAttempt: (keys, s) => inner.settleAttempt(keys, s),
  };
}
