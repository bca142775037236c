import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Two projects (docs/contributing.md, "Which tests to run"):
 * - `unit`: everything that needs no server, no browser and no long budget; `npm run test:unit`,
 *   about a minute on two cores.
 * - `integration`: real Redis (spawned), PostgreSQL, MariaDB, SQLite files, SMTP, Chromium, the
 *   package build, the docs' snippets, fuzzing, timing medians and the model-based test.
 * `npm test` runs both: it stays the whole truth.
 */
const INTEGRATION = [
  // Spawned redis-server, PostgreSQL, MariaDB, SQLite files, SMTP.
  'test/bearer-tokens/tokens.{cache,instances}.test.ts',
  'test/core/lockout.{cap,parallel,redis}.test.ts',
  'test/core/{secrets.hygiene,session.regenerate}.test.ts',
  'test/mail/notifier.test.ts',
  'test/one-time-code/otp.{email.smtp,race}.test.ts',
  'test/passkeys/passkey.redis.test.ts',
  'test/password-reset/password.reset.redis.test.ts',
  'test/password/password.throttle.test.ts',
  'test/recovery/recovery.{hygiene,key-restart,race}.test.ts',
  'test/remember-browser/remember.redis.test.ts',
  'test/router/router.store-outage.test.ts',
  'test/sessions/**/*.test.ts',
  'test/stores/**/*.test.ts',
  'test/totp/totp.race.test.ts',
  'test/step-up/bypass.pending-invalidated.flush.test.ts',
  // The package build and the docs' snippets (tsc).
  'test/project/{package.exports,readme.snippets,request-trip}.test.ts',
  // Long budgets: fuzzing, timing medians, the model-based test.
  'test/router/fuzz.*.test.ts',
  'test/password/{enumeration.*,password.hash}.test.ts',
  'test/recovery/recovery.timing.test.ts',
  'test/password-reset/password.reset.enumeration.test.ts',
  'test/model/**/*.test.ts',
  // The example app: servers, Chromium.
  'example-app/test/**/*.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Redis-backed suites spawn their own redis-server; files run in parallel on separate ports.
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          // One module graph per worker instead of one per file: the import of lib/ (through
          // tsx's transform) costs more than these tests themselves.
          isolate: false,
          exclude: [...configDefaults.exclude, ...INTEGRATION],
        },
      },
      { extends: true, test: { name: 'integration', include: INTEGRATION } },
    ],
  },
});
