// Attack: someone holding an admin's browser (a remembered-browser cookie and the password, or
// a session whose second factor is being guessed) wipes another user's factors with the admin
// reset, then signs in as that user with the password alone. The reset needs the admin's own
// fresh second factor and an unlocked admin (docs/architecture.md, invariant 20); an unknown id
// is a 404, never a 204 for a reset that did not happen.
import { describe, expect, it } from 'vitest';
import { client, TEST_CODE } from '../helpers/app.js';
import { makeRememberApp, relogin, rememberMe } from '../helpers/remember.js';

const isBob = (req: { user?: unknown }) =>
  (req.user as { id?: string } | undefined)?.id === 'u-bob';

function adminApp(userExists?: (id: string) => boolean) {
  return makeRememberApp({
    stepup: { isAdmin: isBob, ...(userExists ? { userExists } : {}) },
  });
}

/** Alice still owes her second factor after the password: her factors are intact. */
async function aliceStillNeedsAFactor(app: Parameters<typeof client>[0]) {
  const c = await client(app);
  expect((await c.login('alice', 'alice-password-1')).body.status).toBe('mfa_required');
}

describe('POST /auth/admin/users/:id/mfa/reset: the admin session', () => {
  it('an admin session that only a remembered browser satisfied (AAL1, no second factor) → 401 mfa_required', async () => {
    const { app, events } = adminApp();
    const admin = await client(app);
    await rememberMe(admin, 'bob');
    const again = await relogin(admin, 'bob');
    expect(again.body).toMatchObject({ status: 'authenticated' });
    expect((await admin.get('/auth/session')).body).toMatchObject({
      status: 'satisfied',
      viaRememberedBrowser: true,
    });
    const res = await admin.post('/auth/admin/users/u-alice/mfa/reset');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'mfa_required', reason: 'stale' });
    expect(events.some((e) => e.type === 'admin.mfa_reset')).toBe(false);
    await aliceStillNeedsAFactor(app);
    // After the admin's own second factor, the same session may reset.
    expect((await admin.verify(TEST_CODE)).status).toBe(200);
    expect((await admin.post('/auth/admin/users/u-alice/mfa/reset')).status).toBe(204);
  });

  it('an admin second factor older than freshSeconds → 401 mfa_required', async () => {
    const { app, clock } = adminApp();
    const admin = await client(app);
    await admin.login('bob', 'bob-password-1');
    await admin.verify(TEST_CODE);
    clock.advance(301_000);
    const res = await admin.post('/auth/admin/users/u-alice/mfa/reset');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'mfa_required', maxAge: 300 });
    await aliceStillNeedsAFactor(app);
  });

  it('a locked admin (someone is guessing the admin codes) → 429, even with a fresh factor', async () => {
    const { app } = adminApp();
    const admin = await client(app);
    await admin.login('bob', 'bob-password-1');
    await admin.verify(TEST_CODE);
    const guesser = await client(app);
    await guesser.login('bob', 'bob-password-1');
    for (let i = 0; i < 10; i++) await guesser.verify('000000');
    expect((await guesser.verify('000000')).status).toBe(429);
    const res = await admin.post('/auth/admin/users/u-alice/mfa/reset');
    expect(res.status).toBe(429);
    expect(res.body).toMatchObject({ error: 'too_many_attempts' });
    await aliceStillNeedsAFactor(app);
  });

  it('a non-admin → 403; a signed-out caller → 401', async () => {
    const { app } = adminApp();
    const alice = await client(app);
    await alice.login('alice', 'alice-password-1');
    await alice.verify(TEST_CODE);
    expect((await alice.post('/auth/admin/users/u-bob/mfa/reset')).body.error).toBe('forbidden');
    const anon = await client(app);
    expect((await anon.post('/auth/admin/users/u-bob/mfa/reset')).status).toBe(401);
  });
});

describe('POST /auth/admin/users/:id/mfa/reset: the target', () => {
  it('an unknown user → 404 not_found, no event; a known one → 204 and an event with both ids', async () => {
    const { app, events } = adminApp();
    const admin = await client(app);
    await admin.login('bob', 'bob-password-1');
    await admin.verify(TEST_CODE);
    const unknown = await admin.post('/auth/admin/users/u-nobody/mfa/reset');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: 'not_found' });
    expect(events.some((e) => e.type === 'admin.mfa_reset')).toBe(false);
    expect((await admin.post('/auth/admin/users/u-alice/mfa/reset')).status).toBe(204);
    expect(events.filter((e) => e.type === 'admin.mfa_reset')).toEqual([
      expect.objectContaining({ userId: 'u-alice', adminId: 'u-bob' }),
    ]);
  });

  it('userExists: a known user with no factor → 204; an id the app does not know → 404', async () => {
    const { app, enrolled } = adminApp((id) => id === 'u-carol' || id === 'u-alice');
    enrolled.delete('u-alice');
    const admin = await client(app);
    await admin.login('bob', 'bob-password-1');
    await admin.verify(TEST_CODE);
    expect((await admin.post('/auth/admin/users/u-carol/mfa/reset')).status).toBe(204);
    expect((await admin.post('/auth/admin/users/u-nobody/mfa/reset')).status).toBe(404);
  });

  it('an admin without a factor of their own resets with the password (nothing fresher exists)', async () => {
    const { app, enrolled } = adminApp();
    enrolled.delete('u-bob');
    const admin = await client(app);
    expect((await admin.login('bob', 'bob-password-1')).body.status).toBe('authenticated');
    expect((await admin.post('/auth/admin/users/u-alice/mfa/reset')).status).toBe(204);
  });
});
