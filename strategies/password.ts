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
import type { StepupContext } from '../lib/core/context.js';
import type { FactorProof } from '../lib/core/login-flow.js';
import { StepupError } from '../lib/core/errors.js';
import { TOTP_CODE_CHECK } from '../lib/core/factor-keys.js';
import { isWellFormedText } from '../lib/core/unicode.js';
import { assertKnownKeys } from '../lib/core/validate.js';
import type { PasswordOptions, PasswordUser } from '../lib/password/options.js';
import { createPasswordThrottle, type PasswordThrottle } from '../lib/password/throttle.js';
import { RedisStore } from '../lib/stores/redis.js';

export type { PasswordOptions, PasswordUser } from '../lib/password/options.js';

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
      throw new TypeError(
        'password: findUser(username) is required and must return { id, passwordHash } or null',
      );
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
        (ctx.store instanceof RedisStore
          ? { kind: 'redis' as const, client: ctx.store.client }
          : { kind: 'memory' as const });
      throttle = createPasswordThrottle({ ...options.throttle, backend });
    }
    this.throttle = throttle;
  }
}

const SIX_DIGITS_AT_END = /[0-9]{6}$/;

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
  // A lone surrogate hashes as U+FFFD (two passwords would collide): 400 (lib/core/unicode.ts).
  if (!isWellFormedText(username) || !isWellFormedText(password))
    throw new StepupError('INVALID_REQUEST');
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
  // Equal work (docs/architecture.md, invariant 6; OWASP ASVS 5.0 V6.3.8): with appendedTotp, a
  // field that ends in six digits costs two hash verifications for every account (the field
  // without its last six characters, then the whole field), unknown users and users without
  // TOTP included, so that timing tells nobody who exists or who has TOTP.
  if (options.appendedTotp && SIX_DIGITS_AT_END.test(password)) {
    const combined = user
      ? await checkAppendedTotp(ctx, req, user, password)
      : await dummyVerify(password.slice(0, -6), params).then(() => 'not_combined' as const);
    if (combined === 'wrong_code') {
      await throttle?.recordFailure(username, ip);
      return undefined;
    }
    if (combined === 'ok') {
      ok = true;
      proof = { ...PROOF, alsoSecond: { factor: 'totp', amr: 'otp' } };
    }
  }
  if (!ok)
    ok = user
      ? await verifyPassword(user.passwordHash, password)
      : await dummyVerify(password, params);
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
  // The hash first, for every user: whether the account has TOTP is looked up only once the
  // password part is right, so the work before that is the same for every account.
  if (!(await verifyPassword(user.passwordHash, field.slice(0, -6)))) return 'not_combined';
  const totp = ctx.factor(TOTP_CODE_CHECK);
  if (user.locked === true || !totp || !(await totp.isEnrolled(user.id))) return 'not_combined';
  // The one attempt path of every second factor: lockout, failure count, `mfa.failed`
  // (NIST SP 800-63B-4 §3.2.2). A locked account answers like a wrong code: no hint which part.
  try {
    await ctx.attempts.attemptOrThrow(req, user.id, 'totp', () =>
      totp.verifyCurrent(req, user.id, field.slice(-6)),
    );
  } catch (err) {
    if (err instanceof StepupError) return 'wrong_code';
    throw err;
  }
  return 'ok';
}
