/**
 * `sqlCredentialStore`: the credential store on PostgreSQL (pg), SQLite (better-sqlite3) or
 * MySQL/MariaDB (mysql2), one implementation on Kysely.
 *
 * ```ts
 * const credentials = sqlCredentialStore({ url: process.env.DATABASE_URL });
 * await credentials.migrate();
 * ```
 * Every decision made once is one conditional statement whose affected-row count decides (MySQL
 * has no `RETURNING`): the database's row lock is the only lock, across any number of instances.
 * Every query is parameterised (OWASP ASVS 5.0 V1.2.4).
 *
 * @module passport-stepup/stores/sql
 */
import type { Kysely } from 'kysely';
import { openDatabase } from './connect.js';
import { runMigrations } from './migrations.js';
import { CompiledQueries } from './sql-compiled.js';
import { advanceCounter, findPasskeyRow, insertPasskey } from './sql-passkeys.js';
import { consumeCode, recoveryCodeSet, replaceCodeSet } from './sql-recovery.js';
import { clearStreak, raiseStreak, readStreak } from './sql-streaks.js';
import {
  deleteTokenRows,
  insertToken,
  selectToken,
  selectTokens,
  touchTokenRow,
} from './sql-tokens.js';
import type { BearerTokenRecord } from './token-rows.js';
import { checkTokenIds, checkTokenRecord, isTokenDigest } from './token-validate.js';
import { ANSWER_GRACE_MS, runOperation } from './sql-errors.js';
import {
  parseOptions,
  type SqlCredentialStoreOptions,
  type SqlDialectName,
} from './sql-options.js';
import { type JoinedRow, selectCredentials, toCredentials } from './sql-read.js';
import { advanceStep, deleteRow, deleteRows, insertRow, touchRow, updateRow } from './sql-write.js';
import { type Schema, tableNames, type TableNames } from './sql-schema.js';
import {
  type CreateEmailInput,
  type CreatePasskeyInput,
  type CreateTotpInput,
  type CredentialStore,
  CredentialStoreUnavailableError,
  recoveryCodesCredentialId,
  type ReplaceRecoveryCodesInput,
} from './types.js';
import type {
  Credential,
  CredentialType,
  EmailCredential,
  PasskeyCredential,
  RecoveryCodesCredential,
  TotpCredential,
  TotpData,
} from './rows.js';
import * as check from './validate.js';

export type { SqlCredentialStoreOptions, SqlDialectName } from './sql-options.js';

export class SqlCredentialStore implements CredentialStore {
  readonly #db: Kysely<Schema>;
  readonly #owned: boolean;
  readonly #dialect: SqlDialectName;
  readonly #t: TableNames;
  readonly #timeoutMs: number;
  readonly #hot: CompiledQueries;
  #closed = false;

  constructor(options: SqlCredentialStoreOptions) {
    const parsed = parseOptions(options);
    this.#dialect = parsed.dialect;
    this.#t = tableNames(parsed.tablePrefix);
    this.#timeoutMs = parsed.queryTimeoutMs;
    this.#owned = parsed.target.kind !== 'db';
    this.#db =
      parsed.target.kind === 'db'
        ? (options.db as Kysely<Schema>)
        : openDatabase(parsed.target, parsed.queryTimeoutMs);
    this.#hot = new CompiledQueries(this.#owned);
  }

  #run<T>(
    op: string,
    work: (db: Kysely<Schema>) => Promise<T>,
    timeoutMs = this.#timeoutMs + ANSWER_GRACE_MS,
  ) {
    if (this.#closed) {
      return Promise.reject(new CredentialStoreUnavailableError('The credential store is closed'));
    }
    return runOperation(op, timeoutMs, () => work(this.#db));
  }

  async migrate(): Promise<void> {
    // Longer than one query: another process may hold the migration lock for a while.
    const timeout = Math.max(30_000, 6 * this.#timeoutMs);
    await this.#run('migrate', (db) => runMigrations(db, this.#dialect, this.#t), timeout);
  }

  async list(userId: string, type?: CredentialType): Promise<Credential[]> {
    const uid = check.checkUserId(userId);
    const only = check.checkType(type);
    return this.#run('list', async (db) => {
      const { rows } = only
        ? await this.#hot.execute(db, 'list-type', [uid, only], (u: string, t: CredentialType) =>
            selectCredentials(db, this.#t, this.#dialect, u).where('c.type', '=', t),
          )
        : await this.#hot.execute(db, 'list', [uid], (u: string) =>
            selectCredentials(db, this.#t, this.#dialect, u),
          );
      return toCredentials(rows as JoinedRow[]);
    });
  }

  async get(userId: string, id: string): Promise<Credential | null> {
    const uid = check.checkUserId(userId);
    if (!check.isLookupValue(id, 'id', check.MAX_ID)) return null;
    return this.#run('get', async (db) => {
      const rows = await selectCredentials(db, this.#t, this.#dialect, uid)
        .where('c.id', '=', id)
        .execute();
      return toCredentials(rows as JoinedRow[])[0] ?? null;
    });
  }

  async createTotp(input: CreateTotpInput): Promise<TotpCredential> {
    const row = check.checkTotpInput(input);
    await this.#run('createTotp', (db) => insertRow(db, this.#t, row, row.data, row.lastStep));
    return row;
  }

  async createEmail(input: CreateEmailInput): Promise<EmailCredential> {
    const row = check.checkEmailInput(input);
    await this.#run('createEmail', (db) => insertRow(db, this.#t, row, row.data, -1));
    return row;
  }

  async createPasskey(input: CreatePasskeyInput): Promise<PasskeyCredential> {
    const row = check.checkPasskeyInput(input);
    await this.#run('createPasskey', (db) => insertPasskey(db, this.#t, row));
    return row;
  }

  async findPasskey(credentialId: string): Promise<PasskeyCredential | null> {
    if (!check.isLookupValue(credentialId, 'credentialId', 1364)) return null;
    return this.#run('findPasskey', (db) =>
      findPasskeyRow(db, this.#t, this.#dialect, credentialId),
    );
  }

  async advancePasskeyCounter(
    userId: string,
    id: string,
    counter: number,
    now: number,
  ): Promise<boolean> {
    const uid = check.checkUserId(userId);
    const c = check.checkCounter(counter);
    const at = check.checkNow(now);
    if (!check.isLookupValue(id, 'id', check.MAX_ID)) return false;
    return this.#run('advancePasskeyCounter', (db) =>
      advanceCounter(db, this.#t, this.#dialect, { userId: uid, id }, c, at),
    );
  }

  async replaceRecoveryCodes(input: ReplaceRecoveryCodesInput): Promise<RecoveryCodesCredential> {
    const userId = check.checkUserId(input.userId);
    const digests = check.checkDigests(input.digests);
    const now = check.checkNow(input.now);
    const set = recoveryCodeSet(userId, digests, now);
    await this.#run('replaceRecoveryCodes', (db) =>
      replaceCodeSet(db, this.#t, this.#dialect, { id: set.id, userId, digests, now }),
    );
    return set;
  }

  async consumeRecoveryCode(userId: string, digest: string, now: number): Promise<boolean> {
    const uid = check.checkUserId(userId);
    const at = check.checkNow(now);
    if (!check.isLookupValue(digest, 'digest', check.MAX_DIGEST)) return false;
    const setId = recoveryCodesCredentialId(uid);
    return this.#run('consumeRecoveryCode', (db) =>
      consumeCode(db, this.#t, { setId, userId: uid, digest, now: at }),
    );
  }

  async advanceTotpStep(userId: string, id: string, step: number, now: number): Promise<boolean> {
    const uid = check.checkUserId(userId);
    const s = check.checkStep(step);
    const at = check.checkNow(now);
    if (!check.isLookupValue(id, 'id', check.MAX_ID)) return false;
    return this.#run('advanceTotpStep', (db) =>
      advanceStep(db, this.#t, this.#hot, { userId: uid, id }, s, at),
    );
  }

  async updateLabel(userId: string, id: string, label: string | null): Promise<boolean> {
    const uid = check.checkUserId(userId);
    const value = check.checkLabel(label);
    if (!check.isLookupValue(id, 'id', check.MAX_ID)) return false;
    return this.#run('updateLabel', (db) =>
      updateRow(db, this.#t, this.#dialect, { userId: uid, id }, { label: value }),
    );
  }

  async updateTotpData(userId: string, id: string, data: TotpData): Promise<boolean> {
    const uid = check.checkUserId(userId);
    const value = JSON.stringify(check.checkTotpData(data));
    if (!check.isLookupValue(id, 'id', check.MAX_ID)) return false;
    return this.#run('updateTotpData', (db) =>
      updateRow(db, this.#t, this.#dialect, { userId: uid, id, type: 'totp' }, { data: value }),
    );
  }

  async touch(userId: string, id: string, now: number): Promise<void> {
    const uid = check.checkUserId(userId);
    const at = check.checkNow(now);
    if (!check.isLookupValue(id, 'id', check.MAX_ID)) return;
    await this.#run('touch', (db) => touchRow(db, this.#t, uid, id, at));
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const uid = check.checkUserId(userId);
    if (!check.isLookupValue(id, 'id', check.MAX_ID)) return false;
    return this.#run('delete', (db) => deleteRow(db, this.#t, uid, id));
  }

  async deleteAll(userId: string, type?: CredentialType): Promise<number> {
    const uid = check.checkUserId(userId);
    const only = check.checkType(type);
    return this.#run('deleteAll', (db) => deleteRows(db, this.#t, uid, only));
  }

  async failureStreak(userId: string): Promise<number> {
    const uid = check.checkUserId(userId);
    return this.#run('failureStreak', (db) => readStreak(db, this.#t, uid));
  }

  async raiseFailureStreak(userId: string, failures: number, now: number): Promise<void> {
    const uid = check.checkUserId(userId);
    const n = check.checkFailures(failures);
    const at = check.checkNow(now);
    await this.#run('raiseFailureStreak', (db) =>
      raiseStreak(db, this.#t, this.#dialect, { userId: uid, failures: n, now: at }),
    );
  }

  async clearFailureStreak(userId: string): Promise<void> {
    const uid = check.checkUserId(userId);
    await this.#run('clearFailureStreak', (db) => clearStreak(db, this.#t, uid));
  }

  async createToken(record: BearerTokenRecord): Promise<void> {
    const row = checkTokenRecord(record);
    await this.#run('createToken', (db) => insertToken(db, this.#t, row));
  }

  async findToken(digest: string): Promise<BearerTokenRecord | null> {
    if (!isTokenDigest(digest)) return null;
    return this.#run('findToken', (db) => selectToken(db, this.#t, this.#hot, digest));
  }

  async listTokens(userId: string): Promise<BearerTokenRecord[]> {
    const uid = check.checkUserId(userId);
    return this.#run('listTokens', (db) => selectTokens(db, this.#t, uid));
  }

  async deleteTokens(userId: string, ids?: readonly string[]): Promise<number> {
    const uid = check.checkUserId(userId);
    const wanted = checkTokenIds(ids);
    return this.#run('deleteTokens', (db) => deleteTokenRows(db, this.#t, uid, wanted));
  }

  async touchToken(digest: string, now: number): Promise<void> {
    const at = check.checkNow(now);
    if (isTokenDigest(digest))
      await this.#run('touchToken', (db) => touchTokenRow(db, this.#t, digest, at));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // An app-made Kysely instance is the app's to destroy.
    if (this.#owned) await this.#db.destroy().catch(() => undefined);
  }
}

/**
 * The credential store on your database: `{ url }` (`postgres://…`, `mysql://…`,
 * `mariadb://…`, `sqlite:<path>`; the store owns and closes its pool) or `{ db }` (your own
 * Kysely instance). Await `migrate()` at start-up. Throws a TypeError for a malformed option.
 */
export function sqlCredentialStore(options: SqlCredentialStoreOptions): SqlCredentialStore {
  return new SqlCredentialStore(options);
}
