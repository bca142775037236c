/**
 * The error `passport-stepup/testing` answers with when vitest is not installed. The conformance
 * suites are vitest tests (`describe`, `it`, `expect`), and vitest is an optional peer
 * dependency: without this, the import fails with a bare "Cannot find package 'vitest'" from
 * inside dist/, which does not say that installing it is all that is needed.
 */
export function missingVitest(cause: unknown): Error {
  const code = (cause as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') {
    return cause instanceof Error ? cause : new Error(String(cause));
  }
  const error = new Error(
    'passport-stepup/testing runs its conformance suites with vitest, which is not installed. ' +
      'Install it next to your tests: npm install --save-dev vitest (version 3 or 4), then run ' +
      'the suite from a vitest test file.',
    { cause },
  );
  return Object.assign(error, { code: 'PASSPORT_STEPUP_VITEST_MISSING' });
}
