/**
 * How the SQL credential store turns driver failures into answers. Three outcomes only:
 * - a duplicate explicit id → `CredentialConflictError` (a caller bug, not an outage);
 * - a deadlock or serialisation failure → retried: the transaction was rolled back whole, so
 *   running it again is safe, and two users regenerating codes at once must both succeed;
 * - anything else (refused, reset, timeout, missing table, closed pool) →
 *   `CredentialStoreUnavailableError`, so that callers fail closed with a 503 (OWASP ASVS 5.0
 *   V16.5.3: fail securely). Driver messages can quote values (pg's "Key (user_id, digest)=…"),
 *   so they stay in `cause` and never reach `message`.
 */
import { CredentialConflictError, CredentialStoreUnavailableError } from './types.js';
import { MalformedRowError } from './sql-read.js';

/** A driver package that is not installed (an optional peer dependency). */
export class DriverMissingError extends Error {
  override readonly name = 'DriverMissingError';
}

/** The store's own deadline passed before the backend answered. */
class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

type Kind = 'conflict' | 'retry' | 'unavailable';

function codesOf(err: unknown): { code: unknown; errno: unknown; message: string } {
  if (typeof err !== 'object' || err === null)
    return { code: undefined, errno: undefined, message: '' };
  const e = err as { code?: unknown; errno?: unknown; message?: unknown };
  return { code: e.code, errno: e.errno, message: typeof e.message === 'string' ? e.message : '' };
}

function classify(err: unknown): Kind {
  const { code, errno } = codesOf(err);
  // pg: SQLSTATE; mysql2: server errno; better-sqlite3: extended result code names.
  if (code === '23505' || errno === 1062) return 'conflict';
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return 'conflict';
  }
  if (code === '40P01' || code === '40001' || errno === 1213) return 'retry';
  return 'unavailable';
}

function isMissingTable(err: unknown): boolean {
  const { code, errno, message } = codesOf(err);
  return code === '42P01' || errno === 1146 || /no such table/i.test(message);
}

function unavailable(op: string, err: unknown): CredentialStoreUnavailableError {
  let detail = '';
  if (err instanceof DriverMissingError) detail = `: ${err.message}`;
  else if (err instanceof DeadlineError) detail = ': no answer in time';
  else if (err instanceof MalformedRowError) detail = ': a stored row cannot be read';
  else if (isMissingTable(err)) detail = ': its tables do not exist (call migrate() first)';
  return new CredentialStoreUnavailableError(
    `The credential store is unavailable (${op})${detail}`,
    { cause: err },
  );
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`no answer within ${ms} ms`)), ms);
  });
  // race() subscribes to `work`, so a late rejection of it is handled, not "unhandled".
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

const MAX_ATTEMPTS = 4;

/**
 * How much longer than the server-side timeouts (`queryTimeoutMs`) the client waits. The
 * server's own timeout rolls the statement back, so when it fires first a rejected call has had
 * no effect. Only a lost network answer leaves the outcome unknown.
 */
export const ANSWER_GRACE_MS = 1000;

/**
 * Run one store operation: bounded by `timeoutMs` in total (retries included), so that a hung
 * server costs callers at most that long, whatever the driver's own timeouts are. Work still in
 * flight after the deadline may finish later (as with any lost answer); it can only ever have
 * consumed something, never granted anything, because the caller already saw a rejection.
 */
export async function runOperation<T>(
  op: string,
  timeoutMs: number,
  work: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await withDeadline(work(), Math.max(1, timeoutMs - (Date.now() - started)));
    } catch (err) {
      const kind = classify(err);
      if (kind === 'conflict') throw new CredentialConflictError(undefined, { cause: err });
      const left = timeoutMs - (Date.now() - started);
      if (kind === 'retry' && attempt < MAX_ATTEMPTS && left > 50) {
        // Jitter so that the transactions that deadlocked do not collide again in lockstep.
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
        continue;
      }
      throw unavailable(op, err);
    }
  }
}
