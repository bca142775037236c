// The durable store on PostgreSQL. The attacks of the conformance suite (parallel replays,
// foreign ids, hostile strings) run against a real server; on top: pg returns int8 as a string
// and a lock held by a stuck transaction must cost a caller seconds, not minutes.
import { describe, expect, it } from 'vitest';
import {
  runCredentialStoreConformance,
  T0,
  totpData,
} from '../../lib/stores/credentials/conformance.js';
import { sqlCredentialStore } from '../../lib/stores/credentials/sql.js';
import { CredentialStoreUnavailableError } from '../../lib/stores/credentials/types.js';
import { createPostgresDatabase, uniquePrefix, urlHarness } from '../helpers/sql-databases.js';
import { databaseFixture } from '../helpers/database-fixture.js';

const url = databaseFixture('PostgreSQL', createPostgresDatabase);

runCredentialStoreConformance(
  'SQL store on PostgreSQL',
  urlHarness(() => url()),
);

describe('SQL store on PostgreSQL', () => {
  it('bigint columns come back as numbers although pg returns int8 as strings', async () => {
    const tablePrefix = uniquePrefix();
    const store = sqlCredentialStore({ url: url(), tablePrefix });
    await store.migrate();
    const big = 2 ** 40;
    const c = await store.createTotp({ userId: 'alice', data: totpData(), lastStep: big, now: T0 });
    expect(await store.get('alice', c.id)).toEqual(c);
    expect(await store.advanceTotpStep('alice', c.id, big + 1, T0 + 1)).toBe(true);
    const got = await store.get('alice', c.id);
    expect(got).toMatchObject({ lastStep: big + 1, lastUsedAt: T0 + 1, createdAt: T0 });

    const { default: pg } = await import('pg');
    const raw = new pg.Client({ connectionString: url() });
    await raw.connect();
    const { rows } = await raw.query(`select created_at from "${tablePrefix}credentials"`);
    await raw.end();
    expect(typeof rows[0]?.created_at).toBe('string'); // what the driver gives: the trap
    await store.close();
  });

  it('a row locked by a stuck transaction: rejected within the timeout, nothing done, then works', async () => {
    const tablePrefix = uniquePrefix();
    const store = sqlCredentialStore({ url: url(), tablePrefix, queryTimeoutMs: 1000 });
    await store.migrate();
    const set = await store.replaceRecoveryCodes({
      userId: 'alice',
      digests: ['d1', 'd2'],
      now: T0,
    });

    const { default: pg } = await import('pg');
    const locker = new pg.Client({ connectionString: url() });
    await locker.connect();
    await locker.query('begin');
    await locker.query(`select id from "${tablePrefix}credentials" where id = $1 for update`, [
      set.id,
    ]);

    const started = Date.now();
    const err = await store.consumeRecoveryCode('alice', 'd1', T0 + 1).catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(CredentialStoreUnavailableError);
    expect((err as Error).message).not.toContain('d1');
    expect(took).toBeLessThan(2500);

    await locker.query('rollback');
    await locker.end();
    // The server's statement_timeout (not only the client) gave up, so the transaction was
    // rolled back: the code was not used behind the caller's back by the rejected call.
    expect(await store.get('alice', set.id)).toEqual(set);
    expect(await store.consumeRecoveryCode('alice', 'd1', T0 + 2)).toBe(true);
    await store.close();
  });

  it('an app-made Kysely is detected as postgres and is not closed by the store', async () => {
    const { Kysely, PostgresDialect } = await import('kysely');
    const { default: pg } = await import('pg');
    const db = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url() }) }),
    });
    const store = sqlCredentialStore({ db, tablePrefix: uniquePrefix() });
    await store.migrate();
    const e = await store.createEmail({ userId: 'alice', address: 'a@example.com', now: T0 });
    expect(await store.list('alice')).toEqual([e]);
    await store.close();
    await expect(store.list('alice')).rejects.toBeInstanceOf(CredentialStoreUnavailableError);
    const { sql } = await import('kysely');
    expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
    await db.destroy();
  });
});
