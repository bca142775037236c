/**
 * The rows of `MemoryCredentialStore` and the frozen copies it hands out, so that no caller can
 * change a stored row behind the store's back.
 */
import type { Credential, CredentialType, PasskeyData, TotpData } from './rows.js';

export interface Row {
  readonly id: string;
  readonly userId: string;
  readonly type: CredentialType;
  label: string | null;
  readonly createdAt: number;
  lastUsedAt: number | null;
  data: unknown;
  lastStep: number;
  readonly codes: { readonly digest: string; usedAt: number | null }[];
}

/** Code point order (what SQL's binary collations give), not UTF-16 unit order. */
export function compareIds(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function snapshot(row: Row): Credential {
  const base = {
    id: row.id,
    userId: row.userId,
    label: row.label,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
  };
  switch (row.type) {
    case 'totp':
      return Object.freeze({
        ...base,
        type: row.type,
        data: Object.freeze({ ...(row.data as TotpData) }),
        lastStep: row.lastStep,
      });
    case 'recovery-codes':
      return Object.freeze({
        ...base,
        type: row.type,
        codes: Object.freeze(row.codes.map((c) => Object.freeze({ ...c }))),
      });
    case 'passkey': {
      const data = row.data as PasskeyData;
      return Object.freeze({
        ...base,
        type: row.type,
        data: Object.freeze({ ...data, transports: Object.freeze([...data.transports]) }),
        counter: row.lastStep,
      });
    }
    case 'email':
      return Object.freeze({
        ...base,
        type: row.type,
        data: Object.freeze(structuredClone(row.data) as { address: string }),
      });
  }
}
