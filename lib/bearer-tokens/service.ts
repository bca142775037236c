/**
 * Bearer tokens for CLIs, scripts and API clients (docs/architecture.md, invariant 22): minted
 * only after the factors a sign-in needs (sign-in.ts) or from a fresh session (routes.ts),
 * stored as digests, read once per request, ended by the user, by expiry and by every way out of
 * an account (a password change or reset, an admin reset, removing the factor they carry).
 */
import type { Request } from 'express';
import { assuranceOf } from '../core/assurance.js';
import {
  bearerCacheKey,
  cacheTtl,
  endBearerTokens,
  liveTokens,
  REVOKED,
  type TokenSummary,
} from '../core/bearer-cache.js';
import { bearerCredential, bearerViewOf, setBearerView } from '../core/bearer-view.js';
import type { FactorHost } from '../core/context.js';
import { deserializeUser, serializeUser, type PassportLike } from '../core/passport-glue.js';
import { newCredentialId } from '../stores/credentials/types.js';
import { MemoryStore } from '../stores/memory.js';
import type { BearerTokenKind, BearerTokenRecord } from '../stores/credentials/token-rows.js';
import { MAX_SUBJECT } from '../stores/credentials/token-validate.js';
import { StepupError } from '../core/errors.js';
import {
  PHISHING_RESISTANT_FACTORS,
  type Amr,
  type MfaView,
  type SecondFactorName,
} from '../core/types.js';
import { isWellFormedToken, newToken, tokenDigest } from './format.js';
import type { ResolvedBearerTokenOptions } from './options.js';

/** What a token is minted from: who, and what they proved, when. */
export interface MintInput {
  readonly kind: BearerTokenKind;
  readonly userId: string;
  /** The Passport user, serialized into the token's row by the app's `serializeUser`. */
  readonly user: unknown;
  readonly label: string | null;
  readonly ttlMs: number;
  readonly amr: readonly Amr[];
  readonly factors: readonly SecondFactorName[];
  readonly authTime: number;
}

/** The answer that carries a new token (RFC 6749 §5.1's names): shown once, never stored. */
export interface IssuedToken {
  /** The token: `psu_` + 49 characters. Shown this once; the server keeps only its digest. */
  readonly access_token: string;
  /** Always `Bearer` (RFC 6750): send it as `Authorization: Bearer <access_token>`. */
  readonly token_type: 'Bearer';
  /** Seconds until it expires. */
  readonly expires_in: number;
  /** The assurance level it carries (NIST SP 800-63B-4 §2): 1 password only, 2 with a second factor. */
  readonly aal: 1 | 2 | 3;
  /** The RFC 8176 methods it was minted with (`['pwd', 'otp', 'mfa']`). */
  readonly amr: readonly Amr[];
  /** When the authentication it carries happened, in seconds since the epoch (OIDC `auth_time`). */
  readonly auth_time: number;
  /** Its id in `GET /auth/tokens` (revoke with `DELETE /auth/tokens/:id`). */
  readonly id: string;
}

/** `lastUsedAt` moves at most once a minute per token and process. */
const TOUCH_EVERY_MS = 60_000;

export type { TokenSummary } from '../core/bearer-cache.js';

export class BearerTokens {
  /** When this process last recorded a use of each token (digest → ms). */
  private readonly touched = new Map<string, number>();

  constructor(
    readonly host: FactorHost,
    readonly options: ResolvedBearerTokenOptions,
    readonly passport: PassportLike,
  ) {}

  /** Store a new token for `input.userId` and answer it once. */
  async mint(req: Request, input: MintInput): Promise<IssuedToken> {
    const { credentials, now, events, options } = this.host.context;
    const createdAt = now();
    await this.makeRoom(input.userId, input.kind, createdAt);
    const subject = JSON.stringify(await serializeUser(this.passport, req, input.user));
    if (typeof subject !== 'string' || subject.length > MAX_SUBJECT) {
      throw new Error('passport-stepup: serializeUser gave no value, or one too long for a token');
    }
    const { aal } = assuranceOf(input, { aal3: options.view.aal3 });
    const token = newToken();
    const record: BearerTokenRecord = {
      id: newCredentialId(),
      userId: input.userId,
      digest: tokenDigest(token),
      kind: input.kind,
      label: input.label,
      aal,
      amr: [...input.amr],
      factors: [...input.factors],
      authTime: input.authTime,
      createdAt,
      lastUsedAt: null,
      expiresAt: createdAt + input.ttlMs,
      subject,
    };
    await credentials.createToken(record);
    events.emitFor(req, 'token.created', { userId: input.userId, kind: input.kind, aal });
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: Math.floor(input.ttlMs / 1000),
      aal,
      amr: record.amr as Amr[],
      auth_time: Math.floor(input.authTime / 1000),
      id: record.id,
    };
  }

  /**
   * Expired tokens of the user go; at the limit, the oldest sign-in token goes too (a CLI that
   * signs in every morning never fills the table). Personal tokens are never ended silently:
   * a new one over the limit is refused.
   */
  private async makeRoom(userId: string, kind: BearerTokenKind, at: number): Promise<void> {
    const { credentials } = this.host.context;
    const all = await credentials.listTokens(userId);
    const expired = all.filter((t) => t.expiresAt <= at).map((t) => t.id);
    const live = all.filter((t) => t.expiresAt > at);
    const over = live.length - this.options.maxPerUser + 1;
    const oldestSignIn = live.filter((t) => t.kind === 'sign-in').map((t) => t.id);
    if (over > 0 && (kind === 'personal' || oldestSignIn.length < over)) {
      if (expired.length > 0) await credentials.deleteTokens(userId, expired);
      throw new StepupError(
        'INVALID_REQUEST',
        { field: 'tokens', limit: this.options.maxPerUser },
        'This account holds too many tokens: revoke one first.',
      );
    }
    const doomed = [...expired, ...(over > 0 ? oldestSignIn.slice(0, over) : [])];
    if (doomed.length > 0) await credentials.deleteTokens(userId, doomed);
  }

  /**
   * The request's token, checked: its view (also kept for the request, `bearerViewOf`), or
   * undefined when it is malformed, unknown, expired, revoked or its user is gone. One MfaStore
   * read when its copy is there (lib/core/bearer-cache.ts), the credential store on a miss.
   */
  async authenticate(req: Request): Promise<MfaView | undefined> {
    const known = bearerViewOf(req);
    if (known) return known;
    const { events, now } = this.host.context;
    const raw = bearerCredential(req);
    const reject = (reason: string): undefined => {
      events.emitFor(req, 'token.rejected', { reason });
      return undefined;
    };
    if (raw === undefined || !isWellFormedToken(raw)) return reject('malformed');
    const digest = tokenDigest(raw);
    const found = await this.lookup(digest);
    const at = now();
    if (found === REVOKED) return reject('revoked');
    if (!found) return reject('unknown');
    if (found.expiresAt <= at) return reject('expired');
    const user = await deserializeUser(this.passport, req, JSON.parse(found.subject));
    if (!user) return reject('user_gone');
    const property = (req as { _userProperty?: string })._userProperty ?? 'user';
    (req as unknown as Record<string, unknown>)[property] = user;
    const view = viewOfToken(found);
    setBearerView(req, view);
    this.noteUse(digest, at);
    return view;
  }

  /** The token's record: its copy in the MfaStore, else its row (then copied, never over a tombstone). */
  private async lookup(digest: string): Promise<BearerTokenRecord | typeof REVOKED | null> {
    const { store, credentials, now } = this.host.context;
    // A MemoryStore is one process's: a second process would keep its own copies and miss the
    // other's tombstones, so with it every lookup reads the credential store (always right).
    if (store instanceof MemoryStore) return credentials.findToken(digest);
    const key = bearerCacheKey(digest);
    const cached = await store.get(key);
    if (cached === REVOKED) return REVOKED;
    if (cached !== null) return JSON.parse(cached) as BearerTokenRecord;
    const row = await credentials.findToken(digest);
    if (!row || row.expiresAt <= now()) return row;
    if (await store.setIfAbsent(key, JSON.stringify(row), cacheTtl(row, now()))) return row;
    // Someone wrote first: a copy of the same row, or a revocation's tombstone.
    return (await store.get(key)) === REVOKED ? REVOKED : row;
  }

  /**
   * "Last used" moves at most once a minute per token and process, off the request's path: the
   * answer does not wait for bookkeeping, and a failed write leaves it a minute behind.
   */
  private noteUse(digest: string, at: number): void {
    const last = this.touched.get(digest);
    if (last !== undefined && at - last < TOUCH_EVERY_MS) return;
    if (this.touched.size >= 10_000) this.touched.clear();
    this.touched.set(digest, at);
    this.host.context.credentials.touchToken(digest, at).catch((err: unknown) => {
      this.host.context.log('could not record a token use', {
        error: err instanceof Error ? err.name : 'error',
      });
    });
  }

  /** The user's live tokens, oldest first. */
  list(userId: string): Promise<TokenSummary[]> {
    const { credentials, now } = this.host.context;
    return liveTokens(credentials, userId, now());
  }

  /** End the user's tokens with these ids (all when left out); the number ended. */
  async revoke(req: Request | undefined, userId: string, ids?: readonly string[]): Promise<number> {
    const { store, credentials, now, events } = this.host.context;
    const wanted = ids && new Set(ids);
    const ended = await endBearerTokens(store, credentials, userId, now(), (t) =>
      wanted ? wanted.has(t.id) : true,
    );
    if (ended > 0) events.emitFor(req, 'token.revoked', { userId, ended });
    return ended;
  }
}

/** What a guard sees for a token: the assurance it was minted with, frozen at that time. */
export function viewOfToken(record: BearerTokenRecord): MfaView {
  const factors = record.factors as SecondFactorName[];
  const second = factors.length > 0;
  return Object.freeze({
    status: second ? 'satisfied' : 'authenticated',
    userId: record.userId,
    amr: Object.freeze([...record.amr]) as readonly Amr[],
    factors: Object.freeze([...factors]),
    authTime: record.authTime,
    ...(second
      ? {
          mfaAt: record.authTime,
          factorTimes: Object.freeze(Object.fromEntries(factors.map((f) => [f, record.authTime]))),
        }
      : {}),
    viaRememberedBrowser: false,
    aal: record.aal,
    phishingResistant: factors.some((f) => PHISHING_RESISTANT_FACTORS.includes(f)),
    idle: false,
    bearer: Object.freeze({ id: record.id, kind: record.kind, expiresAt: record.expiresAt }),
  });
}
