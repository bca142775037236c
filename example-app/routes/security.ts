/**
 * `/settings/security`: the user's second factors. Enrolment shows the QR code and the secret
 * once (the POST answer renders them; nothing keeps the plaintext afterwards), recovery codes
 * are shown once after they are made. Changing factors needs a fresh second factor: when the
 * library says `mfa_required`, the page sends the user to `/mfa` and back here.
 */
import { Router, type Request, type Response } from 'express';
import {
  beginEmail,
  beginTotp,
  confirmEmail,
  confirmTotp,
  disableTotp,
  isStepupError,
  listTokens,
  regenerateRecoveryCodes,
  removeEmail,
  resumeTotp,
} from '../../lib/index.js';
import { describeError, field, page, withQuery, type ExampleContext } from '../context.js';
import { emailOtpOf, passkeyOf, recoveryOf, totpOf } from '../factors.js';
import { tokenForms } from './security-tokens.js';

const HERE = '/settings/security';

export function securityPages(ctx: ExampleContext): Router {
  const { stepup, render } = ctx;
  const router = Router();
  router.use(HERE, stepup.requireAuth());

  const show = async (
    req: Request,
    res: Response,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const userId = stepup.mfaOf(req).userId ?? '';
    const recovery = recoveryOf(stepup);
    render(
      req,
      res,
      'security',
      {
        title: 'Security settings',
        totpEnabled: (await totpOf(stepup)?.isEnrolled(userId)) ?? false,
        recoveryRemaining: recovery ? await recovery.remaining(userId) : undefined,
        enrolled: await stepup.enrolledFactors(userId),
        browsers: (await stepup.rememberedBrowsers?.list(userId, req)) ?? [],
        sessions: await stepup.sessions.list(req, userId),
        emailAddress: await emailOtpOf(stepup)?.addressOf(userId),
        passkeys: (await passkeyOf(stepup)?.passkeys(userId)) ?? [],
        emailSent: undefined,
        enrollment: undefined,
        confirming: false,
        recoveryCodes: undefined,
        message: undefined,
        // API tokens (routes/security-tokens.ts): never the tokens themselves, only a new one once.
        tokens: await listTokens(stepup, req),
        createdToken: undefined,
        tokenLabel: '',
        ...extra,
      },
      status,
    );
  };

  /** Library errors become a message on the page; a stale factor goes to the challenge first. */
  const failed = (
    req: Request,
    res: Response,
    err: unknown,
    extra: Record<string, unknown> = {},
  ) => {
    if (!isStepupError(err)) throw err;
    if (err.code === 'mfa_required') {
      return res.redirect(303, withQuery('/mfa', { returnTo: HERE, reason: 'stale' }));
    }
    return show(req, res, { ...extra, error: describeError(err) }, err.status);
  };

  router.get(
    HERE,
    page((req, res) => show(req, res)),
  );

  router.post(
    `${HERE}/totp/enroll`,
    page(async (req, res) => {
      try {
        const enrollment = await beginTotp(stepup, req);
        await show(req, res, { enrollment, confirming: true });
      } catch (err) {
        await failed(req, res, err);
      }
    }),
  );

  router.post(
    `${HERE}/totp/confirm`,
    page(async (req, res) => {
      try {
        const { recoveryCodes } = await confirmTotp(stepup, req, field(req, 'code', 128) ?? '');
        await show(req, res, {
          recoveryCodes,
          message: 'The authenticator app is on. Use it the next time you sign in.',
        });
      } catch (err) {
        // The pending secret stays in the store for 15 minutes: the user may simply retry, with
        // the same QR code and secret still on screen (a new one would not match the app).
        const enrollment = await resumeTotp(stepup, req).catch(() => undefined);
        await failed(req, res, err, { confirming: true, enrollment });
      }
    }),
  );

  router.post(
    `${HERE}/totp/disable`,
    page(async (req, res) => {
      try {
        await disableTotp(stepup, req, field(req, 'code', 128) ?? '');
        res.redirect(303, `${HERE}?notice=totp-disabled`);
      } catch (err) {
        await failed(req, res, err);
      }
    }),
  );

  router.post(
    `${HERE}/recovery-codes`,
    page(async (req, res) => {
      try {
        const recoveryCodes = await regenerateRecoveryCodes(stepup, req, res);
        await show(req, res, {
          recoveryCodes,
          message: 'New recovery codes. The old ones no longer work.',
        });
      } catch (err) {
        await failed(req, res, err);
      }
    }),
  );

  router.post(
    `${HERE}/email`,
    page(async (req, res) => {
      try {
        const sent = await beginEmail(stepup, req, field(req, 'email', 254) ?? '');
        await show(req, res, { emailSent: sent.destination });
      } catch (err) {
        await failed(req, res, err);
      }
    }),
  );

  router.post(
    `${HERE}/email/confirm`,
    page(async (req, res) => {
      try {
        await confirmEmail(stepup, req, field(req, 'code', 128) ?? '');
        await show(req, res, { message: 'Email codes are on. The address is verified.' });
      } catch (err) {
        await failed(req, res, err, { emailSent: 'your address' });
      }
    }),
  );

  router.post(
    `${HERE}/email/remove`,
    page(async (req, res) => {
      try {
        await removeEmail(stepup, req);
        res.redirect(303, `${HERE}?notice=email-removed`);
      } catch (err) {
        await failed(req, res, err);
      }
    }),
  );
  // Renaming a passkey changes no trust (adding and removing do, through the passkey buttons
  // and the library's factors API, which ask for a fresh factor).
  router.post(
    `${HERE}/passkeys/:id/rename`,
    page(async (req, res) => {
      const userId = stepup.mfaOf(req).userId;
      const label = (field(req, 'label', 255) ?? '').trim();
      const id = String(req.params.id).slice(0, 64);
      const control = [...label].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
      if (userId === undefined || label === '' || control) {
        return show(req, res, { error: 'Give the passkey a name (no control characters).' }, 400);
      }
      await stepup.credentials.updateLabel(userId, id, label);
      res.redirect(303, `${HERE}?notice=passkey-renamed`);
    }),
  );

  // Forgetting a browser only reduces what the account trusts: no fresh factor needed.
  router.post(
    `${HERE}/browsers/:id/revoke`,
    page(async (req, res) => {
      const browsers = stepup.rememberedBrowsers;
      const userId = stepup.mfaOf(req).userId;
      const id = String(req.params.id).slice(0, 64);
      if (
        browsers &&
        userId !== undefined &&
        (await browsers.revoke(userId, id, req)) &&
        browsers.currentId(req) === id
      ) {
        browsers.clearCookie(res);
      }
      res.redirect(303, `${HERE}?notice=browser-revoked`);
    }),
  );

  router.post(
    `${HERE}/browsers/revoke-all`,
    page(async (req, res) => {
      const browsers = stepup.rememberedBrowsers;
      const userId = stepup.mfaOf(req).userId;
      if (browsers && userId !== undefined) {
        // Clear this browser's cookie only when it is the user's own (a shared browser may hold another's).
        const current = browsers.currentId(req);
        if (current !== undefined && (await browsers.revoke(userId, current, req)))
          browsers.clearCookie(res);
        await browsers.revokeAll(userId, req);
      }
      res.redirect(303, `${HERE}?notice=browsers-revoked`);
    }),
  );

  // Ending a session only takes access away: no fresh factor needed (ASVS 5.0 V7.5.2).
  router.post(
    `${HERE}/sessions/:id/end`,
    page(async (req, res) => {
      const userId = stepup.mfaOf(req).userId;
      if (userId !== undefined) await stepup.sessions.end(req, userId, req.params.id);
      res.redirect(303, `${HERE}?notice=session-ended`);
    }),
  );

  router.post(
    `${HERE}/sessions/end-others`,
    page(async (req, res) => {
      const userId = stepup.mfaOf(req).userId;
      if (userId !== undefined) await stepup.sessions.endOthers(req, userId);
      res.redirect(303, `${HERE}?notice=session-ended`);
    }),
  );

  tokenForms(router, ctx, show);

  return router;
}
