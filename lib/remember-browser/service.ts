/**
 * "Remember this browser": after a second factor, a cookie lets later logins of the same user in
 * this browser skip the second factor (docs/architecture.md "Session states", §3).
 *
 * Security model (NIST SP 800-63B-4 §5.1.1, OWASP ASVS 5.0 V6/V7):
 *   - The cookie is a bearer secret worth AAL1 only: the session it satisfies has amr `rb`, no
 *     `mfaAt` and no real factor, so `requireMfa({ allowRememberBrowser: false })` or `maxAge`
 *     still ask for one. It is consulted only after the first factor passed for a user.
 *   - Value `<id>.<token>.<mac>`: a 128-bit random record id, a 256-bit random token, and an
 *     HMAC-SHA-256 over both. The MAC rejects forged cookies before any store round trip; the
 *     store keeps only SHA-256(token), so a dump of the store cannot be replayed as a cookie.
 *   - Server-side record per browser under the user's key (`{user}:rb:<id>`): another user's
 *     cookie finds nothing; expiry is checked against the server clock, not left to the browser.
 *   - Single use: each login consumes the record (`take`, atomic, so of two parallel logins with
 *     one cookie only one wins) and sets a new id and token. A stolen cookie used once by the
 *     thief stops working for the owner, which makes the theft visible.
 *   - Revocation without a scan: each record carries the user's credential epoch; disabling MFA,
 *     a password change, a recovery code or an admin reset bump it, and every older cookie fails.
 *   - Lifetime is absolute (from the second factor); using the cookie does not extend it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sameString } from '../crypto/keys.js';
import type { Request, Response } from 'express';
import type { StepupContext } from '../core/context.js';
import type { AfterVerifyHook, LoginHook } from '../core/login-flow.js';
import { resolveKey } from '../core/key-rule.js';
import { labelFromUserAgent } from '../core/user-agent-label.js';
import { RememberCookie } from './cookie.js';
import { BROWSER_ID, indexKey, parseRecord, recordKey, type BrowserRecord } from './record.js';
import {
  resolveRememberBrowserOptions,
  type RememberBrowserOptions,
  type ResolvedRememberBrowser,
} from './options.js';

/** One remembered browser, as `GET /auth/mfa/browsers` lists it (times in ms since epoch). */
export interface RememberedBrowser {
  /**
   * The `:id` to revoke it with. A new id replaces it each time the browser skips a second
   * factor (the cookie is single use), so list again before revoking.
   */
  readonly id: string;
  /** Browser and platform read from the User-Agent when it was remembered ("Firefox on Linux"). */
  readonly label: string;
  /** When the second factor that remembered it passed; the lifetime counts from here. */
  readonly createdAt: number;
  /** When it last skipped a second factor (or `createdAt`). */
  readonly lastUsedAt: number;
  /** When it stops working, whether used or not (using it does not extend it). */
  readonly expiresAt: number;
  /** True for the browser that made the listing request. */
  readonly current: boolean;
}

/** Bounds the per-user index; issuing one more evicts the oldest. */
const MAX_PER_USER = 20;

const random = (bytes: number) => randomBytes(bytes).toString('base64url');
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

// Requests whose login step refuses remembered browsers (`stepUp({ allowRememberBrowser: false })`)
// A WeakSet, not a request property: nothing the client sends can set or clear it.
const refusedAtLogin = new WeakSet<Request>();

/** Make this request's login step ignore (and leave untouched) any remembered-browser cookie. */
export function refuseRememberedBrowser(req: Request): void {
  refusedAtLogin.add(req);
}

/**
 * The "remember this browser" service (`stepup.rememberedBrowsers`, undefined when the feature
 * is off): lists and revokes a user's remembered browsers, and supplies the hooks that issue
 * and honour the cookie.
 *
 * A remembered browser is a bearer cookie, worth AAL1 only (NIST SP 800-63B-4 §5.1.1): it
 * stands in for the second factor at login, but routes with `maxAge` or
 * `allowRememberBrowser: false` still ask for a real one. The cookie is HMAC-signed, the store
 * keeps only a hash of its token, each use replaces it (single use), its lifetime is absolute,
 * and a credential change (password, factor removed, recovery code used, admin reset) revokes
 * every one at once. Design: docs/architecture.md.
 */
export class RememberedBrowsers {
  /** The cookie's name as sent, `__Host-` prefix included when `secure`. */
  readonly cookieName: string;
  /** Absolute lifetime of a remembered browser in milliseconds. */
  readonly lifetimeMs: number;
  /** The cookie's value, signature and attributes; the keys live in its closures only. */
  private readonly cookie: RememberCookie;

  /**
   * `createStepup` builds it; apps use `stepup.rememberedBrowsers`.
   * @param keys - the HMAC keys; the first signs, every one verifies.
   * @throws TypeError without a key.
   */
  constructor(
    private readonly ctx: StepupContext,
    private readonly config: ResolvedRememberBrowser,
    keys: readonly Buffer[],
  ) {
    this.cookieName = config.cookieName;
    this.lifetimeMs = config.lifetimeMs;
    this.cookie = new RememberCookie(config.cookieName, config.secure, keys);
  }

  /** Login hook (after the first factor): a valid cookie of this user vouches, once. */
  readonly loginHook: LoginHook = async (req, userId) => {
    const res = req.res;
    if (!this.config.allowAtLogin || refusedAtLogin.has(req) || !res) return 'default';
    const parsed = this.cookie.read(req);
    if (parsed === undefined) return 'default';
    if (parsed === 'bad') return this.reject(req, res, userId, 'bad_signature', true);
    // take(): the token is single use, even across app instances on one Redis.
    const record = parseRecord(await this.ctx.store.take(recordKey(userId, parsed.id)));
    // Absent: another user's cookie (this browser is shared), revoked, expired, or already used.
    if (!record) return this.reject(req, res, userId, 'unknown', false);
    await this.ctx.store.hashDelete(indexKey(userId), parsed.id);
    const now = this.ctx.now();
    let reason: string | undefined;
    const tokenMatches = sameString(record.tokenHash, sha256(parsed.token));
    if (record.userId !== userId || !tokenMatches) reason = 'mismatch';
    else if (record.expiresAt <= now) reason = 'expired';
    else if (record.epoch !== (await this.ctx.credentialEpoch(userId))) reason = 'revoked';
    if (reason) return this.reject(req, res, userId, reason, true);

    const id = await this.write(res, userId, { ...record, lastUsedAt: now }, now);
    this.ctx.events.emitFor(req, 'remember.used', { userId, id, previousId: parsed.id });
    return 'remembered';
  };

  /** `afterVerify` hook: issue a cookie when the user ticked "remember this browser". */
  readonly afterVerify: AfterVerifyHook = async (req, res, info) => {
    if (!info.rememberBrowser || !this.config.allowAtLogin) return;
    // Only for a session a real factor has just satisfied, never from a weaker state.
    const subject = this.ctx.subjectOf(req);
    if (subject?.status !== 'satisfied' || subject.userId !== info.userId) return;
    await this.issue(req, res, info.userId);
  };

  /** Remember this browser for `userId`: store a record, set the cookie. Returns the id. */
  async issue(req: Request, res: Response, userId: string): Promise<string> {
    const now = this.ctx.now();
    // Read the epoch before writing: a credential change racing this issue makes the new cookie
    // dead on arrival (fail closed), never the other way round.
    const epoch = await this.ctx.credentialEpoch(userId);
    const previous = this.cookie.read(req);
    // The same browser remembered again replaces its entry instead of listing it twice.
    if (previous && previous !== 'bad') await this.revoke(userId, previous.id);
    await this.evictOldest(userId);
    const label = labelFromUserAgent(req.get('user-agent'));
    const expiresAt = now + this.lifetimeMs;
    const createdAt = now;
    const record = { v: 1 as const, userId, epoch, label, createdAt, lastUsedAt: now, expiresAt };
    // write() fills in the token hash.
    const id = await this.write(res, userId, { ...record, tokenHash: '' }, now);
    this.ctx.events.emitFor(req, 'remember.issued', { userId, id, label });
    await this.ctx.notify(req, userId, 'remembered_browser_added', { label });
    return id;
  }

  /** The user's live remembered browsers, most recently used first; stale entries are cleaned. */
  async list(userId: string, currentReq?: Request): Promise<RememberedBrowser[]> {
    const index = await this.ctx.store.hashGetAll(indexKey(userId));
    const ids = Object.keys(index);
    if (ids.length === 0) return [];
    const epoch = await this.ctx.credentialEpoch(userId);
    const now = this.ctx.now();
    const current = currentReq ? this.cookie.read(currentReq) : undefined;
    const out: RememberedBrowser[] = [];
    for (const id of ids) {
      const raw = BROWSER_ID.test(id) ? await this.ctx.store.get(recordKey(userId, id)) : null;
      const record = parseRecord(raw);
      const live = record?.userId === userId && record.expiresAt > now && record.epoch === epoch;
      if (!live) {
        // Lazy clean-up: the index is only a hint, the record (and the epoch) is the truth.
        await this.ctx.store.hashDelete(indexKey(userId), id);
        if (record) await this.ctx.store.delete(recordKey(userId, id));
        continue;
      }
      const { label, createdAt, lastUsedAt, expiresAt } = record;
      const isCurrent = current !== undefined && current !== 'bad' && current.id === id;
      out.push({ id, label, createdAt, lastUsedAt, expiresAt, current: isCurrent });
    }
    return out.sort((a, b) => b.lastUsedAt - a.lastUsedAt);
  }

  /** Forget one browser. False when the user has no browser with that id. */
  async revoke(userId: string, id: string, req?: Request): Promise<boolean> {
    if (!BROWSER_ID.test(id)) return false;
    const removed = await this.ctx.store.delete(recordKey(userId, id));
    await this.ctx.store.hashDelete(indexKey(userId), id);
    if (removed > 0) this.ctx.events.emitFor(req, 'remember.revoked', { userId, id, count: 1 });
    return removed > 0;
  }

  /** Forget every browser of the user. Resolves to how many records existed. */
  async revokeAll(userId: string, req?: Request): Promise<number> {
    let count = 0;
    // One entry at a time rather than deleting the whole index: a browser remembered while this
    // runs keeps its index entry. The index is written before each record, so none is missed.
    for (const id of Object.keys(await this.ctx.store.hashGetAll(indexKey(userId)))) {
      if (BROWSER_ID.test(id)) count += await this.ctx.store.delete(recordKey(userId, id));
      await this.ctx.store.hashDelete(indexKey(userId), id);
    }
    this.ctx.events.emitFor(req, 'remember.revoked', { userId, count, all: true });
    return count;
  }

  /** The record id of the cookie this request carries, when its signature is valid. */
  currentId(req: Request): string | undefined {
    const parsed = this.cookie.read(req);
    return parsed && parsed !== 'bad' ? parsed.id : undefined;
  }

  /** Tell the browser to drop the cookie (same attributes, or it would not match). */
  clearCookie(res: Response): void {
    this.cookie.clear(res);
  }

  private async write(
    res: Response,
    userId: string,
    record: BrowserRecord,
    now: number,
  ): Promise<string> {
    const id = random(16);
    const token = random(32);
    const ttlMs = record.expiresAt - now;
    // Index first: a record never exists without an index entry, so revokeAll() reaches it.
    // The index lives as long as the newest record can.
    await this.ctx.store.hashSet(indexKey(userId), id, String(record.expiresAt), this.lifetimeMs);
    const stored: BrowserRecord = { ...record, tokenHash: sha256(token) };
    await this.ctx.store.set(recordKey(userId, id), JSON.stringify(stored), ttlMs);
    this.cookie.set(res, id, token, ttlMs);
    return id;
  }

  private async evictOldest(userId: string): Promise<void> {
    const index = await this.ctx.store.hashGetAll(indexKey(userId));
    const byAge = Object.entries(index).sort(([, a], [, b]) => Number(a) - Number(b));
    for (const [id] of byAge.slice(0, Math.max(0, byAge.length - MAX_PER_USER + 1))) {
      await this.revoke(userId, id);
      await this.ctx.store.hashDelete(indexKey(userId), id);
    }
  }

  private reject(req: Request, res: Response, userId: string, reason: string, clear: boolean) {
    this.ctx.events.emitFor(req, 'remember.rejected', { userId, reason });
    // Keep an unknown cookie: it may be another user's of this shared browser, still valid.
    if (clear) this.clearCookie(res);
    return 'default' as const;
  }
}

/**
 * Build the service from `createStepup({ rememberBrowser })`; undefined when disabled. A missing
 * secret follows the one key rule (lib/core/key-rule.ts): harmless on the in-memory store
 * (records die with the process too), a warning on a shared store, an error in production.
 */
export function createRememberedBrowsers(
  ctx: StepupContext,
  options: RememberBrowserOptions | undefined,
): RememberedBrowsers | undefined {
  const config = resolveRememberBrowserOptions(options);
  if (!config.enabled) return undefined;
  const keys = resolveKey({
    where: 'rememberBrowser',
    option: 'secret',
    options: options ?? {},
    validate: () => config.keys ?? [],
    generate: () => [randomBytes(32)],
    holder: ctx.store, // the remembered-browser records live in the MFA store
    consequence:
      'remembered browsers would not survive a restart and would fail on other instances',
    example:
      'rememberBrowser.secret (32+ random bytes: `openssl rand -base64 32`), ' +
      'or rememberBrowser: { enabled: false }',
    warningCode: 'PASSPORT_STEPUP_REMEMBER_SECRET',
  });
  return new RememberedBrowsers(ctx, config, keys);
}
