/**
 * The password-reset feature as one object per `createStepup`: its options, its tokens, and
 * what it needs of the password feature (given by the composition root as a structural type,
 * since a feature never imports another; docs/architecture.md, "Layers"). The public functions
 * (`requestPasswordReset(stepup, req, …)`, `resetPassword(stepup, req, …)`) find it through the
 * host the app's `Stepup` carries.
 */
import type { Request } from 'express';
import { hostOf, type FactorHost, type Hosted } from '../core/context.js';
import type { ResetAccount, ResolvedPasswordReset } from './options.js';
import { ResetTokens } from './tokens.js';

/** What the reset needs of the password feature (lib/password/): the same rules as a change. */
export interface NewPasswords {
  /** The password policy; throws 400 `invalid_request` with `reasons`. No side effect. */
  check(newPassword: unknown, account: Pick<ResetAccount, 'username' | 'email'>): void;
  /** A new argon2id hash of an accepted password. */
  hash(newPassword: string): Promise<string>;
  /** End every session of the user but the request's own; how many. */
  endSessions(req: Request, userId: string): Promise<number>;
}

export class PasswordReset {
  readonly tokens: ResetTokens;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    readonly host: FactorHost,
    readonly options: ResolvedPasswordReset,
    readonly passwords: NewPasswords,
  ) {
    this.tokens = new ResetTokens(host.context, options.key, options.ttlMs);
  }

  /** Work done after the answer (issuing and mailing a link), so that timing tells nothing. */
  track(work: Promise<void>): void {
    const p = work.finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Resolves when every link being sent has been sent or has failed (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}

const registry = new WeakMap<FactorHost, PasswordReset>();

/** Called by the composition root once the feature is built. @internal */
export function attachPasswordReset(host: FactorHost, reset: PasswordReset): void {
  registry.set(host, reset);
}

/** The feature of an app's `Stepup`; a TypeError when `passwordReset` was not configured. */
export function passwordResetOf(stepup: Hosted): PasswordReset {
  const reset = registry.get(hostOf(stepup));
  if (!reset) {
    throw new TypeError(
      'passport-stepup: password reset is not configured: pass createStepup({ passwordReset: ' +
        '{ mailer, findAccount, setPasswordHash, resetUrl } })',
    );
  }
  return reset;
}
