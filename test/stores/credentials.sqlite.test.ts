// The durable store on SQLite, the embedded default. On top of the conformance suite's attacks:
// several processes on one file (migrating at once, racing for one recovery code), drivers that
// return bigints, rows this version cannot read, and options that must fail loudly at startup.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { Kysely, sql, SqliteDialect } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDriver } from '../../lib/stores/credentials/connect.js';
import {
  passkeyData,
  runCredentialStoreConformance,
  T0,
} from '../../lib/stores/credentials/conformance.js';
import { sqlCredentialStore } from '../../lib/stores/credentials/sql.js';
import { CredentialStoreUnavailableError } from '../../lib/stores/credentials/types.js';
import { tempDir, type TempDir, uniquePrefix, urlHarness } from '../helpers/sql-databases.js';

let dir: TempDir | undefined;
function file(name: string): string {
  if (!dir) throw new Error('the temporary folder was not created (see beforeAll)');
  return join(dir.path, `${name}.db`);
}
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await dir?.remove();
});

runCredentialStoreConformance(
  'SQL store on SQLite (file URL)',
  urlHarness((p) => `sqlite:${file(p)}`),
);

runCredentialStoreConformance('SQL store on SQLite (app-made Kysely, safe integers)', async () => {
  const database = new Database(file(uniquePrefix()));
  database.defaultSafeIntegers(true); // integers come back as bigint: the store must convert
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
  const store = sqlCredentialStore({ db, tablePrefix: 'app_' });
  return { store, cleanup: async () => void (await store.close(), await db.destroy()) };
});

const run = promisify(execFile);
const SQL_MODULE = new URL('../../lib/stores/credentials/sql.ts', import.meta.url).href;

/**
 * One child process: migrate the new file `fresh` (while the others do too) and write to it,
 * then race the others for alice's one recovery code in `shared`.
 */
function child(fresh: string, shared: string, n: number): Promise<{ stdout: string }> {
  const script = `
    import { sqlCredentialStore } from ${JSON.stringify(SQL_MODULE)};
    const fresh = sqlCredentialStore({ url: ${JSON.stringify(fresh)} });
    await fresh.migrate();
    await fresh.createEmail({ userId: 'user-${n}', address: 'u${n}@example.com', now: ${T0} });
    const shared = sqlCredentialStore({ url: ${JSON.stringify(shared)} });
    const won = await shared.consumeRecoveryCode('alice', 'shared-digest', ${T0 + n});
    console.log(JSON.stringify({ won }));
    await Promise.all([fresh.close(), shared.close()]);`;
  const args = ['--import', 'tsx', '--input-type=module', '-e', script];
  return run(process.execPath, args, { cwd: new URL('..', import.meta.url), timeout: 30_000 });
}

describe('SQL store on SQLite', () => {
  it('three processes migrate one new file at once, and race for one code: it is used once', async () => {
    const shared = `sqlite:${file('shared')}`;
    const fresh = `sqlite:${file('fresh')}`;
    const parent = sqlCredentialStore({ url: shared });
    await parent.migrate();
    await parent.replaceRecoveryCodes({ userId: 'alice', digests: ['shared-digest'], now: T0 });
    const children = [1, 2, 3];
    const outputs = await Promise.all(children.map((n) => child(fresh, shared, n)));
    const wins = outputs.map((r) => (JSON.parse(r.stdout.trim()) as { won: boolean }).won);
    expect(wins.filter(Boolean)).toHaveLength(1);
    const other = sqlCredentialStore({ url: fresh });
    for (const n of children) expect(await other.list(`user-${n}`), `user-${n}`).toHaveLength(1);
    await Promise.all([parent.close(), other.close()]);
  }, 60_000);

  it('names its tables by the prefix; calls before migrate() say to run it', async () => {
    const database = new Database(':memory:');
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
    const store = sqlCredentialStore({ db, tablePrefix: 'mfa_' });
    const err = await store.list('alice').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialStoreUnavailableError);
    expect((err as Error).message).toMatch(/migrate\(\)/);
    await store.migrate();
    const names = database
      .prepare("select name from sqlite_master where type = 'table' order by name")
      .all() as { name: string }[];
    expect(names.map((r) => r.name)).toEqual([
      'mfa_attempt_streaks',
      'mfa_bearer_tokens',
      'mfa_credentials',
      'mfa_migrations',
      'mfa_migrations_lock',
      'mfa_recovery_codes',
    ]);
    await store.close();
    await db.destroy();
  });

  it('reads passkey rows, skips types of a newer version, and fails closed on a broken row', async () => {
    const database = new Database(':memory:');
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database }) });
    const store = sqlCredentialStore({ db });
    await store.migrate();
    const insert = (id: string, type: string, data: string) =>
      sql`insert into stepup_credentials (id, user_id, type, created_at, data)
          values (${id}, 'alice', ${type}, ${T0}, ${data})`.execute(db);
    await insert('pk1', 'passkey', JSON.stringify(passkeyData()));
    await insert('future', 'carrier-pigeon', '{}');
    expect(await store.list('alice')).toEqual([
      expect.objectContaining({
        id: 'pk1',
        type: 'passkey',
        data: passkeyData(),
        counter: -1,
      }),
    ]);
    // A passkey row that this version cannot read fails closed, as a broken TOTP row does.
    await insert('pk-broken', 'passkey', JSON.stringify({ publicKey: 'pQECAyYgASFY' }));
    await expect(store.list('alice')).rejects.toBeInstanceOf(CredentialStoreUnavailableError);
    await sql`delete from stepup_credentials where id = 'pk-broken'`.execute(db);
    await insert('broken', 'totp', '{"ciphertext":"SECRET-CIPHERTEXT"');
    const err = await store.list('alice').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialStoreUnavailableError);
    expect((err as Error).message).not.toContain('SECRET');
    await store.close();
    await db.destroy();
  });

  it('options are checked when the store is made, with messages that say what to fix', () => {
    const db = new Kysely<unknown>({
      dialect: new SqliteDialect({ database: new Database(':memory:') }),
    });
    const bad: [unknown, RegExp][] = [
      [{ url: 'sqlite::memory:', tablePrefx: 'x_' }, /unknown option "tablePrefx"/],
      [{}, /exactly one of db and url/],
      [{ db, url: 'sqlite::memory:' }, /exactly one of db and url/],
      [{ url: 'sqlite::memory:', tablePrefix: 'Stepup_' }, /tablePrefix/],
      [{ url: 'sqlite::memory:', tablePrefix: 'a-b_' }, /tablePrefix/],
      [{ url: 'sqlite::memory:', tablePrefix: 'p'.repeat(32) }, /tablePrefix/],
      [{ url: 'sqlite::memory:', queryTimeoutMs: 0 }, /queryTimeoutMs/],
      [{ url: 'sqlite:' }, /needs a path/],
      [{ url: 'sqlite::memory:', dialect: 'postgres' }, /dialect/],
      [{ db, dialect: 'mysql' }, /sqlite adapter/],
      [{ db: {} }, /Kysely instance/],
      [{ url: 'redis://admin:hunter2@db.example' }, /must start with postgres:\/\//],
    ];
    for (const [options, message] of bad) {
      const make = () => sqlCredentialStore(options as never);
      expect(make).toThrow(TypeError);
      expect(make).toThrow(message);
      expect(make).not.toThrow(/hunter2/);
    }
    const fake = { getExecutor: () => ({ adapter: {} }) };
    expect(() => sqlCredentialStore({ db: fake as never })).toThrow(/pass dialect/);
    expect(() => sqlCredentialStore({ db: fake as never, dialect: 'sqlite' })).not.toThrow();
  });

  it('a missing optional driver is an error that says how to install it', async () => {
    const name = 'not-an-installed-driver';
    const esm = loadDriver(name, () => import(/* @vite-ignore */ name));
    await expect(esm).rejects.toThrow(`npm install ${name}`);
    const cjs = loadDriver(name, async () => createRequire(import.meta.url)(name) as never);
    await expect(cjs).rejects.toThrow(`npm install ${name}`);
    // Any other import failure is not disguised as "not installed".
    const broken = loadDriver('pg', async () => {
      throw new SyntaxError('Unexpected token');
    });
    await expect(broken).rejects.toBeInstanceOf(SyntaxError);
  });
});
