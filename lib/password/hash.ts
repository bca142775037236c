/**
 * Password hashing with argon2id (@node-rs/argon2).
 *
 * Why argon2id with these numbers: OWASP Password Storage Cheat Sheet ("Argon2id with a minimum
 * configuration of 19 MiB of memory, an iteration count of 2, and 1 degree of parallelism") and
 * OWASP ASVS 5.0 V11.4.2 (passwords stored with an approved, memory-hard, salted KDF).
 * NIST SP 800-63B-4 §3.1.1.2 asks for a salted, costly one-way function, and for Unicode
 * passwords to be normalised (NFKC or NFKD) before hashing: we apply NFKC in hash and verify,
 * so "é" typed as one code point or as "e" + combining accent is the same password. Nothing
 * else is changed: no truncation, no case folding (OWASP ASVS 5.0 V6.2.8).
 *
 * Every hash and verify uses the async API, which runs on the libuv thread pool, so the event
 * loop keeps serving requests while a hash is computed (one hash takes ~10-50 ms of CPU).
 * Because that pool is shared with fs, dns.lookup and zlib, and the CPU with the event loop, at
 * most `min(pool size, cores) - 1` argon2 jobs (at least one) run at once: a login flood then queues here instead of starving DNS lookups (Redis reconnects,
 * SMTP) behind argon2 jobs.
 */
import { hash as argonHash, verify as argonVerify } from '@node-rs/argon2';
import type { Algorithm } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';

/**
 * argon2id cost parameters. The defaults are the first option of the OWASP Password Storage
 * Cheat Sheet; raising them costs CPU and memory on every login, so measure before you do.
 */
export interface Argon2Params {
  /** Memory in KiB (`m=` in the PHC string). @default 19456 */
  readonly memoryCost: number;
  /** Passes over memory (`t=`). @default 2 */
  readonly timeCost: number;
  /** Lanes (`p=`). @default 1 */
  readonly parallelism: number;
}

/** OWASP Password Storage Cheat Sheet, argon2id first option: m=19 MiB, t=2, p=1. */
export const DEFAULT_ARGON2_PARAMS: Readonly<Argon2Params> = Object.freeze({
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
});

/**
 * Hard cap on the UTF-8 size of a password (after NFKC) that we agree to hash. The policy allows
 * 128 code points (at most 512 bytes); anything bigger is refused before it reaches argon2 so a
 * 1 MB "password" cannot make the server pre-hash megabytes per request. We never truncate
 * (OWASP ASVS 5.0 V6.2.8: verify the password exactly as received); we refuse.
 */
export const MAX_PASSWORD_BYTES = 1024;

/*
 * `Algorithm` is an ambient `const enum` in @node-rs/argon2's typings and its runtime object is
 * empty, so `Algorithm.Argon2id` is both a compile error under isolatedModules and `undefined`
 * at runtime. 2 is Argon2id in the native binding (and its default): we pass it explicitly.
 */
const ARGON2ID = 2 as Algorithm;
/** Our hashes always carry a 16-byte salt and a 32-byte tag; shorter stored ones get rehashed. */
const MIN_SALT_BYTES = 16;
const MIN_TAG_BYTES = 32;

function checkParams(params: Argon2Params): void {
  for (const key of ['memoryCost', 'timeCost', 'parallelism'] as const) {
    const v = params[key];
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new TypeError(`argon2 ${key} must be a positive integer, got ${String(v)}.`);
    }
  }
  if (params.memoryCost < 8 * params.parallelism) {
    throw new TypeError('argon2 memoryCost must be at least 8 KiB per lane (8 * parallelism).');
  }
}

/** NFKC, then the byte cap. Returns null when the input cannot be a password we would hash. */
function prepare(password: unknown): string | null {
  if (typeof password !== 'string') return null;
  // Cheap pre-check before normalising: each UTF-16 unit is at least one UTF-8 byte.
  if (password.length > MAX_PASSWORD_BYTES) return null;
  const normalised = password.normalize('NFKC');
  return Buffer.byteLength(normalised, 'utf8') > MAX_PASSWORD_BYTES ? null : normalised;
}

// --- a small semaphore in front of the libuv pool --------------------------------------------
const poolSize = Number.parseInt(process.env['UV_THREADPOOL_SIZE'] ?? '', 10) || 4;
// Also leave one core to the event loop: with 4 argon2 jobs on 2 cores, every guarded request
// waits for CPU behind the hashes (bench: p99 of requireMfa 2.35× worse under 16 logins; with
// one job at a time 1.3×). Logins queue instead, which is where the wait belongs.
const maxConcurrent = Math.max(1, Math.min(poolSize - 1, availableParallelism() - 1));
let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(job: () => Promise<T>): Promise<T> {
  // A finishing job hands its slot straight to the next waiter, so `running` never overshoots.
  if (running >= maxConcurrent) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await job();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/**
 * Hashes a password as a PHC string `$argon2id$v=19$m=…,t=…,p=…$salt$hash` (random 16-byte salt).
 * @throws {TypeError} when the password is not a string or exceeds MAX_PASSWORD_BYTES.
 */
export async function hashPassword(
  password: string,
  params: Argon2Params = DEFAULT_ARGON2_PARAMS,
): Promise<string> {
  checkParams(params);
  const prepared = prepare(password);
  if (prepared === null) {
    throw new TypeError(
      typeof password === 'string'
        ? `Password exceeds ${MAX_PASSWORD_BYTES} bytes (UTF-8); ` +
            'check new passwords with checkPasswordPolicy() first.'
        : 'Password must be a string.',
    );
  }
  const { memoryCost, timeCost, parallelism } = params;
  const options = { algorithm: ARGON2ID, memoryCost, timeCost, parallelism };
  return limited(() => argonHash(prepared, options));
}

/**
 * True when `password` matches `hash`. Never throws: a malformed or empty stored hash, a
 * non-string or an oversized password all give false (the caller answers "invalid credentials").
 */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const prepared = prepare(password);
  if (prepared === null || typeof hash !== 'string' || !hash.startsWith('$argon2')) return false;
  try {
    return await limited(() => argonVerify(hash, prepared));
  } catch {
    return false;
  }
}

interface ParsedHash {
  readonly algorithm: string;
  readonly version: number;
  readonly m: number;
  readonly t: number;
  readonly p: number;
  readonly saltBytes: number;
  readonly tagBytes: number;
}

// PHC string format: $<id>[$v=<version>]$<param>=<value>(,<param>=<value>)*$<salt>$<hash>
const PHC =
  /^\$(argon2(?:id|i|d))(?:\$v=(\d{1,3}))?\$([a-z0-9=,]+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function parsePhc(hash: string): ParsedHash | null {
  const match = PHC.exec(hash);
  if (!match) return null;
  const [, algorithm = '', version = '16', paramText = '', salt = '', tag = ''] = match;
  const values = new Map<string, number>();
  for (const pair of paramText.split(',')) {
    const [key, value] = pair.split('=');
    if (key === undefined || value === undefined || !/^\d{1,10}$/.test(value)) return null;
    values.set(key, Number(value));
  }
  const m = values.get('m');
  const t = values.get('t');
  const p = values.get('p');
  if (m === undefined || t === undefined || p === undefined) return null;
  const b64Bytes = (s: string): number => Math.floor((s.length * 3) / 4);
  return {
    algorithm,
    version: Number(version),
    m,
    t,
    p,
    saltBytes: b64Bytes(salt),
    tagBytes: b64Bytes(tag),
  };
}

/**
 * True when the stored hash should be replaced at the next successful login: not argon2id, not
 * version 0x13 (19), any of m/t/p below the configured value, a short salt or tag, or a string
 * we cannot parse. Stronger stored parameters are kept (never downgrade a hash).
 */
export function needsRehash(hash: string, params: Argon2Params = DEFAULT_ARGON2_PARAMS): boolean {
  if (typeof hash !== 'string') return true;
  const parsed = parsePhc(hash);
  if (!parsed) return true;
  return (
    parsed.algorithm !== 'argon2id' ||
    parsed.version !== 19 ||
    parsed.m < params.memoryCost ||
    parsed.t < params.timeCost ||
    parsed.p < params.parallelism ||
    parsed.saltBytes < MIN_SALT_BYTES ||
    parsed.tagBytes < MIN_TAG_BYTES
  );
}

// --- unknown users ----------------------------------------------------------------------------
const dummyHashes = new Map<string, Promise<string>>();

/**
 * Spends the time of a wrong-password verify and returns false. Call it when the username does
 * not exist, so that the answer time does not reveal which accounts exist (OWASP ASVS 5.0 V6.3.8,
 * NIST SP 800-63B-4 §3.2.2 on resisting online guessing; invariant 6 (docs/architecture.md)).
 *
 * The dummy hash (a random secret, same params) is made once per parameter set, lazily. The call
 * that creates it spends one hash instead of one verify (the same cost); calls arriving while it
 * is being made wait for it and then verify, so no call is cheaper than a real verify.
 */
export async function dummyVerify(
  password: string,
  params: Argon2Params = DEFAULT_ARGON2_PARAMS,
): Promise<false> {
  // Mirror verifyPassword: an unusable password costs nothing for known users either.
  if (prepare(password) === null) return false;
  const key = `${params.memoryCost},${params.timeCost},${params.parallelism}`;
  const existing = dummyHashes.get(key);
  if (existing === undefined) {
    const created = hashPassword(randomBytes(32).toString('base64url'), params);
    dummyHashes.set(key, created);
    // A failed creation must not poison later calls.
    created.catch(() => dummyHashes.delete(key));
    await created;
    return false;
  }
  await verifyPassword(await existing, password);
  return false;
}
