/**
 * Signing in: `/login` (first factor), `/mfa` (second factor, or a step-up), `/logout`.
 * Each POST hands the form to the library (`stepup.authenticate(name)`), then redirects to a
 * `returnTo` that `safeReturnTo` has cleaned.
 */
import { hostOf } from '../../lib/core/context.js';
import { Router, type Request, type Response } from 'express';
import { isStepupError, StepupError, type ElevationOutcome } from '../../lib/index.js';
import { emailOtpOf, FACTOR_LABELS } from '../factors.js';
import {
  describeError,
  field,
  page,
  returnToOf,
  run,
  withQuery,
  type ExampleContext,
} from '../context.js';

const REASONS: Readonly<Record<string, string>> = {
  pending: 'Finish signing in with your second factor.',
  stale: 'This page needs a recent second factor. Confirm it is you.',
  remembered_browser_not_allowed: 'A remembered browser is not enough for this page. Enter a code.',
  factor_not_allowed: 'This page accepts other factors than the one you used.',
  not_enrolled: 'This page needs a second factor, and your account has none yet.',
  phishing_resistant_required: 'This page needs a passkey: confirm it is you with one.',
};

export function authPages(ctx: ExampleContext): Router {
  const { stepup, render } = ctx;
  const router = Router();

  const loginForm = (req: Request, res: Response, error?: StepupError, username = '') =>
    render(
      req,
      res,
      'login',
      {
        title: 'Sign in',
        returnTo: returnToOf(req),
        username,
        error: error && describeError(error),
      },
      error?.status ?? 200,
    );

  router.get('/login', (req, res) => loginForm(req, res));

  router.post(
    '/login',
    page(async (req, res, next) => {
      const returnTo = returnToOf(req);
      try {
        // With `appendedTotp` (app.ts), `password + code` in this one field works here too.
        await run(stepup.authenticate('password'), req, res);
      } catch (err) {
        if (!isStepupError(err)) return next(err);
        return loginForm(req, res, err, field(req, 'username') ?? '');
      }
      const outcome = res.locals.stepup as ElevationOutcome;
      if (outcome.status === 'authenticated') return res.redirect(303, returnTo);
      const target = outcome.status === 'enrollment_required' ? '/settings/security' : '/mfa';
      return res.redirect(303, withQuery(target, { returnTo }));
    }),
  );

  router.post('/logout', (req, res, next) => {
    const userId = stepup.mfaOf(req).userId;
    req.logout((err) => {
      if (err) return next(err);
      // Destroying the session ends the MFA state and the CSRF token with it.
      req.session.destroy((destroyErr) => {
        if (destroyErr) return next(destroyErr);
        stepup.events.emitFor(req, 'logout', { userId });
        res.clearCookie(ctx.config.production ? '__Host-sid' : 'sid', { path: '/' }); // sessionDefaults' names
        res.redirect(303, '/login?notice=logged-out');
      });
    });
  });

  const challenge = async (req: Request, res: Response, error?: StepupError, sent?: string) => {
    const view = stepup.mfaOf(req);
    const returnTo = returnToOf(req);
    if (view.status === 'anonymous' || view.userId === undefined) {
      return res.redirect(
        303,
        withQuery('/login', { returnTo, notice: error ? 'session-expired' : undefined }),
      );
    }
    const enrolled = await stepup.enrolledFactors(view.userId);
    const asked =
      field(req, 'factor', 64) ??
      (typeof req.query.factor === 'string' ? req.query.factor : undefined);
    // A passkey has its own button on the page; the code form defaults to the first code factor.
    const codeFactors = enrolled.filter((f) => f !== 'passkey');
    const factor = asked !== undefined && codeFactors.includes(asked) ? asked : codeFactors[0];
    const reason = typeof req.query.reason === 'string' ? REASONS[req.query.reason] : undefined;
    return render(
      req,
      res,
      'mfa',
      {
        title: 'Two-step verification',
        returnTo,
        reason: view.status === 'pending' ? REASONS.pending : reason,
        factors: enrolled.map((name) => ({ name, label: FACTOR_LABELS[name] ?? name })),
        factor,
        error: error && describeError(error),
        sent,
      },
      error?.status ?? 200,
    );
  };

  router.get(
    '/mfa',
    page((req, res) => challenge(req, res)),
  );

  router.post(
    '/mfa',
    page(async (req, res, next) => {
      const factor = field(req, 'factor', 64) ?? '';
      const returnTo = returnToOf(req);
      try {
        if (!stepup.factors.has(factor))
          throw new StepupError('INVALID_REQUEST', {}, 'Choose one of the listed factors.');
        await run(stepup.authenticate(factor), req, res);
        const userId = stepup.mfaOf(req).userId;
        if (userId !== undefined) {
          // The same hooks as `POST /auth/mfa/verify` (e.g. the remember-this-browser cookie).
          const rememberBrowser = ctx.features.rememberBrowser && field(req, 'remember') === 'on';
          await stepup.afterVerify(req, res, { userId, factor, rememberBrowser });
        }
      } catch (err) {
        if (isStepupError(err)) {
          if (err.code === 'mfa_session_expired')
            return res.redirect(303, withQuery('/login', { returnTo, notice: 'session-expired' }));
          return challenge(req, res, err);
        }
        return next(err);
      }
      return res.redirect(303, returnTo);
    }),
  );

  // The `send-code` button: a code by mail for this login (or this step-up), then the same page.
  router.post(
    '/mfa/send',
    page(async (req, res, next) => {
      try {
        const subject = hostOf(stepup).context.subjectOf(req);
        const factor = emailOtpOf(stepup);
        if (!subject || !factor) throw new StepupError('MFA_SESSION_EXPIRED');
        // A locked account gets no code: it could not be used anyway.
        await hostOf(stepup).context.attempts.assertNotLocked(subject.userId);
        const sent = await factor.send(req, subject);
        const minutes = Math.round(sent.expiresIn / 60);
        return challenge(
          req,
          res,
          undefined,
          `We sent a code to ${sent.destination}. It works once, for ${minutes} minutes.`,
        );
      } catch (err) {
        if (!isStepupError(err)) return next(err);
        if (err.code === 'mfa_session_expired')
          return res.redirect(303, withQuery('/login', { notice: 'session-expired' }));
        return challenge(req, res, err);
      }
    }),
  );

  return router;
}

/** A message for the page: the library's own text, plus the wait when there is one. */
