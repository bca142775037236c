/**
 * "Forgot password?": `/forgot-password` asks for a link by mail (the same answer whatever the
 * account), `/reset-password?token=…` sets a new password with the link and, when the account
 * has one, a second factor bound to the account (a TOTP or recovery code, or with JavaScript a
 * passkey: public/passkeys.js runs the ceremony against the library's JSON reset routes). The
 * code forms need no JavaScript. Nobody is signed in afterwards (docs/account-recovery.md, "Forgot password"
 * account recovery").
 */
import { Router, type Request, type Response } from 'express';
import {
  isStepupError,
  requestPasswordReset,
  resetPassword,
  type StepupError,
} from '../../lib/index.js';
import { FACTOR_LABELS } from '../factors.js';
import { describeError, field, page, type ExampleContext } from '../context.js';

/** The code factors this page's form takes (a passkey goes through /auth, from passkeys.js). */
const CODE_FACTORS = ['totp', 'recovery-code'] as const;

const SENT =
  'If the account exists, a link was sent to its address. It works once, for 30 minutes.';
const MFA_ASKED = 'Your account has a second factor: use one of those listed below.';
const NEEDS_ADMIN =
  'Your only second factor is email codes, which go to the same mailbox as the link: contact an administrator (the admin reset).';
const INVALID_TOKEN = 'This link is invalid or expired: ask for a new one.';

interface ResetForm {
  readonly token: string;
  readonly factor?: string;
  readonly lead?: string;
  /** No form: the link is dead or the account needs an administrator. */
  readonly dead?: 'invalid' | 'admin';
  readonly factors?: readonly string[];
}

export function passwordResetPages(ctx: ExampleContext): Router {
  const { stepup, render, features } = ctx;
  const router = Router();

  const forgotForm = (req: Request, res: Response, sent = false, error?: StepupError) =>
    render(
      req,
      res,
      'forgot-password',
      {
        title: 'Forgot password',
        sent: sent ? SENT : undefined,
        error: error && describeError(error),
      },
      error?.status ?? 200,
    );

  router.get('/forgot-password', (req, res) => forgotForm(req, res));

  router.post(
    '/forgot-password',
    page(async (req, res, next) => {
      try {
        // Always the same answer; the link is mailed after it (or nothing is sent).
        await requestPasswordReset(stepup, req, { username: field(req, 'username') ?? '' });
      } catch (err) {
        if (!isStepupError(err) || err.code !== 'invalid_request') return next(err);
        return forgotForm(req, res, false, err);
      }
      return forgotForm(req, res, true);
    }),
  );

  const resetForm = (
    req: Request,
    res: Response,
    form: ResetForm,
    status = 200,
    error?: string,
  ) => {
    // Before the library answers `mfa_required` every factor is offered; after, the account's.
    const offered = CODE_FACTORS.filter((f) => !form.factors || form.factors.includes(f));
    const passkey = features.passkeys && (!form.factors || form.factors.includes('passkey'));
    render(
      req,
      res,
      'reset-password',
      {
        title: 'Choose a new password',
        token: form.token,
        lead: form.lead,
        dead:
          form.dead === 'invalid' ? INVALID_TOKEN : form.dead === 'admin' ? NEEDS_ADMIN : undefined,
        factor: form.factor ?? 'totp',
        factors: offered.map((name) => ({ name, label: FACTOR_LABELS[name] ?? name })),
        passkey,
        error,
      },
      status,
    );
  };

  router.get('/reset-password', (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token.slice(0, 128) : '';
    if (token === '') return resetForm(req, res, { token, dead: 'invalid' }, 400);
    return resetForm(req, res, { token });
  });

  router.post(
    '/reset-password',
    page(async (req, res, next) => {
      const token = field(req, 'token', 128) ?? '';
      const asked = field(req, 'factor', 64);
      const factor = CODE_FACTORS.find((f) => f === asked);
      const code = field(req, 'code', 128)?.trim() || undefined;
      try {
        await resetPassword(stepup, req, {
          token,
          newPassword: field(req, 'newPassword', 1024) ?? '',
          ...(code !== undefined ? { factor, code } : {}),
        });
      } catch (err) {
        if (!isStepupError(err)) return next(err);
        const form = { token, factor };
        switch (err.code) {
          case 'invalid_token':
            return resetForm(req, res, { token: '', dead: 'invalid' }, err.status);
          case 'recovery_needs_admin':
            return resetForm(req, res, { token: '', dead: 'admin' }, err.status);
          case 'mfa_required': {
            const factors = (err.details as { factors?: readonly string[] }).factors;
            return resetForm(req, res, { ...form, lead: MFA_ASKED, factors }, err.status);
          }
          default:
            // The policy's reasons, a wrong code, the lockout's wait: the library's sentence.
            return resetForm(req, res, form, err.status, describeError(err));
        }
      }
      // Every session of the user was ended, this one included: sign in afresh.
      return res.redirect(303, '/login?notice=password-reset');
    }),
  );

  return router;
}
