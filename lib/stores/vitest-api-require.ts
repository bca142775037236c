/**
 * vitest-api.ts for the CommonJS build (tsup.config.ts swaps it in): the same exports, loaded
 * with require(). Without vitest that is the install message of `missingVitest`; with vitest
 * installed it is vitest's own error, which says to use `import` (vitest is ESM only).
 */
import type * as Vitest from 'vitest';
import { missingVitest } from './vitest-missing.js';

function load(): typeof Vitest {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS build only
    return require('vitest') as typeof Vitest;
  } catch (err) {
    throw missingVitest(err);
  }
}

export const { afterEach, beforeEach, describe, expect, it } = load();
