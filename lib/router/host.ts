/**
 * What the router's own routes (login, verify, session, logout, admin) need beyond a feature's
 * `FactorHost`. The composition root (lib/create-stepup.ts) builds it; the routes never see the
 * `Stepup` facade (docs/architecture.md, "Layers").
 */
import type { Request } from 'express';
import type { FactorHost, SecondFactor } from '../core/context.js';
import type { StepupEvents } from '../core/events.js';
import type { BearerTokens } from '../bearer-tokens/service.js';
import type { PasswordReset } from '../password-reset/service.js';
import type { RememberedBrowsers } from '../remember-browser/service.js';
import type { ActiveSessions } from '../sessions/service.js';

/** What the router needs beyond a feature's `FactorHost`; the composition root builds it. */
export interface RouterHost extends FactorHost {
  readonly factors: ReadonlyMap<string, SecondFactor>;
  readonly events: StepupEvents;
  readonly rememberedBrowsers: RememberedBrowsers | undefined;
  /** The user's active sessions (list, end). */
  readonly sessions: ActiveSessions;
  /** "Forgot password", when `createStepup({ passwordReset })` configured it. */
  readonly passwordReset: PasswordReset | undefined;
  /** Bearer tokens, when `createStepup({ bearerTokens })` turned them on. */
  readonly bearerTokens: BearerTokens | undefined;
  adminReset(req: Request | undefined, userId: string, adminId?: string): Promise<void>;
}
