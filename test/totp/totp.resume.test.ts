// A new user mistyped the confirming code on a server-rendered enrolment page and the QR code
// was gone (the page had nothing to show it again), so they scanned a second, different secret.
// `resumeTotp` shows the pending enrolment again: the same secret, only to a session that may
// enrol (the same checks as `beginTotp`), and nothing once it is confirmed.
import { describe, expect, it } from 'vitest';
import { resumeTotp } from '../../lib/index.js';
import { client } from '../helpers/app.js';
import { codeAt, makeTotpApp } from '../helpers/totp-app.js';

function appWithResume() {
  const built = makeTotpApp();
  built.app.get('/resume', async (req, res, next) => {
    try {
      res.json({ enrollment: (await resumeTotp(built.stepup, req)) ?? null });
    } catch (err) {
      next(err);
    }
  });
  built.app.use(built.stepup.errorHandler());
  return built;
}

describe('resumeTotp', () => {
  it('shows the pending enrolment again, until it is confirmed', async () => {
    const { app, clock } = appWithResume();
    const c = await client(app);
    await c.login('alice', 'alice-password-1');
    expect((await c.get('/resume')).body).toEqual({ enrollment: null });
    const begun = (await c.post('/auth/mfa/totp/enroll')).body;
    expect((await c.post('/auth/mfa/totp/confirm', { code: '000000' })).status).toBe(401);

    const again = (await c.get('/resume')).body.enrollment;
    expect(again).toMatchObject({
      secret: begun.secret,
      secretGrouped: begun.secretGrouped,
      otpauthUrl: begun.otpauthUrl,
    });
    expect(again.qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);

    const code = await codeAt(begun.secret, clock.now());
    expect((await c.post('/auth/mfa/totp/confirm', { code })).status).toBe(200);
    expect((await c.get('/resume')).body).toEqual({ enrollment: null });
  });

  it('refuses a session that may not enrol', async () => {
    const { app } = appWithResume();
    const anonymous = await client(app);
    const res = await anonymous.get('/resume');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'authentication_required' });
  });
});
