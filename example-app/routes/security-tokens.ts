/**
 * The "API tokens" block of `/settings/security` (docs/architecture.md, invariant 22): the
 * user's bearer tokens (the CLI's sign-in tokens and personal ones) with a revoke button, and a
 * form that makes a personal token and shows it once.
 *
 * Making one needs what changing a factor needs, a second factor from the last 5 minutes (a
 * stolen session must not become a 90-day credential; NIST SP 800-63B-4 §2.2.3, OWASP ASVS 5.0
 * V6.4): when the library answers `mfa_required`, the page sends the user to `/mfa` and back
 * here with a notice to submit the form again, as the other sensitive actions of the page do.
 * Revoking only takes access away, so it needs no fresh factor (ASVS 5.0 V10.4.9: tokens
 * revocable by their user). The page that shows a new token is `no-store`, so the token is not
 * kept in the browser's cache or history.
 */
import type { Request, Response, Router } from 'express';
import { createPersonalToken, isStepupError, revokeToken } from '../../lib/index.js';
import { describeError, field, page, withQuery, type ExampleContext } from '../context.js';

type Show = (
  req: Request,
  res: Response,
  extra?: Record<string, unknown>,
  status?: number,
) => Promise<void>;

const HERE = '/settings/security';

export function tokenForms(router: Router, ctx: ExampleContext, show: Show): void {
  const { stepup } = ctx;

  router.post(
    `${HERE}/tokens`,
    page(async (req, res) => {
      const label = field(req, 'label', 255) ?? '';
      try {
        const created = await createPersonalToken(stepup, req, {
          label,
          expiresInDays: field(req, 'expiresInDays', 4) ?? '',
        });
        res.set('Cache-Control', 'no-store');
        await show(req, res, {
          createdToken: { ...created, label },
          message: 'Personal token created. Copy it now: it is shown only this once.',
        });
      } catch (err) {
        if (!isStepupError(err)) throw err;
        if (err.code === 'mfa_required') {
          // A user with a passkey proves it with the passkey; anyone else with any factor.
          const passkey = err.details.reason === 'phishing_resistant_required';
          return res.redirect(
            303,
            withQuery('/mfa', {
              returnTo: `${HERE}?notice=token-confirm-done`,
              reason: passkey ? 'phishing_resistant_required' : 'stale',
            }),
          );
        }
        const error =
          err.code === 'invalid_request'
            ? 'Give the token a name and a lifetime of 1 to 90 days.'
            : err.code === 'authentication_required'
              ? 'Creating a token needs a recent sign-in: sign out, sign in again, then create it.'
              : describeError(err);
        await show(req, res, { error, tokenLabel: label }, err.status);
      }
    }),
  );

  router.post(
    `${HERE}/tokens/:id/revoke`,
    page(async (req, res) => {
      const revoked = await revokeToken(stepup, req, String(req.params.id).slice(0, 64));
      res.redirect(303, `${HERE}?notice=${revoked ? 'token-revoked' : 'token-gone'}`);
    }),
  );
}
