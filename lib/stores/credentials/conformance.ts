/**
 * The conformance suite every `CredentialStore` passes, exported through
 * `passport-stepup/testing` (see `runCredentialStoreConformance`).
 */
import { afterEach, beforeEach, describe, expect, it } from '../vitest-api.js';
import { crudTests } from './conformance-crud.js';
import {
  type CredentialConformanceContext,
  type CredentialStoreHarness,
  digests,
  recoverySet,
  T0,
  totpData,
} from './conformance-fixtures.js';
import { isolationTests } from './conformance-isolation.js';
import { passkeyTests } from './conformance-passkeys.js';
import { raceTests } from './conformance-races.js';
import { streakTests } from './conformance-streaks.js';
import { tokenTests } from './conformance-tokens.js';

export {
  type CredentialConformanceContext,
  type CredentialStoreHarness,
  digests,
  passkeyData,
  recoverySet,
  T0,
  totpData,
} from './conformance-fixtures.js';
export { ODD_STRINGS } from './conformance-isolation.js';

/**
 * Declares the `CredentialStore` conformance tests (vitest `describe`/`it`) in the calling test
 * file; run it against your own store, or against your own database with the SQL store:
 *
 * ```ts
 * // test/credentials.test.ts (vitest)
 * import { runCredentialStoreConformance } from 'passport-stepup/testing';
 * import { sqlCredentialStore } from 'passport-stepup/stores/sql';
 * let n = 0;
 * runCredentialStoreConformance('my PostgreSQL', async () => {
 *   // A fresh table prefix per test gives every test empty tables in one database.
 *   const store = sqlCredentialStore({ url: process.env.DATABASE_URL!, tablePrefix: `t${n++}_` });
 *   return { store, cleanup: () => store.close() };
 * });
 * ```
 *
 * Each test fails when its rule breaks: single use under 50 parallel calls, replay markers,
 * isolation between users, exact storage of hostile strings.
 *
 * @param name - shown in the suite's title.
 * @param makeHarness - runs before every test and returns a store on empty tables; the suite
 *   calls `migrate()` itself.
 */
export function runCredentialStoreConformance(
  name: string,
  makeHarness: () => Promise<CredentialStoreHarness>,
): void {
  describe(`CredentialStore conformance: ${name}`, () => {
    let harness: CredentialStoreHarness | undefined;
    const ctx: CredentialConformanceContext = {
      get harness() {
        if (!harness) throw new Error('runCredentialStoreConformance: makeHarness() did not run');
        return harness;
      },
      get store() {
        return ctx.harness.store;
      },
    };
    afterEach(async () => {
      await harness?.cleanup?.();
      harness = undefined;
    });

    describe('migrations', () => {
      beforeEach(async () => {
        harness = await makeHarness();
      });
      migrationTests(ctx);
    });

    describe('behaviour', () => {
      beforeEach(async () => {
        harness = await makeHarness();
        await harness.store.migrate();
      });
      crudTests(ctx);
      isolationTests(ctx);
      raceTests(ctx);
      passkeyTests(ctx);
      streakTests(ctx);
      tokenTests(ctx);
    });
  });
}

function migrationTests(ctx: CredentialConformanceContext): void {
  it('migrate creates the tables; running it again (and again) keeps every row', async () => {
    const { store } = ctx;
    await store.migrate();
    const totp = await store.createTotp({ userId: 'alice', data: totpData(), now: T0 });
    await store.replaceRecoveryCodes({ userId: 'alice', digests: digests('a'), now: T0 + 1 });
    await store.migrate();
    await store.migrate();
    expect(await store.get('alice', totp.id)).toEqual(totp);
    expect((await recoverySet(store, 'alice'))?.codes).toHaveLength(10);
  });

  it('two stores (two processes) migrating one empty database at once both succeed', async () => {
    const { store, harness } = ctx;
    if (!harness.openAnother) return; // needs a second connection to the same database
    const other = await harness.openAnother();
    try {
      const results = await Promise.allSettled([store.migrate(), other.migrate(), store.migrate()]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      const email = await store.createEmail({ userId: 'alice', address: 'a@example.com', now: T0 });
      expect(await other.get('alice', email.id)).toEqual(email);
    } finally {
      await other.close();
    }
  });
}
