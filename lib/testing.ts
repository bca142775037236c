/**
 * `passport-stepup/testing`: the conformance suites every store passes, exported so that you can
 * run them against your own `MfaStore` or `CredentialStore` (vitest).
 *
 * @module passport-stepup/testing
 */
export * from './stores/conformance.js';
export * from './stores/credentials/conformance.js';
