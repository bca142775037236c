/**
 * Reset tokens in the short-lived store (docs/architecture.md, invariant 21):
 * - 256 random bits from the CSPRNG (NIST SP 800-63B-4 §4.2.1.2 asks recovery secrets sent to
 *   an address for at least 64; OWASP ASVS 5.0 V6.4.3 for a secure random one), base64url;
 * - stored only as an HMAC digest keyed outside the store: a store dump reveals no usable link;
 * - one live token per user: the user's pointer names the newest digest, and a token whose
 *   digest is not the pointer's is void (a new request voids the previous link);
 * - bound to the login epoch it was issued in: a password change, a reset or an admin reset
 *   moves the epoch and voids every earlier link without finding it;
 * - single use: `take` (GETDEL) decides which of two parallel requests resets the password;
 * - short lived: the store's TTL and the record's own timestamp (30 min by default).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { StepupContext } from '../core/context.js';
import { globalKey, storeKey } from '../stores/types.js';

/** 43 base64url characters: 32 random bytes. Anything else is refused before any lookup. */
export const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

interface TokenRecord {
  readonly userId: string;
  /** The user's login epoch when the link was sent. */
  readonly epoch: number;
  readonly createdAt: number;
  /** The username the link was asked for, for the password policy (not a secret). */
  readonly username?: string;
}

/** A token that passed every check but has not been used up. */
export interface LiveToken {
  readonly userId: string;
  readonly digest: string;
  /** The username the link was asked for (the policy refuses it inside the new password). */
  readonly username?: string;
}

export class ResetTokens {
  constructor(
    private readonly ctx: StepupContext,
    private readonly key: Buffer,
    private readonly ttlMs: number,
  ) {}

  digestOf(token: string): string {
    return createHmac('sha256', this.key).update(token, 'utf8').digest('base64url');
  }

  private recordKey(digest: string): string {
    return globalKey('password-reset', digest);
  }

  private pointerKey(userId: string): string {
    return storeKey(userId, 'password-reset');
  }

  /** A new token for the user; the previous one is void (pointer moved, record deleted). */
  async issue(userId: string, username?: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const digest = this.digestOf(token);
    const record: TokenRecord = {
      userId,
      epoch: await this.ctx.startLoginEpoch(userId),
      createdAt: this.ctx.now(),
      ...(username !== undefined ? { username } : {}),
    };
    const previous = await this.ctx.store.get(this.pointerKey(userId));
    await this.ctx.store.set(this.recordKey(digest), JSON.stringify(record), this.ttlMs);
    await this.ctx.store.set(this.pointerKey(userId), digest, this.ttlMs);
    if (previous !== null && previous !== digest)
      await this.ctx.store.delete(this.recordKey(previous));
    return token;
  }

  /**
   * The token's user when the token is live: well-formed, known, not expired, the user's newest,
   * and issued in the current login epoch. Nothing is used up.
   */
  async peek(token: string): Promise<LiveToken | undefined> {
    if (!TOKEN_FORMAT.test(token)) return undefined;
    const digest = this.digestOf(token);
    const raw = await this.ctx.store.get(this.recordKey(digest));
    const record = parseRecord(raw);
    if (!record) return undefined;
    if (!(this.ctx.now() - record.createdAt < this.ttlMs)) return undefined;
    const [pointer, epoch] = await Promise.all([
      this.ctx.store.get(this.pointerKey(record.userId)),
      this.ctx.loginEpoch(record.userId),
    ]);
    if (pointer !== digest || epoch !== record.epoch) return undefined;
    return {
      userId: record.userId,
      digest,
      ...(typeof record.username === 'string' ? { username: record.username } : {}),
    };
  }

  /** Use the token up: true for exactly one caller (atomic `take`). */
  async take(live: LiveToken): Promise<boolean> {
    const raw = await this.ctx.store.take(this.recordKey(live.digest));
    return parseRecord(raw)?.userId === live.userId;
  }

  /** Void the user's outstanding link (after a reset, an admin reset). */
  async voidFor(userId: string): Promise<void> {
    const pointer = await this.ctx.store.take(this.pointerKey(userId));
    if (pointer !== null) await this.ctx.store.delete(this.recordKey(pointer));
  }
}

function parseRecord(raw: string | null): TokenRecord | undefined {
  if (raw === null) return undefined;
  try {
    const r = JSON.parse(raw) as Partial<TokenRecord>;
    if (typeof r.userId !== 'string' || typeof r.epoch !== 'number') return undefined;
    if (typeof r.createdAt !== 'number') return undefined;
    return r as TokenRecord;
  } catch {
    return undefined;
  }
}
