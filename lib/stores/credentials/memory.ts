/**
 * `MemoryCredentialStore`: the credential store for tests and demos. Same semantics as the SQL
 * store (it passes the same conformance suite): every method does its work in one synchronous
 * section after its checks, so "first one wins" needs no lock, and it hands out frozen copies so
 * that no caller can change a stored row behind the store's back.
 *
 * Everything is lost when the process ends: never use it where enrolments must survive a
 * restart (a lost TOTP enrolment silently downgrades an account to one factor).
 */
import {
  type CreateEmailInput,
  type CreatePasskeyInput,
  type CreateTotpInput,
  CredentialConflictError,
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
  PasskeyData,
  RecoveryCodesCredential,
  TotpCredential,
  TotpData,
} from './rows.js';
import * as check from './validate.js';
import { compareIds, type Row, snapshot } from './memory-rows.js';
import { MemoryTokens } from './memory-tokens.js';
import type { BearerTokenRecord } from './token-rows.js';

/**
 * A `CredentialStore` in process memory, for tests and demos. `createStepup` uses it when no
 * `credentials` are given, and refuses that default under `NODE_ENV=production`, where
 * enrolments must survive a restart. Passes the same conformance suite as the SQL store.
 */
export class MemoryCredentialStore implements CredentialStore {
  /** userId → (credential id → row). */
  readonly #users = new Map<string, Map<string, Row>>();
  /** Every id in use: ids are unique across users, like the SQL primary key. */
  readonly #ids = new Set<string>();
  /** WebAuthn credential id → row: unique across users, like the SQL `lookup` index. */
  readonly #passkeys = new Map<string, Row>();
  /** Consecutive second-factor failures per user (`raiseFailureStreak`). */
  readonly #streaks = new Map<string, number>();
  /** Bearer tokens, by digest (`createToken`). */
  readonly #tokens = new MemoryTokens();
  #closed = false;

  #open(): void {
    if (this.#closed) throw new CredentialStoreUnavailableError('The credential store is closed');
  }

  #rowsOf(userId: string): Map<string, Row> {
    let rows = this.#users.get(userId);
    if (!rows) this.#users.set(userId, (rows = new Map()));
    return rows;
  }

  #find(userId: string, id: unknown): Row | undefined {
    const uid = check.checkUserId(userId);
    if (!check.isLookupValue(id, 'id', check.MAX_ID)) return undefined;
    this.#open();
    return this.#users.get(uid)?.get(id);
  }

  #insert(row: Row): void {
    if (this.#ids.has(row.id)) throw new CredentialConflictError();
    this.#ids.add(row.id);
    this.#rowsOf(row.userId).set(row.id, row);
  }

  #remove(row: Row): void {
    this.#ids.delete(row.id);
    if (row.type === 'passkey') this.#passkeys.delete((row.data as PasskeyData).credentialId);
    const rows = this.#users.get(row.userId);
    rows?.delete(row.id);
    if (rows?.size === 0) this.#users.delete(row.userId);
  }

  async migrate(): Promise<void> {
    this.#open();
  }

  async list(userId: string, type?: CredentialType): Promise<Credential[]> {
    const uid = check.checkUserId(userId);
    const only = check.checkType(type);
    this.#open();
    return [...(this.#users.get(uid)?.values() ?? [])]
      .filter((row) => only === undefined || row.type === only)
      .sort((a, b) => a.createdAt - b.createdAt || compareIds(a.id, b.id))
      .map(snapshot);
  }

  async get(userId: string, id: string): Promise<Credential | null> {
    const row = this.#find(userId, id);
    return row ? snapshot(row) : null;
  }

  async createTotp(input: CreateTotpInput): Promise<TotpCredential> {
    const row: Row = { ...check.checkTotpInput(input), codes: [] };
    this.#open();
    this.#insert(row);
    return snapshot(row) as TotpCredential;
  }

  async createEmail(input: CreateEmailInput): Promise<EmailCredential> {
    const row: Row = { ...check.checkEmailInput(input), lastStep: -1, codes: [] };
    this.#open();
    this.#insert(row);
    return snapshot(row) as EmailCredential;
  }

  async createPasskey(input: CreatePasskeyInput): Promise<PasskeyCredential> {
    const { counter, ...checked } = check.checkPasskeyInput(input);
    const { data } = checked;
    const row: Row = { ...checked, lastStep: counter, codes: [] };
    this.#open();
    if (this.#passkeys.has(data.credentialId)) throw new CredentialConflictError();
    this.#insert(row);
    this.#passkeys.set(data.credentialId, row);
    return snapshot(row) as PasskeyCredential;
  }

  async findPasskey(credentialId: string): Promise<PasskeyCredential | null> {
    if (!check.isLookupValue(credentialId, 'credentialId', 1364)) return null;
    this.#open();
    const row = this.#passkeys.get(credentialId);
    return row ? (snapshot(row) as PasskeyCredential) : null;
  }

  async advancePasskeyCounter(
    userId: string,
    id: string,
    counter: number,
    now: number,
  ): Promise<boolean> {
    const c = check.checkCounter(counter);
    const at = check.checkNow(now);
    const row = this.#find(userId, id);
    if (row?.type !== 'passkey') return false;
    if (!(c > row.lastStep || (c === 0 && row.lastStep <= 0))) return false;
    row.lastStep = c;
    row.lastUsedAt = at;
    return true;
  }

  async replaceRecoveryCodes(input: ReplaceRecoveryCodesInput): Promise<RecoveryCodesCredential> {
    const userId = check.checkUserId(input.userId);
    const digests = check.checkDigests(input.digests);
    const now = check.checkNow(input.now);
    this.#open();
    for (const row of [...this.#rowsOf(userId).values()]) {
      if (row.type === 'recovery-codes') this.#remove(row);
    }
    const row: Row = {
      id: recoveryCodesCredentialId(userId),
      userId,
      type: 'recovery-codes',
      label: null,
      createdAt: now,
      lastUsedAt: null,
      data: {},
      lastStep: -1,
      codes: digests.map((digest) => ({ digest, usedAt: null })),
    };
    this.#insert(row);
    return snapshot(row) as RecoveryCodesCredential;
  }

  async consumeRecoveryCode(userId: string, digest: string, now: number): Promise<boolean> {
    const at = check.checkNow(now);
    const row = this.#find(userId, recoveryCodesCredentialId(check.checkUserId(userId)));
    if (!check.isLookupValue(digest, 'digest', check.MAX_DIGEST)) return false;
    const code = row?.codes.find((c) => c.digest === digest && c.usedAt === null);
    if (!row || !code) return false;
    code.usedAt = at;
    row.lastUsedAt = at;
    return true;
  }

  async advanceTotpStep(userId: string, id: string, step: number, now: number): Promise<boolean> {
    const s = check.checkStep(step);
    const at = check.checkNow(now);
    const row = this.#find(userId, id);
    if (row?.type !== 'totp' || row.lastStep >= s) return false;
    row.lastStep = s;
    row.lastUsedAt = at;
    return true;
  }

  async updateLabel(userId: string, id: string, label: string | null): Promise<boolean> {
    const value = check.checkLabel(label);
    const row = this.#find(userId, id);
    if (!row) return false;
    row.label = value;
    return true;
  }

  async updateTotpData(userId: string, id: string, data: TotpData): Promise<boolean> {
    const value = check.checkTotpData(data);
    const row = this.#find(userId, id);
    if (row?.type !== 'totp') return false;
    row.data = value;
    return true;
  }

  async touch(userId: string, id: string, now: number): Promise<void> {
    const at = check.checkNow(now);
    const row = this.#find(userId, id);
    if (row) row.lastUsedAt = at;
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const row = this.#find(userId, id);
    if (row) this.#remove(row);
    return row !== undefined;
  }

  async deleteAll(userId: string, type?: CredentialType): Promise<number> {
    const uid = check.checkUserId(userId);
    const only = check.checkType(type);
    this.#open();
    const doomed = [...(this.#users.get(uid)?.values() ?? [])].filter(
      (row) => only === undefined || row.type === only,
    );
    for (const row of doomed) this.#remove(row);
    return doomed.length;
  }

  async failureStreak(userId: string): Promise<number> {
    const uid = check.checkUserId(userId);
    this.#open();
    return this.#streaks.get(uid) ?? 0;
  }

  async raiseFailureStreak(userId: string, failures: number, now: number): Promise<void> {
    const uid = check.checkUserId(userId);
    const n = check.checkFailures(failures);
    check.checkNow(now);
    this.#open();
    this.#streaks.set(uid, Math.max(n, this.#streaks.get(uid) ?? 0));
  }

  async clearFailureStreak(userId: string): Promise<void> {
    const uid = check.checkUserId(userId);
    this.#open();
    this.#streaks.delete(uid);
  }

  async createToken(record: BearerTokenRecord): Promise<void> {
    this.#open();
    this.#tokens.create(record);
  }

  async findToken(digest: string): Promise<BearerTokenRecord | null> {
    this.#open();
    return this.#tokens.find(digest);
  }

  async listTokens(userId: string): Promise<BearerTokenRecord[]> {
    this.#open();
    return this.#tokens.list(userId);
  }

  async deleteTokens(userId: string, ids?: readonly string[]): Promise<number> {
    this.#open();
    return this.#tokens.delete(userId, ids);
  }

  async touchToken(digest: string, now: number): Promise<void> {
    this.#open();
    this.#tokens.touch(digest, now);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}
