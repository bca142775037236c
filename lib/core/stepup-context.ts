/**
 * The `StepupContext` every factor and service gets (docs/architecture.md, "Layers"): the
 * stores, the clock, the events and the lockout, plus the credential and login epochs and the
 * security notices. Built once by the composition root.
 */
import { randomInt } from 'node:crypto';
import type { Request } from 'express';
import { lookupFactor, type Notifier, type SecondFactor, type StepupContext } from './context.js';
import type { Subject } from './login-flow.js';
import { SessionIndex } from './session-index.js';
import { readRecord } from './session-state.js';
import { storeKey } from '../stores/types.js';
import { endBearerTokens } from './bearer-cache.js';
import { StepupError } from './errors.js';
import type { MfaView } from './types.js';

/** Epoch counters are in effect permanent (see credentialsChanged). */
const EPOCH_TTL_MS = 100 * 365 * 24 * 3600 * 1000;

/**
 * Where a login epoch starts: a random 47-bit whole number, so that one lost with the MfaStore
 * and started again does not meet a value an older login recorded (2^-47 per pair), and a
 * century of increments stays a safe integer.
 */
function randomEpoch(): string {
  return String(randomInt(1, 2 ** 47));
}

/** What `createContext` is built from: the context's own parts, and what it wraps. */
export interface ContextParts extends Pick<
  StepupContext,
  'store' | 'credentials' | 'log' | 'now' | 'events' | 'attempts' | 'options'
> {
  readonly factors: Map<string, SecondFactor>;
  readonly notify: Notifier | undefined;
  readonly mfaOf: (req: Request) => MfaView;
}

export function createContext(parts: ContextParts): StepupContext {
  const { store, events, now, factors, mfaOf, notify } = parts;
  const epochKey = (userId: string) => storeKey(userId, 'credential-epoch');
  const loginEpochKey = (userId: string) => storeKey(userId, 'login-epoch');
  return {
    store,
    credentials: parts.credentials,
    log: parts.log,
    now,
    events,
    attempts: parts.attempts,
    sessions: new SessionIndex(store),
    options: parts.options,
    async credentialsChanged(req, userId, reason) {
      // The counter's TTL is fixed when it is born (increment() never extends it). Should it
      // expire, it would restart at 0 and a later bump would reach a value an old, revoked
      // remembered browser carries, trusting it again. So the TTL is ~100 years: in effect none.
      await store.increment(epochKey(userId), EPOCH_TTL_MS);
      if (
        reason === 'password_changed' ||
        reason === 'password_reset' ||
        reason === 'admin_reset'
      ) {
        // Started at a random value when missing (lost with a flushed store): a count from 1
        // could meet the value an older, voided login recorded.
        await store.setIfAbsent(loginEpochKey(userId), randomEpoch(), EPOCH_TTL_MS);
        await store.increment(loginEpochKey(userId), EPOCH_TTL_MS);
      }
      events.emitFor(req, 'credentials.changed', { userId, reason });
      const ended = await endTokens(parts, userId, reason);
      if (ended > 0) events.emitFor(req, 'token.revoked', { userId, ended, reason });
    },
    factors,
    factor: (key) => lookupFactor(factors, key),
    async loginEpoch(userId) {
      return parseLoginEpoch(await store.get(loginEpochKey(userId)));
    },
    async startLoginEpoch(userId) {
      // One read on every sign-in; the start (and a second read, as another request may have
      // started it first) only when the store holds none.
      const key = loginEpochKey(userId);
      const current = parseLoginEpoch(await store.get(key));
      if (current !== null) return current;
      await store.setIfAbsent(key, randomEpoch(), EPOCH_TTL_MS);
      return parseEpoch(await store.get(key));
    },
    loginEpochKey,
    async credentialEpoch(userId) {
      return parseEpoch(await store.get(epochKey(userId)));
    },
    async notify(req, userId, kind, data = {}) {
      if (!notify) return;
      try {
        await notify({
          userId,
          kind,
          time: now(),
          data,
          ...(req?.ip ? { ip: req.ip } : {}),
          ...(req?.get('user-agent') ? { userAgent: req.get('user-agent')?.slice(0, 256) } : {}),
        });
      } catch (err) {
        // A mail outage must not undo a security action that already happened; it is reported.
        events.emitFor(req, 'notify.failed', {
          userId,
          kind,
          reason: err instanceof Error ? err.name : 'error',
        });
      }
    },
    subjectOf(req: Request): Subject | undefined {
      const view = mfaOf(req);
      // A bearer token never steps a session up (docs/architecture.md, invariant 22).
      if (view.bearer) throw new StepupError('INTERACTIVE_SESSION_REQUIRED');
      if (view.status === 'anonymous' || view.userId === undefined) return undefined;
      const record = readRecord(req);
      return {
        userId: view.userId,
        status: view.status,
        ...(view.status === 'pending' && record?.loginId ? { loginId: record.loginId } : {}),
      };
    },
  };
}

/** The credential type of a `<type>_removed` reason → the factor whose tokens end with it. */
const FACTOR_OF_REMOVAL: Readonly<Record<string, string>> = {
  totp_disabled: 'totp',
  email_otp_disabled: 'email-otp',
  totp_removed: 'totp',
  email_removed: 'email-otp',
  passkey_removed: 'passkey',
  'recovery-codes_removed': 'recovery-code',
};

/**
 * Every way out of an account ends its bearer tokens (docs/architecture.md, invariant 22; OWASP
 * ASVS 5.0 V7.4.3): a password change or reset and an admin reset end them all; removing a
 * factor ends the tokens minted with it. A recovery code used at sign-in ends none (it adds a
 * sign-in; the remembered browsers it ends are the ones a lost device may hold).
 */
async function endTokens(
  parts: Pick<ContextParts, 'store' | 'credentials' | 'now'>,
  userId: string,
  reason: string,
): Promise<number> {
  const { store, credentials, now } = parts;
  if (reason === 'password_changed' || reason === 'password_reset' || reason === 'admin_reset') {
    return endBearerTokens(store, credentials, userId, now());
  }
  const factor = FACTOR_OF_REMOVAL[reason];
  if (factor === undefined) return 0;
  // Removing the last strong factor drops the recovery codes with it (they back it up): the
  // tokens minted with a recovery code end then too.
  const codesGone = (await credentials.list(userId, 'recovery-codes')).length === 0;
  return endBearerTokens(
    store,
    credentials,
    userId,
    now(),
    (t) => t.factors.includes(factor) || (codesGone && t.factors.includes('recovery-code')),
  );
}

/** An epoch counter's stored value (absent: 0). */
export function parseEpoch(raw: string | null | undefined): number {
  return Number.parseInt(raw ?? '0', 10) || 0;
}

/**
 * A login epoch's stored value; `null` when the MfaStore holds none (never started, or lost),
 * which voids every login that recorded one (`StepupContext.loginEpoch`).
 */
export function parseLoginEpoch(raw: string | null | undefined): number | null {
  return raw === null || raw === undefined ? null : parseEpoch(raw);
}

/** The user's id when the app gives no `getUserId`: `user.id`, a non-empty string or a finite number. */
export function defaultGetUserId(user: unknown): string {
  const id = (user as { id?: unknown } | null | undefined)?.id;
  if (typeof id === 'string' && id.length > 0) return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  throw new TypeError(
    'passport-stepup: the user has no usable `id`; pass getUserId to createStepup',
  );
}
