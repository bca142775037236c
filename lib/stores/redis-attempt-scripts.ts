/**
 * The two Lua scripts of the second-factor attempt state (docs/architecture.md, invariant 19).
 * Reserving before the comparison is what makes the limit hold under parallel requests: the
 * old read-compare-count sequence let 256 of 300 parallel guesses be compared, because every
 * request read "9 failures" before any of them counted. In one script no other client sees the
 * state between the check and the count, across every app instance.
 */
import type { RedisClientLike, RedisCommands } from './redis-client.js';
import type {
  AttemptKeys,
  AttemptReservation,
  AttemptSettlement,
  ReserveAttemptSpec,
} from './attempt-types.js';

// KEYS: counter, lock, streak, then the keys to read. ARGV: limit, cap, windowMs, streakTtlMs,
// inFlightMs. A value that is not a number fails closed (treated as the cap or the limit).
const RESERVE = `local function reply(kind, a, b)
  local out = {kind, a, b}
  for i = 4, #KEYS do out[#out + 1] = redis.call('GET', KEYS[i]) end
  return out
end
local limit, cap = tonumber(ARGV[1]), tonumber(ARGV[2])
local lockTtl = redis.call('PTTL', KEYS[2])
if lockTtl ~= -2 then return reply('locked', lockTtl, 0) end
local streak = redis.call('GET', KEYS[3])
if not streak then return reply('unseeded', 0, 0) end
streak = tonumber(streak) or cap
if streak >= cap then return reply('suspended', streak, 0) end
local n = tonumber(redis.call('GET', KEYS[1]) or '0') or limit
if n >= limit then return reply('full', n, 0) end
n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
if n >= limit then
  local t = redis.call('PTTL', KEYS[1])
  if t < 0 or t > tonumber(ARGV[5]) then redis.call('PEXPIRE', KEYS[1], ARGV[5]) end
end
streak = redis.call('INCR', KEYS[3])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return reply('reserved', n, streak)`;

// KEYS: counter, lock, streak. ARGV: kind, then success: streakTtlMs; lock: limit, until, lockMs.
const SETTLE = `local kind = ARGV[1]
if kind == 'success' then
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('SET', KEYS[3], '0', 'PX', ARGV[2])
  return 1
end
if kind == 'release' then
  local n = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
  if n > 1 then redis.call('DECR', KEYS[1]) elseif n == 1 then redis.call('DEL', KEYS[1]) end
  if (tonumber(redis.call('GET', KEYS[3]) or '0') or 0) > 0 then redis.call('DECR', KEYS[3]) end
  return 1
end
if (tonumber(redis.call('GET', KEYS[1]) or '0') or 0) < tonumber(ARGV[2]) then return 0 end
if not redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4], 'NX') then return 0 end
redis.call('DEL', KEYS[1])
return 1`;

interface AttemptScriptCommands {
  stepupReserveAttempt(numKeys: number, ...args: string[]): Promise<unknown[]>;
  stepupSettleAttempt(numKeys: number, ...args: string[]): Promise<number>;
}

/** Register both scripts; the key count varies with `read`, so it is passed on each call. */
export function defineAttemptScripts(client: RedisClientLike): void {
  client.defineCommand('stepupReserveAttempt', { lua: RESERVE });
  client.defineCommand('stepupSettleAttempt', { lua: SETTLE });
}

const whole = (n: number): string => String(Math.ceil(n));

/** Run the reservation; `k` adds the store's prefix to a key. */
export async function reserveAttempt(
  client: RedisCommands,
  k: (key: string) => string,
  spec: ReserveAttemptSpec,
): Promise<AttemptReservation> {
  const read = spec.read ?? [];
  const keys = [spec.counter, spec.lock, spec.streak, ...read].map(k);
  const args = [spec.limit, spec.cap, spec.windowMs, spec.streakTtlMs, spec.inFlightMs].map(whole);
  const reply = await (client as unknown as AttemptScriptCommands).stepupReserveAttempt(
    keys.length,
    ...keys,
    ...args,
  );
  const [kind, a, b, ...rest] = reply;
  const values = rest.map((v) => (typeof v === 'string' ? v : null));
  switch (kind) {
    case 'reserved':
      return { outcome: 'reserved', count: Number(a), streak: Number(b), values };
    case 'locked':
      return { outcome: 'locked', lockTtlMs: Math.max(1, Number(a)), values };
    case 'full':
      return { outcome: 'full', values };
    case 'suspended':
      return { outcome: 'suspended', streak: Number(a), values };
    case 'unseeded':
      return { outcome: 'unseeded', values };
    default:
      throw new Error(`stepupReserveAttempt: unexpected reply ${String(kind)}`);
  }
}

/** Run the settlement. */
export async function settleAttempt(
  client: RedisCommands,
  k: (key: string) => string,
  keys: AttemptKeys,
  settlement: AttemptSettlement,
): Promise<boolean> {
  const names = [keys.counter, keys.lock, keys.streak].map(k);
  const args =
    settlement.kind === 'success'
      ? ['success', whole(settlement.streakTtlMs)]
      : settlement.kind === 'release'
        ? ['release']
        : ['lock', whole(settlement.limit), whole(settlement.until), whole(settlement.lockMs)];
  const reply = await (client as unknown as AttemptScriptCommands).stepupSettleAttempt(
    3,
    ...names,
    ...args,
  );
  return reply === 1;
}
