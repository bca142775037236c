/**
 * The vitest functions the conformance suites use, loaded so that a missing vitest is a clear
 * error (`missingVitest`) instead of a failed static import. A static `import … from 'vitest'`
 * is resolved before any code of the package runs, so only a dynamic import can catch it; the
 * top-level await keeps `describe()` synchronous for the suites, as vitest needs when it
 * collects a test file.
 *
 * The CommonJS build uses vitest-api-require.ts instead (tsup.config.ts): CommonJS has no
 * top-level await, and vitest refuses require() anyway.
 */
import type * as Vitest from 'vitest';
import { missingVitest } from './vitest-missing.js';

const vitest: typeof Vitest = await import('vitest').catch((err: unknown) => {
  throw missingVitest(err);
});

export const { afterEach, beforeEach, describe, expect, it } = vitest;
