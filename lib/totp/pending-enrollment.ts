/**
 * A TOTP enrolment waiting for its confirming code. The new secret stays in the short-lived
 * store (sealed; ciphertext only) until a code of it arrives: an authenticator becomes a
 * credential only once the user proved their app holds the secret, so a mistyped scan never
 * locks anyone out.
 */
import type { Request } from 'express';
import type { CodeCheck } from '../core/attempts.js';
import type { StepupContext } from '../core/context.js';
import { storeKey } from '../stores/types.js';
import type { TotpSecrets } from './totp-secrets.js';
import { codeAlreadyUsed, isWellFormedCode, TOTP_DEFAULTS, verifyTotp } from './totp-core.js';
import type { TotpWindow } from './totp-core.js';

/** What the store holds for a pending enrolment. */
interface PendingRecord {
  readonly secret: string;
  readonly createdAt: number;
  /** Keep the user's other authenticators on confirm. */
  readonly add: boolean;
}

/**
 * Keep the last accepted step a little longer than the ±1 step window, so that any code
 * still inside the window is compared against it (RFC 6238 §5.2: accept an OTP once).
 */
const STEP_TTL_MS = 10 * 60 * 1000;

export class PendingEnrollments {
  constructor(
    private readonly ctx: StepupContext,
    private readonly secrets: TotpSecrets,
    private readonly ttlMs: number,
    private readonly window: TotpWindow,
  ) {}

  /** Keep `secret` aside for `userId`, replacing any enrolment already pending. */
  async put(userId: string, secret: string, add: boolean): Promise<void> {
    const record: PendingRecord = {
      secret: this.secrets.seal(userId, secret),
      createdAt: this.ctx.now(),
      add,
    };
    await this.ctx.store.set(pendingKey(userId), JSON.stringify(record), this.ttlMs);
  }

  /** The pending secret in clear and its `add` flag; undefined when none is pending. */
  async get(userId: string): Promise<{ secret: string; add: boolean } | undefined> {
    const raw = await this.ctx.store.get(pendingKey(userId));
    if (raw === null) return undefined;
    const record = JSON.parse(raw) as PendingRecord;
    return { secret: this.secrets.open(userId, record.secret), add: record.add };
  }

  /**
   * Check a code of the pending secret and consume its step. The pending secret has its own step
   * counter in the short-lived store: a code of the old authenticator used a moment ago (to prove
   * freshness) must not block the first code of the new one.
   */
  async check(
    req: Request,
    userId: string,
    secret: string,
    code: string,
  ): Promise<number | CodeCheck> {
    const wrong: CodeCheck = { ok: false, error: 'INVALID_CODE' };
    if (!isWellFormedCode(code, TOTP_DEFAULTS.digits)) return wrong;
    const now = this.ctx.now();
    const result = await verifyTotp({ secret, code, now, window: this.window });
    if (!result.valid) return wrong;
    if (!(await this.ctx.store.advance(pendingStepKey(userId), result.timeStep, STEP_TTL_MS))) {
      this.ctx.events.emitFor(req, 'totp.replay', { userId });
      return codeAlreadyUsed(result.timeStep, now);
    }
    return result.timeStep;
  }

  /** take() makes confirmation single use even when two confirms race. */
  async take(userId: string): Promise<boolean> {
    return (await this.ctx.store.take(pendingKey(userId))) !== null;
  }

  async clear(userId: string): Promise<void> {
    await this.ctx.store.delete(pendingKey(userId), pendingStepKey(userId));
  }
}

function pendingKey(userId: string): string {
  return storeKey(userId, 'totp', 'pending');
}
function pendingStepKey(userId: string): string {
  return storeKey(userId, 'totp', 'pending-step');
}
