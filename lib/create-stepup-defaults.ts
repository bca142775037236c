/**
 * What `createStepup` falls back to when the app leaves something out: the logger, and the
 * warning (or, in production, the refusal) when enrolled factors would live in memory only.
 */
import type { Logger } from './core/context.js';

/** Unexpected conditions go to stderr unless the app gives a logger; never a secret or a code. */
export const defaultLogger: Logger = (message, fields) => {
  console.error(`passport-stepup: ${message}`, fields ?? {});
};

let warnedMemoryCredentials = false;

/**
 * Enrolled factors in memory die with the process: a restart would silently turn every enrolled
 * account back into a password-only one. Refused in production; one warning elsewhere (not under
 * the test runner, where every test builds its own instance on purpose).
 */
export function warnMemoryCredentials(): void {
  if (process.env.NODE_ENV === 'production') {
    throw new TypeError(
      'createStepup: credentials is required in production: enrolled factors kept in memory are ' +
        'lost at every restart, and enrolled users would sign in with the password alone. Pass ' +
        "credentials: sqlCredentialStore({ url: 'postgres://user@db/app' }) and await " +
        'stepup.migrate() at start-up.',
    );
  }
  if (warnedMemoryCredentials || process.env.NODE_ENV === 'test') return;
  warnedMemoryCredentials = true;
  process.emitWarning(
    'passport-stepup: no credentials store; enrolled factors are kept in memory and lost at ' +
      'restart. Use sqlCredentialStore() for anything but a demo.',
    { code: 'PASSPORT_STEPUP_MEMORY_CREDENTIALS' },
  );
}
