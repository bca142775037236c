import type { Request } from 'express';
import { Strategy as LocalStrategy } from 'passport-local';
import {
  DEFAULT_ARGON2_PARAMS,
  dummyVerify,
  hashPassword,
  MAX_PASSWORD_BYTES,
  needsRehash,
  verifyPassword,
  type Argon2Params,
} from '../lib/crypto/password-hash.js';
import { StepupError } from '../lib/errors.js';
import type { FactorProof, StepupContext } from '../lib/factor-strategy.js';
import { assertKnownKeys } from '../lib/options.js';
import { createPasswordThrottle, type PasswordThrottle, type PasswordThrottleOptions } from '../lib/password-throttle.js';
import { RedisStore } from '../lib/stores/redis.js';

/** What the app returns for a username: the id, the stored hash, and anything else it likes. */
export interface PasswordUser {
  readonly id: string;
  readonly passwordHash: string;
  /** A disabled account answers exactly like a wrong password (no enumeration). */
  readonly locked?: boolean;
  readonly [extra: string]: unknown;
}

export interface PasswordOptions {
  /** Find a user by username; null when there is none. A Promise is fine. */
  readonly findUser: (username: string) => PasswordUser | null | undefined | Promise<PasswordUser | null | undefined>;
  /** Store a new hash when the stored one uses weaker parameters than `params`. */
  readonly onRehash?: (userId: string, newHash: string) => void | Promise<void>;
  /** argon2id parameters. @default OWASP: m=19456 KiB, t=2, p=1 */
  readonly params?: Argon2Params;
  /**
   * Failed-login limits (rate-limiter-flexible). The backend follows the MFA store (Redis when
   * the store is a RedisStore) unless given. `false` turns throttling off (tests only).
   */
  readonly throttle?: Partial<PasswordThrottleOptions> | false;
}

const KNOWN = new Set(['findUser', 'onRehash', 'params', 'throttle']);

/** Passport's "info" for a success: `stepUp()` records a first factor with amr `pwd`. */
const PROOF: FactorProof = Object.freeze({ kind: 'first', factor: 'password', amr: 'pwd' });

/**
 * The `password` first factor, built on passport-local.
 *
 * - argon2id with the OWASP parameters, on the libuv thread pool (never the event loop).
 * - Unknown user, wrong password and locked account cost one verify each and answer the same
 *   `invalid_credentials` (NIST SP 800-63B-4 §3.1.1.2 / ASVS 5.0 V6.3.8: no enumeration).
 * - Throttling per username+IP and per IP, never per username alone, so an attacker without
 *   the password cannot lock the real user out from elsewhere (ASVS 5.0 V6.3.1).
 */
export class PasswordStrategy extends LocalStrategy {
  private readonly throttle: PasswordThrottle | undefined;

  constructor(ctx: StepupContext, options: PasswordOptions) {
    assertKnownKeys('password', options, KNOWN);
    if (typeof options.findUser !== 'function') {
      throw new TypeError('password: findUser(username) is required and must return { id, passwordHash } or null');
    }
    const params = options.params ?? DEFAULT_ARGON2_PARAMS;
    let throttle: PasswordThrottle | undefined;
    super({ passReqToCallback: true }, (req: Request, username: string, password: string, done) => {
      verify(ctx, options, params, throttle, req, username, password).then(
        (user) =>
          user
            ? done(null, user, { stepup: PROOF } as unknown as { message: string })
            : done(null, false, new StepupError('INVALID_CREDENTIALS')),
        (err: unknown) => (err instanceof StepupError ? done(null, false, err) : done(err)),
      );
    });
    this.name = 'password';
    if (options.throttle !== false) {
      const backend =
        options.throttle?.backend ??
        (ctx.store instanceof RedisStore ? { kind: 'redis' as const, client: ctx.store.client } : { kind: 'memory' as const });
      throttle = createPasswordThrottle({ ...options.throttle, backend });
    }
    this.throttle = throttle;
  }
}

async function verify(
  ctx: StepupContext,
  options: PasswordOptions,
  params: Argon2Params,
  throttle: PasswordThrottle | undefined,
  req: Request,
  username: string,
  password: string,
): Promise<Omit<PasswordUser, 'passwordHash'> | undefined> {
  if (typeof username !== 'string' || typeof password !== 'string') {
    throw new StepupError('INVALID_REQUEST', {}, 'The username and password must be strings.');
  }
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES || username.length > 256) {
    throw new StepupError('INVALID_REQUEST', {}, 'The username or password is too long.');
  }
  const ip = req.ip ?? 'unknown';
  if (throttle) {
    const decision = await throttle.check(username, ip);
    if (!decision.allowed) {
      ctx.events.emitFor(req, 'login.throttled', { retryAfter: decision.retryAfterSec });
      throw new StepupError('TOO_MANY_ATTEMPTS', { retryAfter: decision.retryAfterSec });
    }
  }
  const user = await options.findUser(username);
  const ok = user ? await verifyPassword(user.passwordHash, password) : await dummyVerify(password, params);
  if (!user || !ok || user.locked === true) {
    await throttle?.recordFailure(username, ip);
    return undefined;
  }
  await throttle?.recordSuccess(username, ip);
  if (options.onRehash && needsRehash(user.passwordHash, params)) {
    try {
      await options.onRehash(user.id, await hashPassword(password, params));
      ctx.events.emitFor(req, 'password.rehashed', { userId: user.id });
    } catch {
      // The login itself succeeded; a failed rehash is retried at the next login.
      ctx.events.emitFor(req, 'password.rehash_failed', { userId: user.id });
    }
  }
  // The hash never travels further than this function: not into req.user, not into a session.
  const { passwordHash: _omit, ...rest } = user;
  return rest;
}

/** `createStepup({ password: { findUser } })` builds and registers this for you. */
export function passwordStrategy(ctx: StepupContext, options: PasswordOptions): PasswordStrategy {
  return new PasswordStrategy(ctx, options);
}
