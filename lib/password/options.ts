/**
 * Options of the built-in `password` first factor (`createStepup({ password })`), apart from
 * the strategy so that `lib/options.ts` can name them without importing strategies/.
 */
import type { Argon2Params } from './hash.js';
import type { PasswordThrottleOptions } from './throttle.js';

/** What the app returns for a username: the id, the stored hash, and anything else it likes. */
export interface PasswordUser {
  /** The user id the session will carry (what `getUserId` returns for this user). */
  readonly id: string;
  /** The stored argon2id PHC string (`$argon2id$v=19$m=…`), as `hashPassword` made it. */
  readonly passwordHash: string;
  /** A disabled account answers exactly like a wrong password (no enumeration). */
  readonly locked?: boolean;
  readonly [extra: string]: unknown;
}

/**
 * `createStepup({ password })`: the built-in `password` strategy. Unknown users, wrong
 * passwords and locked accounts answer alike, in the same time (a dummy hash is verified for
 * unknown users), so that a login does not tell which accounts exist (OWASP ASVS 5.0 V6.3.8).
 */
export interface PasswordOptions {
  /** Find a user by username; null when there is none. A Promise is fine. */
  readonly findUser: (
    username: string,
  ) => PasswordUser | null | undefined | Promise<PasswordUser | null | undefined>;
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
