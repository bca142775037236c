/**
 * The example app's settings, read from the environment once at start. Every setting has an
 * embedded default so that `npm run example` works on a fresh clone with nothing configured;
 * the defaults that would be unsafe in production say so in `warnings`.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the demo keeps its enrolled factors when DATABASE_URL is not set (git-ignored). */
export const DEFAULT_DATABASE_PATH = join(
  dirname(fileURLToPath(import.meta.url)),
  '.data',
  'demo.sqlite',
);

/**
 * The demo's fixed master key, used only outside production when MFA_ENCRYPTION_KEY is not set:
 * with a random key, the TOTP secrets in the demo database could not be decrypted after a
 * restart (the user would stay enrolled but every code would fail, docs/architecture.md,
 * invariant 13). It is public, so it protects nothing: production refuses to start without a key.
 */
const DEMO_MASTER_KEY = Buffer.from('passport-stepup demo key, public'.padEnd(32, '.'));

export interface ExampleEnv {
  readonly PORT?: string;
  readonly NODE_ENV?: string;
  /** `redis://…`: sessions (connect-redis) and the MFA store move to Redis. */
  readonly REDIS_URL?: string;
  /**
   * Where enrolled factors live: `sqlite:<path>`, `postgres://…` or `mysql://…`.
   * @default `sqlite:example-app/.data/demo.sqlite`
   */
  readonly DATABASE_URL?: string;
  /** `smtp://user:pass@host:port`: mail goes to SMTP instead of the development outbox. */
  readonly SMTP_URL?: string;
  /** Signs the session cookie. @default random per start (sessions end at restart) */
  readonly SESSION_SECRET?: string;
  /**
   * 32 bytes (base64 or hex). The TOTP encryption key, the recovery-code and email-code HMAC
   * keys and the remembered-browser key are derived from it. @default the demo's public key
   * (development only)
   */
  readonly MFA_ENCRYPTION_KEY?: string;
  /** The passkeys' relying party id (a domain, no scheme). @default `localhost` */
  readonly PASSKEY_RP_ID?: string;
  /**
   * Comma-separated origins the passkey ceremonies may come from.
   * @default `http://localhost:<PORT>`
   */
  readonly PASSKEY_ORIGINS?: string;
  /** Where the app is reached, for the links in mail (password reset). @default `http://localhost:<PORT>` */
  readonly BASE_URL?: string;
}

export interface ExampleConfig {
  readonly port: number;
  readonly production: boolean;
  readonly redisUrl: string | undefined;
  /** The credential store's URL (sqlCredentialStore). */
  readonly databaseUrl: string;
  readonly smtpUrl: string | undefined;
  /** The origin the reset links in mail point to (no trailing slash). */
  readonly baseUrl: string;
  readonly sessionSecret: string;
  /** Keys for the factors, each derived from MFA_ENCRYPTION_KEY for one purpose only. */
  readonly keys: {
    readonly totp: Buffer;
    readonly recovery: Buffer;
    readonly emailCode: Buffer;
    readonly rememberBrowser: Buffer;
    readonly resetToken: Buffer;
  };
  /** Passkeys: the RP ID and the origins the browser may run the ceremonies on. */
  readonly passkeys: { readonly rpId: string; readonly origins: readonly string[] };
  /** What the start-up log should warn about (generated keys and the like). */
  readonly warnings: readonly string[];
}

/** Read the environment. Throws a message that says how to fix a bad value. */
export function readConfig(env: ExampleEnv): ExampleConfig {
  const warnings: string[] = [];
  const production = env.NODE_ENV === 'production';

  const port = env.PORT === undefined || env.PORT === '' ? 3000 : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`PORT must be a port number (0-65535), got ${JSON.stringify(env.PORT)}`);
  }

  let sessionSecret = env.SESSION_SECRET ?? '';
  if (sessionSecret === '') {
    if (production)
      throw new TypeError(
        'SESSION_SECRET is required with NODE_ENV=production (32+ random characters).',
      );
    sessionSecret = randomBytes(32).toString('base64url');
    warnings.push(
      'SESSION_SECRET is not set: using a random one; sessions end when the app restarts.',
    );
  } else if (sessionSecret.length < 32) {
    throw new TypeError(
      'SESSION_SECRET must be at least 32 characters (try `openssl rand -base64 32`).',
    );
  }

  let master: Buffer;
  if (env.MFA_ENCRYPTION_KEY === undefined || env.MFA_ENCRYPTION_KEY === '') {
    if (production)
      throw new TypeError(
        'MFA_ENCRYPTION_KEY is required with NODE_ENV=production (`openssl rand -base64 32`).',
      );
    master = DEMO_MASTER_KEY;
    warnings.push(
      "MFA_ENCRYPTION_KEY is not set: using the demo's public key (fine for a demo on your " +
        'machine, never for real users; production requires the variable).',
    );
  } else {
    master = decodeKey(env.MFA_ENCRYPTION_KEY);
  }

  const redisUrl = nonEmpty(env.REDIS_URL);
  const smtpUrl = nonEmpty(env.SMTP_URL);
  const databaseUrl = nonEmpty(env.DATABASE_URL);
  if (production && !databaseUrl)
    throw new TypeError(
      'DATABASE_URL is required with NODE_ENV=production (postgres://user@host/db, mysql://… or sqlite:<path>).',
    );
  if (production && !redisUrl)
    warnings.push('REDIS_URL is not set: sessions and MFA state live in this process only.');

  // WebAuthn needs a domain (not an IP address): open the demo on http://localhost:<port>.
  const passkeys = {
    rpId: nonEmpty(env.PASSKEY_RP_ID) ?? 'localhost',
    origins: (nonEmpty(env.PASSKEY_ORIGINS) ?? `http://localhost:${port}`)
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o !== ''),
  };

  return {
    port,
    production,
    passkeys,
    redisUrl,
    databaseUrl: databaseUrl ?? `sqlite:${DEFAULT_DATABASE_PATH}`,
    smtpUrl,
    baseUrl: (nonEmpty(env.BASE_URL) ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    sessionSecret,
    keys: {
      totp: derive(master, 'totp-encryption'),
      recovery: derive(master, 'recovery-code-hmac'),
      emailCode: derive(master, 'email-code-hmac'),
      rememberBrowser: derive(master, 'remember-browser'),
      resetToken: derive(master, 'password-reset-token'),
    },
    warnings,
  };
}

/**
 * One secret in the environment, one key per purpose (HKDF-SHA-256, RFC 5869): a key that leaks
 * through one use (say, a log of the remember cookie's signer) tells nothing about the others.
 */
function derive(master: Buffer, purpose: string): Buffer {
  return Buffer.from(
    hkdfSync('sha256', master, Buffer.alloc(0), `passport-stepup example: ${purpose}`, 32),
  );
}

function decodeKey(text: string): Buffer {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (bytes.length !== 32) {
    throw new TypeError(
      `MFA_ENCRYPTION_KEY must be 32 bytes in base64 or hex (\`openssl rand -base64 32\`), got ${bytes.length} bytes.`,
    );
  }
  return bytes;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
