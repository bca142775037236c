/**
 * The Lua scripts of the Redis store. Each check-and-consume that needs two steps runs as one
 * script, so a code is accepted once even across app instances (docs/architecture.md,
 * invariant 1).
 */
import type { RedisClientLike, RedisCommands } from './redis-client.js';

// Lua runs atomically on the server: no other client sees the state between the two steps.
export const SCRIPTS = {
  // Fixed window: the TTL is set when the counter is born and never extended, so a locked-out
  // attacker cannot keep a victim locked forever by trickling failures (ASVS 5.0 V6.3.1).
  stepupIncrement: `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`,
  // Compare-and-set upward: "last accepted TOTP step" only moves forward, so a code is
  // accepted once (NIST SP 800-63B-4 §3.1.4.2, RFC 6238 §5.2), even across app instances.
  stepupAdvance: `local cur = tonumber(redis.call('GET', KEYS[1]))
if cur and cur >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`,
  // HSET + PEXPIRE together: a crash between them must not leave a hash that never expires.
  stepupHashSetEx: `redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`,
} as const;

export interface ScriptCommands {
  stepupIncrement(key: string, ttlMs: number): Promise<number>;
  stepupAdvance(key: string, value: string, ttlMs: number): Promise<number>;
  stepupHashSetEx(key: string, field: string, value: string, ttlMs: number): Promise<number>;
}

/** Register the scripts (`defineCommand`: EVALSHA with an EVAL fallback, on a Cluster too). */
export function defineScripts(client: RedisClientLike): void {
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    client.defineCommand(name, { lua, numberOfKeys: 1 });
  }
}

export function scripts(client: RedisCommands): ScriptCommands {
  return client as unknown as ScriptCommands;
}

/** Validate a TTL: a NaN or negative TTL must not silently mean "forever". PX needs integers. */
export function ms(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be > 0, got ${ttlMs}`);
  }
  return Math.ceil(ttlMs);
}
