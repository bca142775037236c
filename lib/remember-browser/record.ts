/**
 * The stored shape of a remembered browser and the few pure helpers around it. A record is the
 * server-side truth for one cookie: it holds SHA-256 of the token, never the token itself.
 */
import { storeKey } from '../stores/types.js';

export interface BrowserRecord {
  readonly v: 1;
  readonly userId: string;
  readonly tokenHash: string;
  readonly epoch: number;
  readonly createdAt: number;
  readonly lastUsedAt: number;
  readonly expiresAt: number;
  readonly label: string;
}

/** A record id as the API and the cookie carry it: 16 random bytes, base64url. */
export const BROWSER_ID = /^[A-Za-z0-9_-]{22}$/;
/** `{user}:rb:<id>`: under the user's hash tag, so another user's cookie finds nothing. */
export const recordKey = (userId: string, id: string) => storeKey(userId, 'rb', id);
export const indexKey = (userId: string) => storeKey(userId, 'rb-index');

/** Parse a stored record; anything of unknown shape is no record (fail closed). */
export function parseRecord(raw: string | null): BrowserRecord | undefined {
  if (raw === null) return undefined;
  try {
    const r = JSON.parse(raw) as Partial<BrowserRecord>;
    const ok =
      r.v === 1 &&
      typeof r.userId === 'string' &&
      typeof r.tokenHash === 'string' &&
      typeof r.label === 'string' &&
      [r.epoch, r.expiresAt, r.createdAt, r.lastUsedAt].every((n) => typeof n === 'number');
    return ok ? (r as BrowserRecord) : undefined;
  } catch {
    return undefined;
  }
}
