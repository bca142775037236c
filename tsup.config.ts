// One entry per subpath export in package.json (".", "./testing", "./stores/redis", "./stores/sql").
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'lib/index.ts',
    testing: 'lib/testing.ts',
    'stores/redis': 'lib/stores/redis.ts',
    'stores/sql': 'lib/stores/credentials/sql.ts',
  },
  format: ['esm', 'cjs'],
  // .d.ts next to .js and .d.cts next to .cjs: a `require` consumer must not get ESM-flavoured
  // types (TypeScript's "masquerading as ESM" problem).
  dts: {
    // tsup's declaration build sets `baseUrl` itself, which TypeScript 6 rejects with TS5101
    // (egoist/tsup#1389). Acknowledging the deprecation is the documented way out until tsup
    // stops setting it; our own tsconfig does not use baseUrl.
    compilerOptions: { ignoreDeprecations: '6.0' },
  },
  // Shared code goes into chunks for CJS too, not only ESM. Without it each CJS entry gets its
  // own copy of StoreUnavailableError, and `isBackendUnavailable()` from "passport-stepup" would
  // not recognise an error thrown by "passport-stepup/stores/redis" (503 would become 500).
  splitting: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  // Keep `node:events` as written (tsup strips the prefix by default for Node < 14.18).
  removeNodeProtocol: false,
  // tsup already leaves `dependencies` and `peerDependencies` unbundled; listing them keeps that
  // true even if a package moves between fields (vitest is an optional peer used by ./testing).
  external: [
    'vitest',
    'express',
    'passport',
    'express-session',
    'ioredis',
    'kysely',
    'kysely/migration',
    'pg',
    'better-sqlite3',
    'mysql2',
  ],
  // Never inline anything from node_modules: the consumer's install resolves every import.
  skipNodeModulesBundle: true,
});
