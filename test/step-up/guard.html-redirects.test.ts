// A new user's API-only app (no /login or /mfa page) sent browsers to `/mfa?returnTo=…`, a page
// it never made (`Cannot GET /mfa`). `htmlRedirects: false` answers browsers with the same
// 401 JSON body as API clients; the default keeps the redirects, to the pages the app names.
import { describe, expect, it } from 'vitest';
import { createStepup } from '../../lib/index.js';
import { client, makeApp } from '../helpers/app.js';

describe('htmlRedirects', () => {
  it('default: browsers are redirected to loginUrl / challengeUrl the app configured', async () => {
    const { app } = makeApp({ stepup: { loginUrl: '/signin', challengeUrl: '/two-step' } });
    const c = await client(app);
    const anonymous = await c.getHtml('/reports');
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.location).toMatch(/^\/signin\?returnTo=%2Freports&reason=/);
    await c.login('bob', 'bob-password-1');
    const pending = await c.getHtml('/reports');
    expect(pending.status).toBe(302);
    expect(pending.headers.location).toMatch(/^\/two-step\?returnTo=%2Freports&reason=pending/);
  });

  it('false: a browser gets the 401 JSON body on every guard, never a redirect', async () => {
    const { app } = makeApp({ stepup: { htmlRedirects: false } });
    const c = await client(app);
    for (const path of ['/me', '/reports', '/billing']) {
      const res = await c.getHtml(path);
      expect(res.status).toBe(401);
      expect(res.headers.location).toBeUndefined();
      expect(res.headers['content-type']).toMatch(/json/);
      expect(res.body).toMatchObject({ reason: 'not_authenticated' });
    }
    await c.login('bob', 'bob-password-1');
    const pending = await c.getHtml('/reports');
    expect(pending.status).toBe(401);
    expect(pending.body).toMatchObject({ error: 'mfa_required', reason: 'pending' });
    const me = await c.getHtml('/me');
    expect(me.status).toBe(401);
    expect(me.body).toMatchObject({ error: 'mfa_required', reason: 'pending' });
  });

  it('is validated when the stepup is created', () => {
    expect(() => createStepup({ htmlRedirects: 'no' as unknown as boolean })).toThrow(
      /htmlRedirects must be true .* or false/,
    );
    expect(() => createStepup({ htmlRedirect: false } as never)).toThrow(
      /unknown option "htmlRedirect".*htmlRedirects/,
    );
  });
});
