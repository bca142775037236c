/**
 * Throttling of password attempts (NIST SP 800-63B-4 §3.2.2 rate limiting; OWASP ASVS 5.0
 * V6.3.1 brute force and credential stuffing controls), on rate-limiter-flexible.
 *
 * Two counters, neither of them per username alone, so that an attacker who does not know the
 * password cannot lock the real user out from another address (docs/architecture.md "Factors"):
 * - per username + IP: 10 failures, then that pair is refused for 15 minutes; a success resets it;
 * - per IP: 100 failures a day, which bounds password spraying over many usernames.
 * IPv6 addresses count per /64 (one customer usually holds a whole /64), IPv4-mapped IPv6
 * (`::ffff:1.2.3.4`, what Express reports on a dual-stack socket) counts as the IPv4 address.
 *
 * `check()` reserves the attempt atomically (an INCR in Redis) before the password is verified.
 * A read-then-increment-after-failure design lets a burst of parallel requests all read "0
 * failures" and all be verified; reserving first closes that race. `recordSuccess()` hands the
 * reservation back (and resets the pair); a failure simply keeps it. Call `check()` once per
 * attempt, after input validation, before looking up the user.
 *
 * Fail closed: when the store cannot answer (Redis down, not yet connected, too slow), every
 * method rejects with `StepupError('SERVICE_UNAVAILABLE')` (503) instead of letting the attempt
 * through (docs/architecture.md, invariant 9).
 */
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { RedisClientLike } from '../stores/redis-client.js';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { StepupError } from '../core/errors.js';

/** One counter of the password throttle (rate-limiter-flexible's points, duration and block). */
export interface ThrottleLimit {
  /** Failures allowed in the window. */
  readonly points: number;
  /** Window in seconds, starting at the first failure. */
  readonly durationSec: number;
  /** Once exceeded, refuse for this many seconds (0: until the window ends). */
  readonly blockSec: number;
}

/** Where the throttle's counters live. */
export type PasswordThrottleBackend =
  | {
      /** In this process only. */
      readonly kind: 'memory';
    }
  | {
      /** In Redis, shared by every instance. */
      readonly kind: 'redis';
      /** A connected ioredis client or cluster (not `lazyConnect`: "not ready" fails closed). */
      readonly client: RedisClientLike;
      /** @default 'stepup:pw' */
      readonly prefix?: string;
    };

/** Options of `createPasswordThrottle` (and of `password.throttle`, where `backend` is optional). */
export interface PasswordThrottleOptions {
  /** `memory` counts per process: use `redis` as soon as more than one instance serves logins. */
  readonly backend: PasswordThrottleBackend;
  /** @default { points: 10, durationSec: 86400, blockSec: 900 } */
  readonly perUserIp?: ThrottleLimit;
  /** @default { points: 100, durationSec: 86400, blockSec: 0 } */
  readonly perIp?: ThrottleLimit;
  /** A store call slower than this fails closed. @default 2000 */
  readonly timeoutMs?: number;
}

/** The answer of `PasswordThrottle.check`. */
export type ThrottleDecision =
  | {
      /** Go on and verify the password; the attempt is already counted. */
      readonly allowed: true;
    }
  | {
      /** Refuse without verifying (429 `too_many_attempts`). */
      readonly allowed: false;
      /** Seconds until this username+IP or IP may try again. */
      readonly retryAfterSec: number;
    };

/**
 * Limits password guessing without letting an attacker lock the real user out: one counter per
 * username + IP (10 failures, then 15 minutes refused) and one per IP (100 failures a day,
 * against spraying many usernames), never one per username alone (NIST SP 800-63B-4 §3.2.2,
 * OWASP ASVS 5.0 V6.3.1). IPv6 counts per /64. Fails closed: a store that cannot answer
 * rejects with 503 instead of letting the attempt through. The `password` strategy and
 * passwordless passkey sign-in use one each; use it for a first factor of your own.
 */
export interface PasswordThrottle {
  /**
   * Reserves one attempt; refused with `retryAfterSec` when a limit is reached.
   * @throws {StepupError} `service_unavailable` (503) when the store cannot answer.
   */
  check(username: string, ip: string): Promise<ThrottleDecision>;
  /** The attempt failed: its reservation stays counted. */
  recordFailure(username: string, ip: string): Promise<void>;
  /** The password was right: resets the username+IP counter and returns the IP's reservation. */
  recordSuccess(username: string, ip: string): Promise<void>;
}

export const DEFAULT_PER_USER_IP: ThrottleLimit = Object.freeze({
  points: 10,
  durationSec: 86_400,
  blockSec: 900,
});
export const DEFAULT_PER_IP: ThrottleLimit = Object.freeze({
  points: 100,
  durationSec: 86_400,
  blockSec: 0,
});

function validateLimit(name: string, limit: ThrottleLimit): void {
  const atLeast = (v: number, min: number): boolean => Number.isSafeInteger(v) && v >= min;
  const ok =
    atLeast(limit.points, 1) && atLeast(limit.durationSec, 1) && atLeast(limit.blockSec, 0);
  if (!ok) {
    throw new TypeError(
      `createPasswordThrottle: ${name} needs integers points >= 1, durationSec >= 1 and ` +
        'blockSec >= 0, e.g. { points: 10, durationSec: 86400, blockSec: 900 }.',
    );
  }
}

/** The part of an address that identifies one client: IPv4 as is, IPv6 as its /64. */
export function ipBucket(ip: string): string {
  let s = ip.trim().toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (isIPv4(s)) return s;
  if (!isIPv6(s)) return s; // not an address (tests, unix sockets): hashed below like any other
  const [head = '', tail] = s.split('::');
  const toGroups = (part: string): string[] => {
    if (part === '') return [];
    const groups = part.split(':');
    const last = groups.at(-1) ?? '';
    if (!isIPv4(last)) return groups;
    const [a = 0, b = 0, c = 0, d = 0] = last.split('.').map(Number);
    return [...groups.slice(0, -1), ((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
  };
  const left = toGroups(head);
  const right = tail === undefined ? [] : toGroups(tail);
  const groups = [
    ...left,
    ...Array<string>(8 - left.length - right.length).fill('0'),
    ...right,
  ].map((g) => Number.parseInt(g, 16));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** NFKC + lowercase + trim, so `Alice`, ` alice` and `ａｌｉｃｅ` share one counter. */
function normaliseUsername(username: string): string {
  return username.normalize('NFKC').toLowerCase().trim();
}

/**
 * Keys are SHA-256 digests: the store never holds a raw username, and the key size is bounded
 * whatever the client sends. The digest is the Redis Cluster hash tag (`{…}`); every command
 * rate-limiter-flexible sends touches exactly one key (EVALSHA, MULTI on one key, DEL), so no
 * command crosses slots, and the keys still spread over the cluster instead of one hot slot.
 */
function digest(...parts: string[]): string {
  return `{${createHash('sha256').update(parts.join('\u0000')).digest('base64url')}}`;
}

function unavailable(cause: unknown): StepupError {
  const err = new StepupError('SERVICE_UNAVAILABLE');
  err.cause = cause;
  return err;
}

/**
 * A password throttle on the given backend.
 * @throws TypeError on a limit that is not whole numbers (`points` and `durationSec` at least 1),
 *   a `timeoutMs` below 1 or a backend without a client.
 */
export function createPasswordThrottle(options: PasswordThrottleOptions): PasswordThrottle {
  const perUserIp = options.perUserIp ?? DEFAULT_PER_USER_IP;
  const perIp = options.perIp ?? DEFAULT_PER_IP;
  validateLimit('perUserIp', perUserIp);
  validateLimit('perIp', perIp);
  const timeoutMs = options.timeoutMs ?? 2000;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
    throw new TypeError(
      'createPasswordThrottle: timeoutMs must be a positive integer (milliseconds).',
    );
  }

  const backend = options.backend;
  const make = (name: string, limit: ThrottleLimit): RateLimiterAbstract => {
    const common = {
      points: limit.points,
      duration: limit.durationSec,
      blockDuration: limit.blockSec,
    };
    if (backend.kind === 'memory') {
      return new RateLimiterMemory({ ...common, keyPrefix: `pw:${name}` });
    }
    if (backend.kind === 'redis') {
      if (backend.client === null || typeof backend.client !== 'object') {
        throw new TypeError(
          "createPasswordThrottle: backend 'redis' needs `client`, an ioredis Redis or Cluster.",
        );
      }
      return new RateLimiterRedis({
        ...common,
        storeClient: backend.client,
        keyPrefix: `${backend.prefix ?? 'stepup:pw'}:${name}`,
        // ioredis is not the `redis` package: RESP replies come as [err, value] pairs.
        useRedisPackage: false,
        // Fail closed and fast: with the client not "ready", refuse now rather than queue the
        // command in ioredis' offline queue for seconds. No insuranceLimiter: an in-memory
        // fallback would count per instance, i.e. let an attacker multiply the limit.
        rejectIfRedisNotReady: true,
      });
    }
    throw new TypeError("createPasswordThrottle: backend.kind must be 'memory' or 'redis'.");
  };
  const userIpLimiter = make('ui', perUserIp);
  const ipLimiter = make('ip', perIp);

  const withTimeout = async <T>(op: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`password throttle store timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([op, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  /** Consumes one point. A RateLimiterRes rejection is "over the limit"; others, store failure. */
  const reserve = async (limiter: RateLimiterAbstract, key: string): Promise<ThrottleDecision> => {
    try {
      await withTimeout(limiter.consume(key));
      return { allowed: true };
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        return { allowed: false, retryAfterSec: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) };
      }
      throw unavailable(err);
    }
  };

  const keys = (username: string, ip: string): { userIp: string; ip: string } => {
    if (typeof username !== 'string' || typeof ip !== 'string') {
      throw new TypeError('password throttle: username and ip must be strings.');
    }
    const bucket = ipBucket(ip);
    return {
      userIp: digest('user+ip', normaliseUsername(username), bucket),
      ip: digest('ip', bucket),
    };
  };

  return {
    async check(username, ip) {
      const k = keys(username, ip);
      const byIp = await reserve(ipLimiter, k.ip);
      if (!byIp.allowed) return byIp;
      const byUserIp = await reserve(userIpLimiter, k.userIp);
      if (!byUserIp.allowed) {
        // Refused, so no password was tried: hand the IP its point back. Otherwise a user who
        // keeps retrying a locked pair would also use up the budget of everyone behind the IP.
        await withTimeout(ipLimiter.reward(k.ip)).catch((err: unknown) => {
          throw unavailable(err);
        });
      }
      return byUserIp;
    },

    async recordFailure(username, ip) {
      // The failure was counted when check() reserved it; validate the inputs all the same.
      keys(username, ip);
    },

    async recordSuccess(username, ip) {
      const k = keys(username, ip);
      try {
        await withTimeout(Promise.all([userIpLimiter.delete(k.userIp), ipLimiter.reward(k.ip)]));
      } catch (err) {
        throw unavailable(err);
      }
    },
  };
}
