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
} from '../lib/password/hash.js';
import { StepupError } from '../lib/core/errors.js';
import type { FactorProof, StepupContext } from '../lib/core/factor-strategy.js';
import { assertKnownKeys } from '../lib/options.js';
import { createPasswordThrottle, type PasswordThrottle, type PasswordThrottleOptions } from '../lib/password/throttle.js';
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
  /**
   * Password and TOTP in one field, for clients with a single password prompt (CLI, RADIUS-style
   * forms): for a user with TOTP, `password + "123456"` signs in and satisfies MFA in one
   * request. Replay and lockout rules apply as for any TOTP. @default false
   */
  readonly appendedTotp?: boolean;
}

const KNOWN = new Set(['findUser', 'onRehash', 'params', 'throttle', 'appendedTotp']);

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
        (found) =>
          found
            ? done(null, found.user, { stepup: found.proof } as unknown as { message: string })
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
): Promise<{ user: Omit<PasswordUser, 'passwordHash'>; proof: FactorProof } | undefined> {
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
  let proof = PROOF;
  let ok = false;
  if (user && options.appendedTotp) {
    const combined = await checkAppendedTotp(ctx, req, user, password);
    if (combined === 'wrong_code') {
      await throttle?.recordFailure(username, ip);
      return undefined;
    }
    if (combined === 'ok') {
      ok = true;
      proof = { ...PROOF, alsoSecond: { factor: 'totp', amr: 'otp' } };
    }
  }
  if (!ok) ok = user ? await verifyPassword(user.passwordHash, password) : await dummyVerify(password, params);
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
  return { user: rest, proof };
}

/**
 * For a user with TOTP, try `password = secret + 6 digits`. `ok`: both parts right;
 * `wrong_code`: the password part is right but the code is not (answered like a wrong password:
 * no hint which part failed); `not_combined`: fall back to the whole field as the password.
 */
async function checkAppendedTotp(
  ctx: StepupContext,
  req: Request,
  user: PasswordUser,
  field: string,
): Promise<'ok' | 'wrong_code' | 'not_combined'> {
  const totp = ctx.factor('totp') as
    | { isEnrolled(id: string): Promise<boolean>; verifyCurrent(r: Request, id: string, c: string): Promise<boolean> }
    | undefined;
  if (!totp || !/[0-9]{6}$/.test(field) || !(await totp.isEnrolled(user.id))) return 'not_combined';
  if (user.locked === true || !(await verifyPassword(user.passwordHash, field.slice(0, -6)))) return 'not_combined';
  // The lockout counter and replay rules are the TOTP factor's own (NIST SP 800-63B-4 §3.2.2).
  try {
    await ctx.attempts.assertNotLocked(user.id);
  } catch {
    return 'wrong_code';
  }
  if (!(await totp.verifyCurrent(req, user.id, field.slice(-6)))) {
    await ctx.attempts.recordFailure(req, user.id, 'totp');
    return 'wrong_code';
  }
  await ctx.attempts.reset(user.id);
  return 'ok';
}

/** `createStepup({ password: { findUser } })` builds and registers this for you. */
export function passwordStrategy(ctx: StepupContext, options: PasswordOptions): PasswordStrategy {
  return new PasswordStrategy(ctx, options);
}
