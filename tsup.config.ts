// One entry per subpath export in package.json (".", "./testing", "./stores/redis", "./stores/sql").
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

/** Marks the esbuild run of the CommonJS build (the swap below reads it when resolving). */
const CJS_MARK = '__PASSPORT_STEPUP_CJS_BUILD__';
const REQUIRE_VARIANT = fileURLToPath(
  new URL('./lib/stores/vitest-api-require.ts', import.meta.url),
);

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
  target: 'node22',
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
  // ./testing loads vitest with a top-level await (lib/stores/vitest-api.ts), which CommonJS
  // cannot have; its CommonJS build gets the require() variant instead. The esbuild run of a
  // split CommonJS build is an ESM one (tsup converts it after), so the format is marked here.
  esbuildOptions(options, { format }) {
    if (format === 'cjs') options.define = { ...options.define, [CJS_MARK]: 'true' };
  },
  esbuildPlugins: [
    {
      name: 'vitest-api-for-commonjs',
      setup(build) {
        build.onResolve({ filter: /(^|\/)vitest-api\.js$/ }, () =>
          build.initialOptions.define?.[CJS_MARK] === 'true'
            ? { path: REQUIRE_VARIANT }
            : undefined,
        );
      },
    },
  ],
});
