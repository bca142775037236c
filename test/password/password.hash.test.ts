// Attack: a stolen password table is cracked offline, a 1 MB "password" ties up the hashing
// threads, or the login's answer time tells which usernames exist. argon2id with OWASP
// parameters, a byte cap and a dummy verify for unknown users stop each of these.
import { hash as argonHash, hashSync } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ARGON2_PARAMS,
  MAX_PASSWORD_BYTES,
  dummyVerify,
  hashPassword,
  needsRehash,
  verifyPassword,
} from '../../lib/password/hash.js';

const PASSWORD = 'correct horse battery staple';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

describe('hashPassword / verifyPassword', () => {
  it('makes an argon2id PHC string with the OWASP parameters m=19456, t=2, p=1', async () => {
    expect(DEFAULT_ARGON2_PARAMS).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    expect(Object.isFrozen(DEFAULT_ARGON2_PARAMS)).toBe(true);
    const hash = await hashPassword(PASSWORD);
    const [empty, algorithm, version, params, salt, tag] = hash.split('$');
    expect([empty, algorithm, version]).toEqual(['', 'argon2id', 'v=19']);
    expect(params).toBe('m=19456,t=2,p=1');
    expect(salt).toMatch(/^[A-Za-z0-9+/]{22}$/); // 16 bytes
    expect(tag).toMatch(/^[A-Za-z0-9+/]{43}$/); // 32 bytes
    expect(hash).not.toContain(PASSWORD);
  });

  it('salts: the same password hashes differently twice', async () => {
    const [a, b] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD)]);
    expect(a).not.toBe(b);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword(PASSWORD);
    expect(await verifyPassword(hash, PASSWORD)).toBe(true);
    expect(await verifyPassword(hash, `${PASSWORD}!`)).toBe(false);
    expect(await verifyPassword(hash, PASSWORD.toUpperCase())).toBe(false); // no case folding
    expect(await verifyPassword(hash, PASSWORD.slice(0, 8))).toBe(false); // no truncation
  });

  it('normalises Unicode (NFKC): a composed and a decomposed accent are one password', async () => {
    const composed = 'caf\u00e9 au lait tous les jours';
    const decomposed = 'cafe\u0301 au lait tous les jours';
    const hash = await hashPassword(composed);
    expect(await verifyPassword(hash, decomposed)).toBe(true);
  });

  it('returns false for malformed or empty stored hashes, never throws', async () => {
    const good = await hashPassword(PASSWORD);
    const malformed = [
      '',
      'plaintext',
      '$argon2id$',
      '$argon2id$v=19$m=19456,t=2,p=1$',
      good.slice(0, -10),
      good.replace('m=19456', 'm=abc'),
      '$2b$10$abcdefghijklmnopqrstuuQ3I8rJmX3Q2y9e2m5lS9G7pJ8c1ZkKi', // bcrypt
      null as unknown as string,
      42 as unknown as string,
    ];
    for (const hash of malformed) {
      await expect(verifyPassword(hash, PASSWORD)).resolves.toBe(false);
    }
    await expect(verifyPassword(good, undefined as unknown as string)).resolves.toBe(false);
  });

  it('refuses a 1 MB password: verify is false and fast, hashPassword throws', async () => {
    const hash = await hashPassword(PASSWORD);
    const huge = 'a'.repeat(1024 * 1024);
    const started = performance.now();
    expect(await verifyPassword(hash, huge)).toBe(false);
    expect(await dummyVerify(huge)).toBe(false);
    expect(performance.now() - started).toBeLessThan(50);
    await expect(hashPassword(huge)).rejects.toThrow(TypeError);
    // The cap counts UTF-8 bytes: 300 three-byte characters are 900 bytes (ok), 400 are 1200.
    expect(MAX_PASSWORD_BYTES).toBe(1024);
    await expect(hashPassword('€'.repeat(400))).rejects.toThrow(TypeError);
    const cheap = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
    const ok = await hashPassword('€'.repeat(300), cheap);
    expect(await verifyPassword(ok, '€'.repeat(300))).toBe(true);
  });

  it('rejects invalid parameters with a TypeError', async () => {
    const noMemory = { memoryCost: 0, timeCost: 2, parallelism: 1 };
    const fractional = { memoryCost: 19456, timeCost: 1.5, parallelism: 1 };
    await expect(hashPassword(PASSWORD, noMemory)).rejects.toThrow(TypeError);
    await expect(hashPassword(PASSWORD, fractional)).rejects.toThrow(TypeError);
    await expect(hashPassword(42 as unknown as string)).rejects.toThrow(TypeError);
  });
});

describe('needsRehash', () => {
  it('is false for a hash made with the configured parameters, or stronger ones', async () => {
    expect(needsRehash(await hashPassword(PASSWORD))).toBe(false);
    const stronger = await argonHash(PASSWORD, { memoryCost: 32768, timeCost: 3, parallelism: 2 });
    expect(needsRehash(stronger)).toBe(false);
  });

  it('is true when any parameter is weaker than configured', async () => {
    const weakT = await argonHash(PASSWORD, { memoryCost: 19456, timeCost: 1, parallelism: 1 });
    const weakM = await argonHash(PASSWORD, { memoryCost: 4096, timeCost: 2, parallelism: 1 });
    expect(needsRehash(weakT)).toBe(true);
    expect(needsRehash(weakM)).toBe(true);
    // Stronger memory does not make up for fewer passes: rehash to the configured shape.
    const mixed = await argonHash(PASSWORD, { memoryCost: 65536, timeCost: 1, parallelism: 1 });
    expect(needsRehash(mixed)).toBe(true);
    // Raising the configured parameters flags yesterday's hashes.
    const current = await hashPassword(PASSWORD);
    expect(needsRehash(current, { memoryCost: 47104, timeCost: 2, parallelism: 1 })).toBe(true);
    expect(needsRehash(current, { memoryCost: 19456, timeCost: 3, parallelism: 1 })).toBe(true);
  });

  it('is true for another algorithm or version, or an unparseable string', () => {
    const salt = 'c29tZXNhbHRzb21lc2FsdA';
    const tag = 'a'.repeat(43);
    expect(needsRehash(`$argon2i$v=19$m=19456,t=2,p=1$${salt}$${tag}`)).toBe(true);
    expect(needsRehash(`$argon2d$v=19$m=19456,t=2,p=1$${salt}$${tag}`)).toBe(true);
    expect(needsRehash(`$argon2id$v=16$m=19456,t=2,p=1$${salt}$${tag}`)).toBe(true);
    expect(needsRehash(`$argon2id$m=19456,t=2,p=1$${salt}$${tag}`)).toBe(true); // no v= means 0x10
    expect(needsRehash(`$argon2id$v=19$m=19456,t=2,p=1$${salt}$${tag}`)).toBe(false);
    expect(needsRehash(`$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$${tag}`)).toBe(true); // 4-byte salt
    expect(needsRehash('$2b$12$abcdefghijklmnopqrstuv')).toBe(true);
    expect(needsRehash('')).toBe(true);
  });
});

describe('the event loop keeps turning while hashing', () => {
  type Probe = { ticks: number; maxGap: number; ms: number };
  async function ticksDuring(work: () => Promise<unknown> | unknown): Promise<Probe> {
    let ticks = 0;
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 2);
    // Let the interval start before the work begins.
    await new Promise((resolve) => setTimeout(resolve, 10));
    ticks = 0;
    maxGap = 0;
    last = performance.now();
    const started = performance.now();
    await work();
    const ms = performance.now() - started;
    clearInterval(timer);
    return { ticks, maxGap, ms };
  }

  it('runs 4 parallel hashes off the loop (control: hashSync blocks it)', async () => {
    // Control: the synchronous API freezes the loop, so the probe can see a block.
    const blocked = await ticksDuring(() => {
      for (let i = 0; i < 4; i++) hashSync(PASSWORD, DEFAULT_ARGON2_PARAMS);
    });
    expect(blocked.ticks).toBe(0);

    const four = () => Promise.all([1, 2, 3, 4].map(() => hashPassword(PASSWORD)));
    const free = await ticksDuring(four);
    expect(free.ticks).toBeGreaterThanOrEqual(3);
    // No single pause close to the whole duration (a blocking hash would be one long gap).
    expect(free.maxGap).toBeLessThan(Math.max(free.ms / 2, 25));
  });
});

describe('dummyVerify (unknown users)', () => {
  it('always answers false', async () => {
    expect(await dummyVerify(PASSWORD)).toBe(false);
    expect(await dummyVerify('')).toBe(false);
  });

  it('costs a wrong-password verify: medians of 50 interleaved samples within 30%', async () => {
    const hash = await hashPassword(PASSWORD);
    await dummyVerify('warm-up'); // creates the dummy hash once
    await verifyPassword(hash, 'warm-up');
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 50; i++) {
      // Alternate which one goes first so drift in machine load hits both sides alike.
      const order = i % 2 === 0 ? ['u', 'w'] : ['w', 'u'];
      for (const which of order) {
        const started = performance.now();
        if (which === 'u') await dummyVerify(`guess-${i}`);
        else await verifyPassword(hash, `guess-${i}`);
        (which === 'u' ? unknown : wrong).push(performance.now() - started);
      }
    }
    const mu = median(unknown);
    const mw = median(wrong);
    expect(Math.abs(mu - mw) / mw).toBeLessThan(0.3);
  });

  it('the first call (which creates the dummy hash) is not cheaper than a verify', async () => {
    const params = { memoryCost: 8192, timeCost: 3, parallelism: 1 } as const;
    const hash = await hashPassword(PASSWORD, params);
    const t0 = performance.now();
    await dummyVerify(PASSWORD, params);
    const first = performance.now() - t0;
    const verifies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t1 = performance.now();
      await verifyPassword(hash, 'wrong');
      verifies.push(performance.now() - t1);
    }
    // A single sample, so compare with the fastest verify: it may be slower, never much faster.
    expect(first).toBeGreaterThan(Math.min(...verifies) * 0.5);
  });
});
