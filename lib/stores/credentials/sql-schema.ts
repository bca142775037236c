/**
 * The SQL shape of the credential store.
 *
 * Tables are named `<prefix>credentials` and `<prefix>recovery_codes`; the Kysely schema uses
 * template-literal keys so that prefixed names stay type-checked. Integers are typed as
 * `number | string | bigint` on the way out because that is what the drivers really return:
 * pg gives `int8` as a string, mysql2 may give strings (`bigNumberStrings`) and better-sqlite3
 * gives bigints in `safeIntegers` mode; `sql-read.ts` turns all of them into JS numbers.
 */
import type { ColumnType } from 'kysely';

export type DbInt = number | string | bigint;

export interface CredentialsTable {
  id: string;
  user_id: string;
  type: string;
  label: string | null;
  created_at: ColumnType<DbInt, number, number>;
  last_used_at: ColumnType<DbInt | null, number | null, number | null>;
  /** JSON of the type-specific data (`{}` for a recovery-code set). */
  data: string;
  last_step: ColumnType<DbInt, number | undefined, number>;
  /** Passkeys only: `passkeyLookupKey(credentialId)`, unique (migration 0002). */
  lookup: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RecoveryCodesTable {
  credential_id: string;
  user_id: string;
  ordinal: ColumnType<DbInt, number, never>;
  digest: string;
  used_at: ColumnType<DbInt | null, number | null, number | null>;
}

/** Migration 0003: one row per user with consecutive second-factor failures. */
export interface AttemptStreaksTable {
  user_id: string;
  failures: ColumnType<DbInt, number, number>;
  updated_at: ColumnType<DbInt, number, number>;
}

/** Migration 0004: bearer tokens, by digest (never the token itself). */
export interface BearerTokensTable {
  id: string;
  user_id: string;
  digest: string;
  kind: string;
  label: string | null;
  aal: ColumnType<DbInt, number, never>;
  /** Space-separated RFC 8176 methods. */
  amr: string;
  /** Space-separated second factors (strategy names). */
  factors: string;
  auth_time: ColumnType<DbInt, number, never>;
  created_at: ColumnType<DbInt, number, never>;
  last_used_at: ColumnType<DbInt | null, number | null, number | null>;
  expires_at: ColumnType<DbInt, number, never>;
  subject: string;
}

export interface Schema {
  [table: `${string}credentials`]: CredentialsTable;
  [table: `${string}recovery_codes`]: RecoveryCodesTable;
  [table: `${string}attempt_streaks`]: AttemptStreaksTable;
  [table: `${string}bearer_tokens`]: BearerTokensTable;
}

export interface TableNames {
  readonly prefix: string;
  readonly credentials: `${string}credentials`;
  readonly codes: `${string}recovery_codes`;
  readonly streaks: `${string}attempt_streaks`;
  readonly tokens: `${string}bearer_tokens`;
  readonly migrations: string;
  readonly migrationLock: string;
}

export const TABLE_PREFIX_PATTERN = /^[a-z_][a-z0-9_]{0,30}$/;

export function tableNames(prefix: string): TableNames {
  return {
    prefix,
    credentials: `${prefix}credentials`,
    codes: `${prefix}recovery_codes`,
    streaks: `${prefix}attempt_streaks`,
    tokens: `${prefix}bearer_tokens`,
    migrations: `${prefix}migrations`,
    migrationLock: `${prefix}migrations_lock`,
  };
}
