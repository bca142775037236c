/**
 * The login-time policy of `Elevation` (lib/step-up/elevation.ts): after a first factor, does
 * this login need a second one? The app's adaptive `when` rule, then the login hooks
 * (remembered browsers), then required mode's grace period for users without a factor.
 */
import type { Request } from 'express';
import type { StepupContext } from '../core/context.js';
import type { LoginHook } from '../core/login-flow.js';
import type { SessionMfaRecord } from '../core/types.js';
import { storeKey } from '../stores/types.js';
import { DEVICE_REGISTRY, type DeviceRegistry, type WhenRule } from './when-rules.js';

/** Everything `Elevation` is configured with, once, by `createStepup`. */
export interface ElevationConfig {
  /** Login-time rules (remembered browsers), consulted in order after the app's `when`. */
  readonly loginHooks?: readonly LoginHook[];
  /** The app's adaptive rule (`createStepup({ when })`). */
  readonly when?: WhenRule | undefined;
  /** Required mode's grace period (`createStepup({ grace })`). */
  readonly grace?: GraceOptions | undefined;
  /** Where `newDevice()` finds this browser's past second factors (lib/step-up/when-rules.ts). */
  readonly devices?: DeviceRegistry | undefined;
}

/** Required mode's grace period: a number of logins, a date, or both (whichever ends first). */
export interface GraceOptions {
  /** Logins without a second factor the user still gets; counted per user in the MfaStore. */
  readonly logins?: number;
  /** ms since epoch. */
  readonly until?: number;
}

const GRACE_COUNTER_TTL_MS = 400 * 24 * 3600 * 1000;

export class LoginPolicy {
  private readonly loginHooks: readonly LoginHook[];
  private readonly when: WhenRule | undefined;
  private readonly grace: GraceOptions | undefined;
  private readonly devices: DeviceRegistry | undefined;

  constructor(
    private readonly ctx: StepupContext,
    config: ElevationConfig,
  ) {
    this.loginHooks = [...(config.loginHooks ?? [])];
    this.when = config.when;
    this.grace = config.grace;
    this.devices = config.devices;
  }

  /**
   * What the login-time policy says. An adaptive `require` beats a remembered browser (a risky
   * login must show a real factor); then the hooks (remembered browser); then `skip`.
   */
  async decide(req: Request, userId: string, user: unknown) {
    (req as unknown as Record<symbol, unknown>)[DEVICE_REGISTRY] = this.devices && {
      registry: this.devices,
      userId,
    };
    const verdict = this.when ? await this.when(req, user) : 'default';
    if (verdict === 'require') return 'require' as const;
    for (const hook of this.loginHooks) {
      const answer = await hook(req, userId, user);
      if (answer !== 'default') return answer;
    }
    return verdict;
  }

  /** Required mode, no factor yet: is this login still inside the grace period? */
  async graceFor(userId: string): Promise<SessionMfaRecord['enrollmentGrace']> {
    const grace = this.grace;
    if (!grace) return undefined;
    const now = this.ctx.now();
    if (grace.until !== undefined && now >= grace.until) return undefined;
    let loginsLeft: number | undefined;
    if (grace.logins !== undefined) {
      const used = await this.ctx.store.increment(
        storeKey(userId, 'grace-logins'),
        GRACE_COUNTER_TTL_MS,
      );
      if (used > grace.logins) return undefined;
      loginsLeft = grace.logins - used;
    }
    return {
      ...(loginsLeft !== undefined ? { loginsLeft } : {}),
      ...(grace.until !== undefined ? { until: grace.until } : {}),
    };
  }
}
