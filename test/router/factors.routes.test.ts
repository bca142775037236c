// Attack: a user's list of authenticators is also an attacker's map. The list shows no secret;
// another user's id is 404 (no IDOR); renaming takes a bounded label; removing an authenticator
// takes a fresh second factor, a current code and CSRF, and notifies the user. Several TOTP
// authenticators per user each keep their own replay marker.
import { describe, expect, it } from 'vitest';
import { client } from '../helpers/app.js';
import { codeAt, enrolledClient, makeTotpApp } from '../helpers/totp-app.js';

async function withToken(
  c: Awaited<ReturnType<typeof client>>,
  method: 'patch' | 'delete',
  path: string,
  body: object,
) {
  return c.agent[method](path)
    .set('x-csrf-token', c.csrf)
    .set('Accept', 'application/json')
    .send(body);
}

describe('GET/PATCH/DELETE /auth/mfa/factors', () => {
  it('lists, renames and removes one of two authenticators; each has its own replay marker', async () => {
    const { app, clock } = makeTotpApp();
    const { c, secret: first } = await enrolledClient(app, clock.now);
    // A second authenticator, kept next to the first (`add`), with a label.
    clock.advance(30_000);
    const second = (await c.post('/auth/mfa/totp/enroll', { add: true })).body.secret as string;
    expect(
      (
        await c.post('/auth/mfa/totp/confirm', {
          code: await codeAt(second, clock.now()),
          label: 'Laptop',
        })
      ).status,
    ).toBe(200);
    const list = (await c.get('/auth/mfa/factors')).body.factors as {
      id: string;
      type: string;
      label: string | null;
    }[];
    const totps = list.filter((f) => f.type === 'totp');
    expect(totps).toHaveLength(2);
    expect(totps.map((f) => f.label)).toEqual([null, 'Laptop']);
    expect(JSON.stringify(list)).not.toMatch(new RegExp(`${first}|${second}|ciphertext|digest`));

    // Both authenticators sign in; a code used on one does not block the other in the same step.
    clock.advance(30_000);
    for (const secret of [first, second]) {
      const d = await client(app);
      await d.login('alice', 'alice-password-1');
      expect((await d.verify(await codeAt(secret, clock.now()), 'totp')).status).toBe(200);
    }

    const [one] = totps;
    const renamed = await withToken(c, 'patch', `/auth/mfa/factors/${one?.id}`, { label: 'Phone' });
    expect(renamed.body).toMatchObject({ id: one?.id, label: 'Phone' });
    expect(
      (await withToken(c, 'patch', `/auth/mfa/factors/${one?.id}`, { label: 'x'.repeat(10_000) }))
        .status,
    ).toBe(400);
    expect(
      (await withToken(c, 'patch', `/auth/mfa/factors/${one?.id}`, { label: 'a\u0000b' })).status,
    ).toBe(400);
    expect(
      (await withToken(c, 'patch', '/auth/mfa/factors/unknown-id', { label: 'x' })).status,
    ).toBe(404);
    expect((await c.agent.patch(`/auth/mfa/factors/${one?.id}`).send({ label: 'y' })).status).toBe(
      403,
    );

    // Removing needs a fresh second factor and a current code.
    clock.advance(10 * 60_000);
    expect(
      (await withToken(c, 'delete', `/auth/mfa/factors/${one?.id}`, { code: '000000' })).status,
    ).toBe(401);
    await c.verify(await codeAt(second, clock.now()), 'totp');
    clock.advance(30_000);
    expect(
      (await withToken(c, 'delete', `/auth/mfa/factors/${one?.id}`, { code: '000000' })).status,
    ).toBe(401);
    const removed = await withToken(c, 'delete', `/auth/mfa/factors/${one?.id}`, {
      code: await codeAt(second, clock.now()),
    });
    expect(removed.status).toBe(204);
    const after = (await c.get('/auth/mfa/factors')).body.factors as { type: string }[];
    expect(after.filter((f) => f.type === 'totp')).toHaveLength(1);
    clock.advance(30_000);
    const e = await client(app);
    await e.login('alice', 'alice-password-1');
    expect((await e.verify(await codeAt(first, clock.now()), 'totp')).status).toBe(401);
  });

  it("another user's id is 404, and a pending or anonymous session sees nothing", async () => {
    const { app, clock } = makeTotpApp();
    const { c } = await enrolledClient(app, clock.now);
    const [row] = (await c.get('/auth/mfa/factors')).body.factors as { id: string }[];
    const bob = await client(app);
    await bob.login('bob', 'bob-password-1');
    await bob.verify('246810');
    expect(
      (await withToken(bob, 'patch', `/auth/mfa/factors/${row?.id}`, { label: 'mine' })).status,
    ).toBe(404);
    expect(
      (await withToken(bob, 'delete', `/auth/mfa/factors/${row?.id}`, { code: '123456' })).status,
    ).toBe(404);
    expect((await client(app).then((a) => a.get('/auth/mfa/factors'))).status).toBe(401);
    const pending = await client(app);
    await pending.login('alice', 'alice-password-1');
    expect((await pending.get('/auth/mfa/factors')).status).toBe(401);
  });
});
