import { randomBytes } from 'node:crypto';
import type { Request } from 'express';
import type { PassportLike } from '../core/passport-glue.js';
import { csrfToken } from '../http/csrf.js';
import { StepupError } from '../core/errors.js';
import type { StepupContext } from '../core/context.js';
import type { ElevationOutcome, FactorProof } from '../core/login-flow.js';
import { deserializeUser, logIn, serializeUser } from '../core/passport-glue.js';
import { withMfa } from '../core/assurance.js';
import { newSessionHandle } from '../core/session-index.js';
import { readRecord, regenerateSession, saveSession, writeRecord } from '../core/session-state.js';
import type { SecondFactorName, SessionMfaRecord } from '../core/types.js';
import { LoginPolicy, type ElevationConfig } from './login-policy.js';

export type { ElevationOutcome, LoginHook } from '../core/login-flow.js';
export type { ElevationConfig, GraceOptions } from './login-policy.js';

/**
 * The one place that decides what a session now is (docs/architecture.md, "Session states"). Every transition regenerates
 * the session id so that an id fixed or observed before the change is worthless afterwards
 * (OWASP ASVS 5.0 V7.2.4, NIST SP 800-63B-4 §5.1).
 */
export class Elevation {
  private readonly policy: LoginPolicy;

  constructor(
    private readonly ctx: StepupContext,
    private readonly passport: PassportLike,
    config: ElevationConfig = {},
  ) {
    this.policy = new LoginPolicy(ctx, config);
  }

  /** The registered factors this user has enrolled, in registration order. */
  async enrolledFactors(userId: string): Promise<SecondFactorName[]> {
    const out: SecondFactorName[] = [];
    for (const factor of this.ctx.factors.values()) {
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
    const signIn = async (
      record: Omit<SessionMfaRecord, 'v' | 'userId' | 'authTime' | 'handle'>,
    ) => {
      await logIn(req, user);
      const handle = newSessionHandle();
      writeRecord(req, { v: 1, userId, authTime, handle, ...record });
      csrfToken(req); // the new session's token, saved with it rather than in a second write
      await this.listSession(req, userId, handle, authTime);
      await saveSession(req);
      const type = record.status === 'satisfied' ? 'login.satisfied' : 'login.authenticated';
      events.emitFor(req, type, {
        userId,
        amr: record.amr,
        viaRememberedBrowser: record.viaRememberedBrowser,
      });
      return { status: 'authenticated', amr: record.amr } as const;
    };

    // Password and a TOTP code in one request (docs/step-up.md, "CLI clients and one-field logins").
    // Both factors are real: no remembered browser or adaptive rule can weaken this session.
    if (proof.alsoSecond) {
      const amr = withMfa(unique([proof.amr, proof.alsoSecond.amr, ...(proof.moreAmr ?? [])]));
      return signIn({
        status: 'satisfied',
        amr,
        factors: [proof.alsoSecond.factor],
        mfaAt: authTime,
        factorTimes: { [proof.alsoSecond.factor]: authTime },
        viaRememberedBrowser: false,
      });
    }
    const decision = await this.policy.decide(req, userId, user);

    if (decision === 'remembered' && enrolled.length > 0) {
      // NIST SP 800-63B-4 §5.1.1: a remembered browser is worth AAL1 only. The session is
      // satisfied for routes that accept it, but carries no `mfaAt` and no real factor, so any
      // route with `maxAge` or `allowRememberBrowser: false` still asks for one.
      return signIn({
        status: 'satisfied',
        amr: [proof.amr, 'rb'],
        factors: [],
        viaRememberedBrowser: true,
      });
    }
    if (decision === 'skip' && enrolled.length > 0) {
      return signIn({
        status: 'satisfied',
        amr: [proof.amr],
        factors: [],
        viaRememberedBrowser: false,
        viaSkip: true,
      });
    }
    const required = decision === 'require' || (decision !== 'skip' && options.mode === 'required');
    if (enrolled.length === 0 && required && decision !== 'require') {
      const grace = await this.policy.graceFor(userId);
      if (grace) {
        return signIn({
          status: 'authenticated',
          amr: [proof.amr],
          factors: [],
          viaRememberedBrowser: false,
          enrollmentGrace: grace,
        });
      }
    }
    if (enrolled.length === 0 && !required) {
      return signIn({
        status: 'authenticated',
        amr: [proof.amr],
        factors: [],
        viaRememberedBrowser: false,
      });
    }

    // Pending: not logged in. Passport's login is deferred until the second factor passes,
    // so req.isAuthenticated() stays false and no guard opens (docs/architecture.md, invariant 2).
    const serializedUser = await serializeUser(this.passport, req, user);
    // Read before the session changes: a store outage must fail the login before the old
    // session (and its CSRF token) is gone.
    const loginEpoch = await this.ctx.startLoginEpoch(userId);
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
      // What the answer offers, so that a guard refusing this session can say it again.
      offered: enrolled,
      loginId: randomBytes(16).toString('base64url'),
      loginEpoch,
    });
    csrfToken(req);
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
    let base: Pick<SessionMfaRecord, 'amr' | 'factors' | 'authTime' | 'factorTimes'>;
    if (subject.status === 'pending') {
      if (!record || record.status !== 'pending') throw new StepupError('MFA_SESSION_EXPIRED');
      // A password change or an admin reset since the password passed voids this login.
      // No epoch in the MfaStore (flushed, evicted) voids the login too: it cannot be told
      // from one a password change voided (fail closed; the user signs in again).
      const epoch =
        proof.loginEpoch !== undefined
          ? proof.loginEpoch
          : await this.ctx.loginEpoch(subject.userId);
      if (epoch === null || record.loginEpoch !== epoch) {
        throw new StepupError('MFA_SESSION_EXPIRED');
      }
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
    // A step-up keeps its place in the sessions list; a login that just passed gets one.
    const handle =
      subject.status !== 'pending' && record?.userId === subject.userId && record.handle
        ? record.handle
        : newSessionHandle();
    const amr = withMfa(
      unique([...base.amr.filter((a) => a !== 'rb'), proof.amr, ...(proof.moreAmr ?? [])]),
    );
    const factors = unique([...base.factors, proof.factor]);
    // When each factor last passed: a route's maxAge is met only by a factor it accepts
    // (docs/architecture.md, invariant 20). A record from before these times keeps none of
    // them, so its older factors read as stale on such routes (fail closed).
    const factorTimes = { ...base.factorTimes, [proof.factor]: mfaAt };
    writeRecord(req, {
      v: 1,
      status: 'satisfied',
      userId: subject.userId,
      amr,
      factors,
      authTime: base.authTime,
      mfaAt,
      factorTimes,
      viaRememberedBrowser: false,
      handle,
    });
    csrfToken(req);
    await this.listSession(req, subject.userId, handle, base.authTime);
    await saveSession(req);
    events.emitFor(req, subject.status === 'pending' ? 'login.satisfied' : 'mfa.step_up', {
      userId: subject.userId,
      factor: proof.factor,
      amr,
    });
    return { status: 'authenticated', amr };
  }

  /**
   * Put the new session id on the user's sessions list, before the session is saved: when the
   * MfaStore cannot take it, the sign-in fails (503) with nothing stored, rather than leaving a
   * signed-in session the user cannot see or end (ASVS 5.0 V7.5.2). The old session is already
   * gone (the id rotated), so the user signs in again.
   */
  private async listSession(
    req: Request,
    userId: string,
    handle: string,
    authTime: number,
  ): Promise<void> {
    try {
      await this.ctx.sessions.register(req, userId, handle, authTime);
    } catch (err) {
      await regenerateSession(req).catch(() => undefined);
      throw err;
    }
  }
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
