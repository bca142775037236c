// The durable store on MySQL/MariaDB. On top of the conformance suite's attacks: the server's
// default collations fold case, trailing spaces and emoji (so two users could share rows), the
// database here is latin1 (the store must bring utf8mb4 itself), and a pool without mysql2's
// FOUND_ROWS flag reports changed rather than matched rows.
import { describe, expect, it } from 'vitest';
import {
  runCredentialStoreConformance,
  T0,
  totpData,
} from '../../lib/stores/credentials/conformance.js';
import { sqlCredentialStore } from '../../lib/stores/credentials/sql.js';
import { CredentialStoreUnavailableError } from '../../lib/stores/credentials/types.js';
import { createMysqlDatabase, uniquePrefix, urlHarness } from '../helpers/sql-databases.js';
import { databaseFixture } from '../helpers/database-fixture.js';

const url = databaseFixture('MariaDB/MySQL', createMysqlDatabase);

runCredentialStoreConformance(
  'SQL store on MariaDB/MySQL',
  urlHarness(() => url()),
);

async function rawQuery<T>(query: string, values: unknown[] = []): Promise<T[]> {
  const { default: mysql } = await import('mysql2/promise');
  const c = await mysql.createConnection({ uri: url() });
  try {
    const [rows] = await c.query(query, values);
    return rows as T[];
  } finally {
    await c.end();
  }
}

describe('SQL store on MariaDB/MySQL', () => {
  it('tables are utf8mb4 with a binary NO PAD collation, in a latin1 database', async () => {
    const tablePrefix = uniquePrefix();
    const store = sqlCredentialStore({ url: url().replace(/^mysql:/, 'mariadb:'), tablePrefix });
    await store.migrate();
    const tables = await rawQuery<{ name: string; collation: string }>(
      `select table_name as name, table_collation as collation from information_schema.tables
       where table_schema = database() and table_name like ? order by table_name`,
      [`${tablePrefix}%`],
    );
    const ours = tables.filter((t) => !t.name.includes('migrations'));
    expect(ours.map((t) => t.name)).toEqual([
      `${tablePrefix}attempt_streaks`,
      `${tablePrefix}bearer_tokens`,
      `${tablePrefix}credentials`,
      `${tablePrefix}recovery_codes`,
    ]);
    for (const t of ours) expect(t.collation).toMatch(/^utf8mb4_(nopad_bin|0900_bin)$/);
    const label = '👨‍👩‍👧‍👦 Ünïcödé ключ';
    const c = await store.createTotp({ userId: 'alice', label, data: totpData(), now: T0 });
    expect(await store.get('alice', c.id)).toMatchObject({ label });
    await store.close();
  });

  it('a pool without FOUND_ROWS still reports an unchanged label as an existing row', async () => {
    const { Kysely, MysqlDialect } = await import('kysely');
    const { default: mysql } = await import('mysql2');
    const pool = mysql.createPool({ uri: url(), flags: ['-FOUND_ROWS'] });
    const db = new Kysely<unknown>({ dialect: new MysqlDialect({ pool }) });
    const store = sqlCredentialStore({ db, tablePrefix: uniquePrefix() });
    await store.migrate();
    const c = await store.createTotp({
      userId: 'alice',
      label: 'Phone',
      data: totpData(),
      now: T0,
    });
    expect(await store.updateLabel('alice', c.id, 'Phone')).toBe(true);
    expect(await store.updateTotpData('alice', c.id, totpData())).toBe(true);
    expect(await store.updateLabel('bob', c.id, 'Phone')).toBe(false);
    expect(await store.updateTotpData('alice', 'missing', totpData())).toBe(false);
    await store.close();
    await db.destroy();
  });

  it('a row locked by a stuck transaction: rejected within the timeout, nothing done, then works', async () => {
    const tablePrefix = uniquePrefix();
    const store = sqlCredentialStore({ url: url(), tablePrefix, queryTimeoutMs: 1000 });
    await store.migrate();
    const t = await store.createTotp({ userId: 'alice', data: totpData(), now: T0 });
    const { default: mysql } = await import('mysql2/promise');
    const locker = await mysql.createConnection({ uri: url() });
    await locker.query('begin');
    await locker.query(`select id from \`${tablePrefix}credentials\` where id = ? for update`, [
      t.id,
    ]);

    const started = Date.now();
    const err = await store.advanceTotpStep('alice', t.id, 5, T0 + 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialStoreUnavailableError);
    expect(Date.now() - started).toBeLessThan(2500);

    await locker.query('rollback');
    await locker.end();
    // InnoDB's lock wait timeout (one second) gave up before the client did: the statement was
    // rolled back, so the rejected call did not move the replay marker behind the caller's back.
    expect(await store.get('alice', t.id)).toEqual(t);
    expect(await store.advanceTotpStep('alice', t.id, 5, T0 + 2)).toBe(true);
    await store.close();
  });
});
