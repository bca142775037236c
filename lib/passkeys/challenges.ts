/**
 * WebAuthn challenges in the short-lived store. Each one is:
 * - random, 32 bytes from the CSPRNG (W3C WebAuthn L3 §13.4.3 asks for at least 16);
 * - bound to the session that asked for it: the key is derived from the session id, so a
 *   challenge obtained in one browser is never found from another (a phishing page cannot
 *   hand its victim a challenge it fetched itself);
 * - bound to a purpose (register, second factor, passwordless) and, except for passwordless,
 *   to a user;
 * - single use: read and deleted in one atomic step (`take`), so an assertion replayed, or
 *   raced from two tabs, finds nothing the second time (§13.4.3: "prevent replay attacks");
 * - short lived: five minutes by default, enforced both by the store's TTL and by its own
 *   timestamp (a store restored from a backup cannot revive an old one).
 * The session id itself is never written to the store, only a digest of it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import type { StepupContext } from '../core/context.js';
import { StepupError } from '../core/errors.js';
import { sessionIdOf } from '../core/session-state.js';
import { globalKey } from '../stores/types.js';

export type ChallengePurpose = 'register' | 'mfa' | 'login';

export interface ChallengeRecord {
  readonly challenge: string;
  readonly purpose: ChallengePurpose;
  /** The user it was issued for; null for a passwordless sign-in (no user yet). */
  readonly userId: string | null;
  readonly createdAt: number;
  /** Registration only: the WebAuthn user handle the new credential is made for. */
  readonly userHandle?: string;
}

function boundSessionId(req: Request): string {
  const id: unknown = sessionIdOf(req);
  if (typeof id !== 'string' || id === '') {
    // Without a session there is nothing to bind the challenge to: refuse, never unbound.
    throw new StepupError('AUTHENTICATION_REQUIRED', { reason: 'not_authenticated' });
  }
  return id;
}

function keyFor(req: Request, purpose: ChallengePurpose): string {
  const digest = createHash('sha256').update(boundSessionId(req), 'utf8').digest('base64url');
  return globalKey('passkey-challenge', `${purpose}:${digest}`);
}

/** A new challenge for this session and purpose; it replaces the session's previous one. */
export async function issueChallenge(
  ctx: StepupContext,
  ttlMs: number,
  req: Request,
  purpose: ChallengePurpose,
  userId: string | null,
  extra: { readonly userHandle?: string } = {},
): Promise<ChallengeRecord> {
  const record: ChallengeRecord = {
    challenge: randomBytes(32).toString('base64url'),
    purpose,
    userId,
    createdAt: ctx.now(),
    ...extra,
  };
  await ctx.store.set(keyFor(req, purpose), JSON.stringify(record), ttlMs);
  return record;
}

/**
 * Take this session's challenge of `purpose` (it is gone afterwards, whatever the outcome), or
 * undefined when there is none, it expired, or it belongs to another user.
 */
export async function takeChallenge(
  ctx: StepupContext,
  ttlMs: number,
  req: Request,
  purpose: ChallengePurpose,
  userId: string | null,
): Promise<ChallengeRecord | undefined> {
  const raw = await ctx.store.take(keyFor(req, purpose));
  if (raw === null) return undefined;
  let record: ChallengeRecord;
  try {
    record = JSON.parse(raw) as ChallengeRecord;
  } catch {
    return undefined;
  }
  if (record.purpose !== purpose || typeof record.challenge !== 'string') return undefined;
  if (userId !== null && record.userId !== userId) return undefined;
  if (!(ctx.now() - record.createdAt < ttlMs)) return undefined;
  return record;
}
