// Attack: knock the credential database over (or wait for an outage) and hope the app fails
// open, treating "cannot read the enrolments" as "not enrolled" and letting a password alone in.
// A TCP proxy sits between the store and the real PostgreSQL / MariaDB server; the test cuts
// it (server gone: every socket destroyed, new ones refused) and hangs it (server alive but
// silent). Every call must reject quickly with CredentialStoreUnavailableError (a 503 for the
// router) and, once the proxy forwards again, the same store must recover within 5 s by itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T0, totpData } from '../../lib/stores/credentials/conformance.js';
import { sqlCredentialStore, type SqlCredentialStore } from '../../lib/stores/credentials/sql.js';
import { CredentialStoreUnavailableError } from '../../lib/stores/credentials/types.js';
import {
  createMysqlDatabase,
  createPostgresDatabase,
  type TestDatabase,
  uniquePrefix,
} from '../helpers/sql-databases.js';
import { TcpProxy, viaProxy } from '../helpers/tcp-proxy.js';

const TIMEOUT_MS = 1500;
/** A hung server: the client waits TIMEOUT_MS plus one second of grace, then some slack. */
const LIMIT_MS = TIMEOUT_MS + 1000 + 500;

async function timeToRecover(store: SqlCredentialStore): Promise<number> {
  const started = Date.now();
  for (;;) {
    const ok = await store.list('alice').then(
      () => true,
      () => false,
    );
    if (ok) return Date.now() - started;
    if (Date.now() - started > 10_000) throw new Error('the store did not recover within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every kind of call, each of which must fail closed during the outage. */
async function expectEveryCallUnavailable(
  store: SqlCredentialStore,
  totpId: string,
  limitMs: number,
) {
  const calls: [string, () => Promise<unknown>][] = [
    ['list', () => store.list('alice')],
    ['get', () => store.get('alice', totpId)],
    ['consumeRecoveryCode', () => store.consumeRecoveryCode('alice', 'secret-digest-1', T0 + 5)],
    ['advanceTotpStep', () => store.advanceTotpStep('alice', totpId, 99, T0 + 5)],
    ['createTotp', () => store.createTotp({ userId: 'alice', data: totpData(2), now: T0 + 5 })],
    [
      'replaceRecoveryCodes',
      () => store.replaceRecoveryCodes({ userId: 'alice', digests: ['secret-digest-x'], now: T0 }),
    ],
    ['deleteAll', () => store.deleteAll('alice')],
  ];
  const outcomes = await Promise.all(
    calls.map(async ([name, call]) => {
      const started = Date.now();
      const err = await call().then(
        () => new Error(`${name} succeeded during the outage`),
        (e: unknown) => e,
      );
      return { name, err, took: Date.now() - started };
    }),
  );
  for (const { name, err, took } of outcomes) {
    expect(err, name).toBeInstanceOf(CredentialStoreUnavailableError);
    expect((err as Error).message, name).not.toMatch(/secret-digest|alice|v1\.iv/);
    expect(took, name).toBeLessThan(limitMs);
  }
}

function outageSuite(
  name: string,
  createDatabase: () => Promise<TestDatabase>,
  port: number,
): void {
  describe(`credential store outage: ${name}`, () => {
    let database: TestDatabase | undefined;
    const proxy = new TcpProxy({ host: '127.0.0.1', port });
    beforeAll(async () => {
      database = await createDatabase();
      await proxy.open();
    });
    afterAll(async () => {
      await proxy.cut();
      await database?.drop();
    });

    it('fails closed quickly while the server is gone or hung, and recovers by itself', async () => {
      if (!database) throw new Error('no test database');
      const url = viaProxy(database.url, proxy.port);
      const store = sqlCredentialStore({
        url,
        tablePrefix: uniquePrefix(),
        queryTimeoutMs: TIMEOUT_MS,
      });
      await store.migrate();
      const totp = await store.createTotp({ userId: 'alice', data: totpData(), now: T0 });
      await store.replaceRecoveryCodes({
        userId: 'alice',
        digests: ['secret-digest-1', 'secret-digest-2'],
        now: T0,
      });
      // Several connections in the pool, so that the cut hits idle ones too.
      await Promise.all(Array.from({ length: 8 }, () => store.list('alice')));

      await proxy.cut();
      await expectEveryCallUnavailable(store, totp.id, LIMIT_MS);
      await proxy.restore();
      expect(await timeToRecover(store)).toBeLessThan(5000);
      // Nothing reached the database during the cut: the code is still unused.
      expect(await store.consumeRecoveryCode('alice', 'secret-digest-1', T0 + 6)).toBe(true);

      await Promise.all(Array.from({ length: 8 }, () => store.list('alice')));
      proxy.hang();
      await expectEveryCallUnavailable(store, totp.id, LIMIT_MS);
      await proxy.restore();
      expect(await timeToRecover(store)).toBeLessThan(5000);
      expect(await store.advanceTotpStep('alice', totp.id, 100, T0 + 7)).toBe(true);
      expect(await store.consumeRecoveryCode('alice', 'secret-digest-1', T0 + 7)).toBe(false);
      await store.close();
    }, 60_000);
  });
}

function portOf(url: string, fallback: number): number {
  return Number(new URL(url).port || fallback);
}

outageSuite(
  'PostgreSQL',
  createPostgresDatabase,
  portOf(process.env['DATABASE_URL'] ?? 'postgres://x:5432', 5432),
);
outageSuite(
  'MariaDB',
  createMysqlDatabase,
  portOf(process.env['MYSQL_URL'] ?? 'mysql://x:3306', 3306),
);
