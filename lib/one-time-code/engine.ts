/**
 * The one-time-code engine shared by `email-otp` and `sms-otp` (and by email enrolment).
 *
 * NIST SP 800-63B-4 §3.1.3 (out-of-band): a code of at least 6 decimal digits from an approved
 * random generator, accepted once, for a short time, bound to the attempt that asked for it.
 * We do: 6 digits from `crypto.randomInt` (CSPRNG, no modulo bias), valid 5 minutes (OWASP ASVS
 * 5.0 V6.5.5 caps out-of-band codes at 10), single use, bound to the pending login or to the
 * signed-in session that asked (ASVS 5.0 V6.6.2), 5 tries per code, one send per 60 s per
 * user and channel. Note that NIST does not count email as an out-of-band authenticator at all
 * (§3.1.3.1: it does not prove possession of a device) and restricts SMS (§3.1.3.3); see
 * strategies/one-time-code.ts.
 *
 * Store layout (all keys of one user share its hash tag):
 *   {u}:<ns>:current         id of the live challenge: a resend replaces it
 *   {u}:<ns>:challenge:<id>  { digest, binding, expiresAt, data } — never the code
 *   {u}:<ns>:tries:<id>      wrong tries of that challenge (atomic increment)
 *   {u}:<ns>:cooldown        present for 60 s after a send (SET NX: one send wins)
 *
 * Why a keyed hash: 6 digits are 20 bits. Any unkeyed digest, even salted with the challenge
 * id, is reversed from a store dump with a million hashes, i.e. milliseconds. HMAC-SHA-256
 * under `codeKey`, a key kept outside the store, makes a dump useless (ASVS 4.0.3 V2.7.5: keep
 * only a hashed code; invariant 7 (docs/architecture.md): the store holds no usable secret).
 */
import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { sameString, toKeyBytes } from '../crypto/keys.js';
import { StepupError } from '../core/errors.js';
import { storeKey, type MfaStore } from '../stores/types.js';

/**
 * The fixed parameters of email and SMS codes: 6 digits (NIST SP 800-63B-4 §3.1.3 asks for at
 * least 6), valid 300 s (OWASP ASVS 5.0 V6.5.5 allows at most 10 minutes), 5 compared tries
 * per code (each also counts on the account lockout), 60 s between sends per user and channel.
 */
export const OTP_DEFAULTS = Object.freeze({
  /** Code length in decimal digits (NIST SP 800-63B-4 §3.1.3: at least 6). */
  digits: 6,
  /** Seconds a code stays valid (OWASP ASVS 5.0 V6.5.5: at most 10 minutes). */
  ttlSeconds: 300,
  /** Wrong tries one code survives; then it is dead, and the account lockout counts each. */
  maxTries: 5,
  /** Seconds between two sends to the same user on one channel. */
  resendSeconds: 60,
});

/** Records outlive their code this long, so that a late code answers `code_expired`. */
const TOMBSTONE_MS = 10 * 60_000;
const DIGITS = /^[0-9]{6}$/;

/** What a `OneTimeCodeEngine` works with. */
export interface EngineConfig {
  /** Where challenges, tries and cooldowns live; shared by every instance that checks codes. */
  readonly store: MfaStore;
  /** The clock, in ms since the epoch. */
  readonly now: () => number;
  /** Key namespace and HMAC domain: `email-otp`, `sms-otp`, `email-otp:enroll`. */
  readonly namespace: string;
  /** HMAC-SHA-256 key of the stored digests, ≥ 32 bytes, kept outside the store. */
  readonly key: Buffer;
  /** Code lifetime in milliseconds. @default OTP_DEFAULTS.ttlSeconds × 1000 */
  readonly ttlMs?: number;
  /** Compared tries per code. @default OTP_DEFAULTS.maxTries */
  readonly maxTries?: number;
  /** Milliseconds between sends. @default OTP_DEFAULTS.resendSeconds × 1000 */
  readonly resendMs?: number;
}

interface ChallengeRecord {
  readonly v: 1;
  readonly digest: string;
  readonly binding: string;
  readonly expiresAt: number;
  readonly data: Readonly<Record<string, string>>;
}

/** A code was sent (`202` of `POST /auth/mfa/email/send` and `/sms/send`). */
export interface Issued {
  /** Seconds the code stays valid. */
  readonly expiresIn: number;
  /** Seconds before another code may be sent. */
  readonly resendIn: number;
}

/** A code was sent, and to where. */
export interface SentCode extends Issued {
  /** The address or number, masked (`a***@example.com`, `*********67`) for the page to show. */
  readonly destination: string;
}

/** What checking a code found; only `ok` carries the data stored with the challenge. */
export type CheckOutcome =
  | {
      /** The code matched and is now used up. */
      readonly result: 'ok';
      /** What `issue` stored with the challenge (the address being enrolled). */
      readonly data: Readonly<Record<string, string>>;
    }
  | {
      /**
       * `invalid`: wrong, malformed, replaced by a resend, or not this login's; `expired`: past
       * its lifetime; `exhausted`: `maxTries` wrong tries already.
       */
      readonly result: 'invalid' | 'expired' | 'exhausted';
    };

/**
 * Sends and checks codes for one channel. Stateless apart from the store: any app instance
 * sharing the store and the key checks a code another one sent.
 */
export class OneTimeCodeEngine {
  /** Code lifetime in milliseconds. */
  readonly ttlMs: number;
  /** Compared tries per code. */
  readonly maxTries: number;
  /** Milliseconds between two sends to one user. */
  readonly resendMs: number;
  // Not an ES `#private` field: Passport runs each request on `Object.create(strategy)`.
  private readonly hmac: (parts: readonly string[]) => Buffer;

  constructor(private readonly config: EngineConfig) {
    this.ttlMs = config.ttlMs ?? OTP_DEFAULTS.ttlSeconds * 1000;
    this.maxTries = config.maxTries ?? OTP_DEFAULTS.maxTries;
    this.resendMs = config.resendMs ?? OTP_DEFAULTS.resendSeconds * 1000;
    const { key, namespace } = config;
    // JSON of an array: unambiguous whatever the user id or the data contain.
    this.hmac = (parts) =>
      createHmac('sha256', key)
        .update(JSON.stringify(['passport-stepup/otp/v1', namespace, ...parts]))
        .digest();
  }

  /**
   * Make a code for `userId`, bound to `binding`, and hand it to `deliver`. The cooldown is
   * taken first (atomically), so two parallel sends deliver one code. When delivery fails the
   * new challenge and the cooldown are dropped: nothing is used up and the previous code, if
   * any, still works (the user never received a replacement).
   */
  async issue(
    userId: string,
    binding: string,
    deliver: (code: string) => Promise<void>,
    data: Readonly<Record<string, string>> = {},
  ): Promise<Issued> {
    const { store, now } = this.config;
    const cooldown = this.key(userId, 'cooldown');
    if (!(await store.setIfAbsent(cooldown, '1', this.resendMs))) {
      const left = (await store.ttl(cooldown)) ?? this.resendMs;
      throw new StepupError('RESEND_TOO_SOON', { retryAfter: Math.max(1, Math.ceil(left / 1000)) });
    }
    const id = randomBytes(16).toString('base64url');
    const code = String(randomInt(0, 10 ** OTP_DEFAULTS.digits)).padStart(OTP_DEFAULTS.digits, '0');
    const record: ChallengeRecord = {
      v: 1,
      digest: this.digest(userId, id, binding, data, code).toString('base64url'),
      binding,
      expiresAt: now() + this.ttlMs,
      data,
    };
    const lifetime = this.ttlMs + TOMBSTONE_MS;
    await store.set(this.key(userId, 'challenge', id), JSON.stringify(record), lifetime);
    try {
      await deliver(code);
    } catch (err) {
      await store.delete(this.key(userId, 'challenge', id), cooldown);
      throw err;
    }
    const previous = await store.get(this.key(userId, 'current'));
    await store.set(this.key(userId, 'current'), id, lifetime);
    // A resend replaces the code: the old one is refused from now on.
    if (previous !== null && previous !== id) {
      await store.delete(
        this.key(userId, 'challenge', previous),
        this.key(userId, 'tries', previous),
      );
    }
    return { expiresIn: Math.floor(this.ttlMs / 1000), resendIn: Math.ceil(this.resendMs / 1000) };
  }

  /**
   * Check a code. Order matters:
   *   1. malformed input, no live challenge, or another login's challenge → `invalid`, no try
   *      of the (other) challenge is spent;
   *   2. past its 5 minutes → `expired`, the code is not even compared;
   *   3. the try is counted *before* comparing (atomic increment), so 50 parallel guesses
   *      still compare at most `maxTries` times; beyond that → `exhausted`;
   *   4. a match is consumed with `take`: of parallel correct submissions exactly one wins.
   */
  async check(userId: string, binding: string | undefined, code: string): Promise<CheckOutcome> {
    const { store, now } = this.config;
    if (!DIGITS.test(code) || binding === undefined) return { result: 'invalid' };
    const id = await store.get(this.key(userId, 'current'));
    if (id === null) return { result: 'invalid' };
    const challengeKey = this.key(userId, 'challenge', id);
    const raw = await store.get(challengeKey);
    const record = raw === null ? undefined : parseRecord(raw);
    if (!record || !sameString(record.binding, binding)) return { result: 'invalid' };
    const t = now();
    if (t >= record.expiresAt) return { result: 'expired' };
    const triesTtl = record.expiresAt + TOMBSTONE_MS - t;
    const tries = await store.increment(this.key(userId, 'tries', id), triesTtl);
    if (tries > this.maxTries) return { result: 'exhausted' };
    const expected = Buffer.from(record.digest, 'base64url');
    const actual = this.digest(userId, id, binding, record.data, code);
    // Constant time: the comparison must not tell how many leading bytes of the digest matched.
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      return { result: 'invalid' };
    }
    if ((await store.take(challengeKey)) === null) return { result: 'invalid' };
    await store.delete(this.key(userId, 'tries', id));
    return { result: 'ok', data: record.data };
  }

  /** Seconds before a new code may be sent (0 when it may be sent now). */
  async resendIn(userId: string): Promise<number> {
    const left = await this.config.store.ttl(this.key(userId, 'cooldown'));
    return left === null ? 0 : Math.ceil(left / 1000);
  }

  /** Drop the live challenge and the cooldown (factor reset, admin reset). */
  async clear(userId: string): Promise<void> {
    const { store } = this.config;
    const id = await store.get(this.key(userId, 'current'));
    const keys = [this.key(userId, 'current'), this.key(userId, 'cooldown')];
    if (id !== null) keys.push(this.key(userId, 'challenge', id), this.key(userId, 'tries', id));
    await store.delete(...keys);
  }

  private digest(
    userId: string,
    id: string,
    binding: string,
    data: Readonly<Record<string, string>>,
    code: string,
  ): Buffer {
    // The binding and the data (e.g. the address being enrolled) are inside the MAC: a record
    // edited in the store to point at another login or address no longer matches any code.
    return this.hmac([userId, id, binding, JSON.stringify(Object.entries(data).sort()), code]);
  }

  private key(userId: string, ...parts: string[]): string {
    return storeKey(userId, this.config.namespace, ...parts);
  }
}

function parseRecord(raw: string): ChallengeRecord | undefined {
  try {
    const rec = JSON.parse(raw) as Partial<ChallengeRecord>;
    const ok =
      rec.v === 1 &&
      typeof rec.digest === 'string' &&
      typeof rec.binding === 'string' &&
      typeof rec.expiresAt === 'number' &&
      typeof rec.data === 'object' &&
      rec.data !== null;
    return ok ? (rec as ChallengeRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Validate `codeKey` (≥ 32 bytes; a string counts as its UTF-8 bytes) and copy it. */
export function toCodeKey(where: string, key: unknown): Buffer {
  return toKeyBytes(where, 'codeKey', key, 'a secret store');
}
