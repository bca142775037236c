import { Strategy } from 'passport-strategy';
import type { Request, Router } from 'express';
import { refusal, type CodeCheck } from './attempts.js';
import { parseLoginEpoch } from './stepup-context.js';
import type { FactorHost, SecondFactor, StepupContext } from './context.js';
import type { FactorProof, Subject } from './login-flow.js';
import { StepupError } from './errors.js';
import type { Amr, SecondFactorName } from './types.js';
import { settleStrategy } from './passport-glue.js';

/** Longest raw code accepted before any parsing; anything longer is a malformed request. */
export const MAX_CODE_LENGTH = 128;

/**
 * Base class of every second-factor Passport strategy. It does the parts that must be the same
 * for all of them, so no factor can forget one:
 *   - the subject comes from the session (pending login or signed-in user), never from the body;
 *   - the per-account lockout is checked before the code and updated after it
 *     (NIST SP 800-63B-4 §3.2.2);
 *   - store failures become `error()` (the router answers 503: fail closed).
 * A subclass only says whether the user has the factor and whether a code is right.
 */
export abstract class SecondFactorStrategy<E = true, I = string>
  extends Strategy
  implements SecondFactor
{
  abstract readonly name: SecondFactorName;
  abstract readonly amr: Amr;

  /** @param ctx - the context `createStepup` hands to the factor's factory. */
  constructor(
    /** What `createStepup` gave this factor: stores, clock, events, lockout. */
    protected readonly ctx: StepupContext,
  ) {
    super();
  }

  /** True when this user can use the factor now (enrolled and confirmed). */
  abstract isEnrolled(userId: string): Promise<boolean>;

  /**
   * What this request knows of the user's enrolment, or undefined when the user has none. It is
   * handed to `verifyCode`, so a factor whose enrolment check reads the record the code check
   * needs (TOTP: the user's authenticators) reads it once per verify.
   */
  protected async enrollmentFor(userId: string): Promise<E | undefined> {
    // The default enrolment carries nothing but "yes" (E defaults to `true`).
    return (await this.isEnrolled(userId)) ? (true as E) : undefined;
  }

  /** Optional: add this factor's endpoints (enrol, confirm, disable…) to the JSON router. */
  mountRoutes?(router: Router, host: FactorHost): void;

  /** Optional: fields this factor adds to `GET /auth/session` for a signed-in user. */
  sessionInfo?(userId: string): Promise<Record<string, unknown>>;

  /** Optional: remove every trace of this factor for the user (admin reset). */
  reset?(userId: string): Promise<void>;

  /**
   * What the request presents: by default `code`, a non-empty string of at most
   * MAX_CODE_LENGTH characters. A factor whose proof is not a code (a passkey's signed
   * `response`) reads its own field; a malformed one is a 400, before any attempt is counted and
   * before the session is looked at. This is the one check of the field: the router's zod body
   * (lib/http/edge.ts) leaves it to the strategy, which an app's own route reaches too.
   */
  protected readInput(body: Record<string, unknown> | undefined): I | StepupError {
    const code = body?.code;
    if (typeof code !== 'string' || code.length === 0 || code.length > MAX_CODE_LENGTH) {
      return new StepupError(
        'INVALID_REQUEST',
        { fields: ['code'] },
        'Invalid or missing fields: code.',
      );
    }
    return code as I;
  }

  /**
   * Check the presented `code` (what `readInput` returned) for the subject, whose `enrollment`
   * was just read by `enrollmentFor`.
   */
  protected abstract verifyCode(
    req: Request,
    subject: Subject,
    code: I,
    enrollment: E,
  ): Promise<CodeCheck>;

  override authenticate(req: Request): void {
    settleStrategy(this, this.run(req));
  }

  private async run(req: Request): Promise<StepupError | { user: unknown; proof: FactorProof }> {
    const code = this.readInput(req.body as Record<string, unknown> | undefined);
    if (code instanceof StepupError) return code;
    const subject = this.ctx.subjectOf(req);
    if (!subject) return new StepupError('MFA_SESSION_EXPIRED');
    // One round trip reserves the attempt (before any comparison: docs/architecture.md,
    // invariant 19) and reads, while pending, the login epoch that the
    // elevation compares with the one the password step recorded.
    const { attempts } = this.ctx;
    const epochKeys = subject.status === 'pending' ? [this.ctx.loginEpochKey(subject.userId)] : [];
    const reservation = await attempts.reserve(subject.userId, epochKeys);
    let enrollment: E | undefined;
    try {
      enrollment = await this.enrollmentFor(subject.userId);
    } catch (err) {
      await attempts.release(reservation).catch(() => undefined);
      throw err;
    }
    if (enrollment === undefined) {
      await attempts.release(reservation);
      return new StepupError('FACTOR_NOT_ALLOWED');
    }
    const found = enrollment;
    const check = await attempts.attempt(
      req,
      subject.userId,
      this.name,
      () => this.verifyCode(req, subject, code, found),
      reservation,
    );
    if (!check.ok) return refusal(check);
    // While pending, req.user is unset; when stepping up, hand back the signed-in user so that
    // Passport's `req.logIn(user, {session:false})` leaves `req.user` as it was.
    const user = subject.status === 'pending' ? { id: subject.userId } : req.user;
    const proof: FactorProof = {
      kind: 'second',
      factor: this.name,
      amr: check.amr ?? this.amr,
      ...(check.moreAmr ? { moreAmr: check.moreAmr } : {}),
      // `null`: the MfaStore holds no epoch (lost): the elevation voids the login.
      ...(epochKeys.length ? { loginEpoch: parseLoginEpoch(reservation.values[0]) } : {}),
    };
    return { user, proof };
  }
}
