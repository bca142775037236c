// Attack: a phishing proxy relays one stolen TOTP code to every instance of a load-balanced app at
// once, hoping that each instance's "already used?" check passes before another records the use;
// and an attacker who obtains a database backup looks for secrets and codes in it.
// Two app instances, each with its own connection pool on one real PostgreSQL / MariaDB database
// (as two processes would have) and one Redis for short-lived state: a code used on one is refused
// on the other, and 50 parallel submissions split over both give exactly one success, because the
// replay marker moves in one conditional UPDATE (docs/architecture.md, invariant 1). The dump of
// the database (pg_dump, mysqldump) holds ciphertext and digests only (invariant 7).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlCredentialStore } from '../../lib/stores/credentials/sql.js';
import { RedisStore } from '../../lib/stores/redis.js';
import { recoveryCodes } from '../../strategies/recovery-code.js';
import { client } from '../helpers/app.js';
import { fakeClock } from '../helpers/clock.js';
import { startRedis, type RedisServer } from '../helpers/redis-server.js';
import {
  createMysqlDatabase,
  createPostgresDatabase,
  type TestDatabase,
  uniquePrefix,
} from '../helpers/sql-databases.js';
import { codeAt, enrolledClient, makeTotpApp } from '../helpers/totp-app.js';

const run = promisify(execFile);

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

/** Two instances on one database and one Redis; each opens its own pool, as a process would. */
function twoInstances(url: string) {
  const tablePrefix = uniquePrefix();
  const clock = fakeClock();
  const store = new RedisStore({ client: redis.client(), prefix: `instances:${randomUUID()}:` });
  const make = () => {
    const credentials = sqlCredentialStore({ url, tablePrefix });
    const built = makeTotpApp({
      stepup: {
        store,
        credentials,
        now: clock.now,
        rememberBrowser: { secret: Buffer.alloc(32, 3) },
      },
      extraFactors: [recoveryCodes({ hmacKey: Buffer.alloc(32, 9) })],
    });
    return { ...built, credentials };
  };
  const a = make();
  const b = make();
  return {
    a,
    b,
    clock,
    tablePrefix,
    close: () => Promise.all([a.credentials.close(), b.credentials.close()]),
  };
}

async function pendingClients(apps: { app: Parameters<typeof client>[0] }[], n: number) {
  const clients = [];
  for (let i = 0; i < n; i++) {
    const target = apps[i % apps.length];
    if (!target) throw new Error('no instance');
    const c = await client(target.app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('mfa_required');
    clients.push(c);
  }
  return clients;
}

interface Dialect {
  readonly name: string;
  readonly create: () => Promise<TestDatabase>;
  /** The whole database as the backup tool writes it. */
  readonly dump: (db: TestDatabase) => Promise<string>;
}

const DIALECTS: Dialect[] = [
  {
    name: 'PostgreSQL',
    create: createPostgresDatabase,
    dump: async (db) =>
      (await run('pg_dump', ['--dbname', db.url], { maxBuffer: 64 << 20 })).stdout,
  },
  {
    name: 'MariaDB',
    create: createMysqlDatabase,
    dump: async (db) => {
      const u = new URL(db.url);
      const args = ['-h', u.hostname, '-P', u.port || '3306', '-u', decodeURIComponent(u.username)];
      if (u.password) args.push(`-p${decodeURIComponent(u.password)}`);
      return (await run('mysqldump', [...args, db.name], { maxBuffer: 64 << 20 })).stdout;
    },
  },
];

for (const dialect of DIALECTS) {
  describe(`two app instances on one ${dialect.name} database`, () => {
    let database: TestDatabase | undefined;
    beforeAll(async () => {
      database = await dialect.create();
    });
    afterAll(async () => {
      await database?.drop();
    });
    const url = () => {
      if (!database) throw new Error(`the ${dialect.name} test database was not created`);
      return database.url;
    };

    it('a code used on one instance is refused on the other; 50 parallel give one success', async () => {
      const { a, b, clock, close } = twoInstances(url());
      await a.stepup.migrate();
      await b.stepup.migrate(); // the second migrate() finds everything done
      const { secret } = await enrolledClient(a.app, clock.now);

      // Enrolled on A, known to B: the password alone is not enough there.
      clock.advance(60_000);
      const [onA, onB] = await pendingClients([a, b], 2);
      if (!onA || !onB) throw new Error('no clients');
      const code = await codeAt(secret, clock.now());
      expect((await onA.verify(code, 'totp')).status).toBe(200);
      const replay = await onB.verify(code, 'totp');
      expect(replay.status).toBe(401);
      expect(replay.body.error).toBe('invalid_code');

      clock.advance(60_000);
      const racers = await pendingClients([a, b], 50);
      const next = await codeAt(secret, clock.now());
      const statuses = (await Promise.all(racers.map((c) => c.verify(next, 'totp')))).map(
        (r) => r.status,
      );
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      // The losers: invalid_code, or too_many_attempts once the shared counter locks.
      expect(statuses.filter((s) => s === 401 || s === 429)).toHaveLength(49);
      await close();
    });

    it('a dump of the database holds no TOTP secret and no recovery code', async () => {
      const { a, clock, tablePrefix, close } = twoInstances(url());
      await a.stepup.migrate();
      const { secret, confirm } = await enrolledClient(a.app, clock.now);
      const codes = confirm.body.recoveryCodes as string[];
      expect(codes).toHaveLength(10);

      if (!database) throw new Error('no test database');
      const dump = await dialect.dump(database);
      // The rows are there (so the dump is of the right tables), as ciphertext and digests.
      expect(dump).toContain(`${tablePrefix}credentials`);
      expect(dump).toContain('alice');
      const plain = (text: string) => text.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
      const flat = plain(dump);
      expect(flat).not.toContain(plain(secret));
      for (const code of codes) expect(flat).not.toContain(plain(code));
      await close();
    });
  });
}
