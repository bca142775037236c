import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import type { PassportLike } from './passport-glue.js';
import { StepupError } from './errors.js';
import type { FactorProof, SecondFactorStrategy, StepupContext } from './factor-strategy.js';
import { deserializeUser, logIn, serializeUser } from './passport-glue.js';
import { readRecord, regenerateSession, saveSession, writeRecord } from './session-state.js';
import type { Amr, SecondFactorName, SessionMfaRecord } from './types.js';

/** What a login or verify request achieved (DESIGN §4 `status`). */
export type ElevationOutcome =
  | { readonly status: 'authenticated'; readonly amr: readonly Amr[] }
  | {
      readonly status: 'mfa_required';
      readonly factors: readonly SecondFactorName[];
      readonly expiresIn: number;
    }
  | { readonly status: 'enrollment_required'; readonly expiresIn: number };

/**
 * A login-time rule consulted after the first factor, in order; the first answer other than
 * `default` wins. `remembered`: a remembered browser vouches (AAL1, amr `rb`); `skip`: no second
 * factor this time; `require`: a second factor (or enrolment) even in optional mode.
 */
export type LoginHook = (
  req: Request,
  userId: string,
  user: unknown,
) => Promise<'remembered' | 'skip' | 'require' | 'default'> | 'remembered' | 'skip' | 'require' | 'default';

/**
 * The one place that decides what a session now is (DESIGN §1). Every transition regenerates
 * the session id so that an id fixed or observed before the change is worthless afterwards
 * (OWASP ASVS 5.0 V7.2.4, NIST SP 800-63B-4 §5.1).
 */
export class Elevation {
  constructor(
    private readonly ctx: StepupContext,
    private readonly passport: PassportLike,
    private readonly factors: ReadonlyMap<string, SecondFactorStrategy>,
  ) {}

  private readonly loginHooks: LoginHook[] = [];

  /** Add a login-time rule (remembered browsers and adaptive rules use this). */
  addLoginHook(hook: LoginHook): void {
    this.loginHooks.push(hook);
  }

  private async loginDecision(req: Request, userId: string, user: unknown) {
    for (const hook of this.loginHooks) {
      const answer = await hook(req, userId, user);
      if (answer !== 'default') return answer;
    }
    return 'default' as const;
  }

  /** The registered factors this user has enrolled, in registration order. */
  async enrolledFactors(userId: string): Promise<SecondFactorName[]> {
    const out: SecondFactorName[] = [];
    for (const factor of this.factors.values()) {
      if (await factor.isEnrolled(userId)) out.push(factor.name);
    }
    return out;
  }

  /** After the first factor (password): pending, or logged in when no second factor applies. */
  async firstFactor(req: Request, user: unknown, proof: FactorProof): Promise<ElevationOutcome> {
    const { options, now, events } = this.ctx;
    const userId = options.getUserId(user);
    const enrolled = await this.enrolledFactors(userId);
    const authTime = now();
    events.emitFor(req, 'login.first_factor', { userId, factor: proof.factor });
    const decision = await this.loginDecision(req, userId, user);

    if (decision === 'remembered' && enrolled.length > 0) {
      // NIST SP 800-63B-4 §5.1.1: a remembered browser is worth AAL1 only. The session is
      // satisfied for routes that accept it, but carries no `mfaAt` and no real factor, so any
      // route with `maxAge` or `allowRememberBrowser: false` still asks for one.
      const amr = [proof.amr, 'rb'];
      await logIn(req, user);
      writeRecord(req, { v: 1, status: 'satisfied', userId, amr, factors: [], authTime, viaRememberedBrowser: true });
      await saveSession(req);
      events.emitFor(req, 'login.satisfied', { userId, amr, viaRememberedBrowser: true });
      return { status: 'authenticated', amr };
    }
    const needsSecond =
      decision === 'require' || (decision !== 'skip' && (enrolled.length > 0 || options.mode === 'required'));
    if (!needsSecond) {
      await logIn(req, user);
      writeRecord(req, {
        v: 1,
        status: 'authenticated',
        userId,
        amr: [proof.amr],
        factors: [],
        authTime,
        viaRememberedBrowser: false,
      });
      await saveSession(req);
      events.emitFor(req, 'login.authenticated', { userId, amr: [proof.amr] });
      return { status: 'authenticated', amr: [proof.amr] };
    }

    // Pending: not logged in. Passport's login is deferred until the second factor passes,
    // so req.isAuthenticated() stays false and no guard opens (DESIGN §5.2).
    const serializedUser = await serializeUser(this.passport, req, user);
    await regenerateSession(req);
    const next = enrolled.length === 0 ? 'enroll' : 'mfa';
    writeRecord(req, {
      v: 1,
      status: 'pending',
      userId,
      amr: [proof.amr],
      factors: [],
      authTime,
      viaRememberedBrowser: false,
      serializedUser,
      pendingExpiresAt: authTime + options.pendingTtlMs,
      next,
      loginId: randomBytes(16).toString('base64url'),
    });
    await saveSession(req);
    delete (req as { user?: unknown }).user;
    const expiresIn = Math.floor(options.pendingTtlMs / 1000);
    events.emitFor(req, 'login.pending', { userId, next, factors: enrolled });
    return next === 'enroll'
      ? { status: 'enrollment_required', expiresIn }
      : { status: 'mfa_required', factors: enrolled, expiresIn };
  }

  /** After a second factor: a pending login becomes satisfied; a signed-in user steps up. */
  async secondFactor(req: Request, proof: FactorProof): Promise<ElevationOutcome> {
    const { now, events } = this.ctx;
    const subject = this.ctx.subjectOf(req);
    if (!subject) throw new StepupError('MFA_SESSION_EXPIRED');
    const record = readRecord(req);
    const mfaAt = now();

    let user: unknown;
    let base: Pick<SessionMfaRecord, 'amr' | 'factors' | 'authTime'>;
    if (subject.status === 'pending') {
      if (!record || record.status !== 'pending') throw new StepupError('MFA_SESSION_EXPIRED');
      user = await deserializeUser(this.passport, req, record.serializedUser);
      if (!user) throw new StepupError('MFA_SESSION_EXPIRED');
      base = record;
    } else {
      user = req.user;
      base =
        record && record.userId === subject.userId && record.status !== 'pending'
          ? record
          : { amr: [], factors: [], authTime: mfaAt };
    }

    await logIn(req, user);
    const amr = unique([...base.amr.filter((a) => a !== 'rb'), proof.amr]);
    const factors = unique([...base.factors, proof.factor]);
    writeRecord(req, {
      v: 1,
      status: 'satisfied',
      userId: subject.userId,
      amr,
      factors,
      authTime: base.authTime,
      mfaAt,
      viaRememberedBrowser: false,
    });
    await saveSession(req);
    events.emitFor(req, subject.status === 'pending' ? 'login.satisfied' : 'mfa.step_up', {
      userId: subject.userId,
      factor: proof.factor,
      amr,
    });
    return { status: 'authenticated', amr };
  }
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
