// Attack: the thief's password-only login sits pending while the victim changes the password or an
// admin resets MFA, then completes it with a phished TOTP code (allauth-2fa #70); a credential
// change must kill every pending login of that user.
import type { Store } from 'express-session';
import { describe, expect, it } from 'vitest';
import { generateTotp } from '../../lib/index.js';
import session from 'express-session';
import { makeBypassApp, type BypassApp } from '../helpers/bypass-app.js';
import { bypassClient, type BypassClient } from '../helpers/bypass-client.js';

/**
 * A session store that cannot list its sessions (no `all()`), like many production stores:
 * `changePassword` then cannot end other sessions by scanning them.
 */
class UnlistableSessionStore extends session.Store {
  private readonly data = new Map<string, string>();
  override get(
    sid: string,
    cb: (err: unknown, session?: session.SessionData | null) => void,
  ): void {
    const raw = this.data.get(sid);
    cb(null, raw === undefined ? null : (JSON.parse(raw) as session.SessionData));
  }
  override set(sid: string, value: session.SessionData, cb?: (err?: unknown) => void): void {
    this.data.set(sid, JSON.stringify(value));
    cb?.();
  }
  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.data.delete(sid);
    cb?.();
  }
}

const NEW_PASSWORD = 'a much better passphrase 2026';
/** Bob's new authenticator after an admin reset (his phone was lost). */
const NEW_SECRET = 'MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U';

interface Change {
  readonly name: string;
  /** Changes Bob's credentials; returns Bob's valid TOTP code afterwards. */
  apply(built: BypassApp): Promise<string>;
}

async function satisfiedBob(built: BypassApp): Promise<BypassClient> {
  const c = await bypassClient(built.app);
  await c.login('bob', 'bob-password-1');
  expect((await c.verify(await built.codeFor('u-bob'))).status).toBe(200);
  return c;
}

async function reenrolled(built: BypassApp): Promise<string> {
  await built.totpFactor.enrollWithSecret('u-bob', NEW_SECRET);
  built.clock.advance(30_000);
  return generateTotp({ secret: NEW_SECRET, now: built.clock.now() });
}

const CHANGES: Change[] = [
  {
    name: 'changePassword, victim signed in',
    async apply(built) {
      const victim = await satisfiedBob(built);
      expect(
        (await victim.post('/app/change-password', { newPassword: NEW_PASSWORD })).status,
      ).toBe(200);
      return built.codeFor('u-bob');
    },
  },
  {
    name: 'changePassword via a reset link',
    async apply(built) {
      const victim = await bypassClient(built.app);
      const res = await victim.post('/app/reset-password', {
        userId: 'u-bob',
        newPassword: NEW_PASSWORD,
      });
      expect(res.status).toBe(200);
      return built.codeFor('u-bob');
    },
  },
  {
    name: 'adminReset() + new authenticator',
    async apply(built) {
      await built.stepup.adminReset(undefined, 'u-bob', 'u-alice');
      return reenrolled(built);
    },
  },
  {
    name: 'admin endpoint + new authenticator',
    async apply(built) {
      const admin = await bypassClient(built.app);
      expect((await admin.login('alice', 'alice-password-1')).body.status).toBe('authenticated');
      expect((await admin.post('/auth/admin/users/u-bob/mfa/reset')).status).toBe(204);
      return reenrolled(built);
    },
  },
];

const STORES: { name: string; make: () => Store | undefined }[] = [
  { name: 'MemoryStore (lists sessions)', make: () => undefined },
  { name: 'a store that cannot list sessions', make: () => new UnlistableSessionStore() },
];

const isAdmin = (req: { user?: unknown }) =>
  (req.user as { id?: string } | undefined)?.id === 'u-alice';

describe.each(STORES)('on $name', ({ make }) => {
  it('control: with no change in between, the pending login completes with the code', async () => {
    const built = await makeBypassApp({ sessionStore: make(), stepup: { isAdmin } });
    const thief = await bypassClient(built.app);
    expect((await thief.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');
    await satisfiedBob(built);
    await thief.refreshCsrf();
    expect((await thief.verify(await built.codeFor('u-bob'))).status).toBe(200);
  });

  it.each(CHANGES)('$name kills the pending login, even with a valid TOTP code', async (change) => {
    const built = await makeBypassApp({ sessionStore: make(), stepup: { isAdmin } });
    const thief = await bypassClient(built.app);
    expect((await thief.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');

    const code = await change.apply(built);
    await thief.refreshCsrf(); // the session may be gone; the verify must still say why it fails
    const res = await thief.verify(code);
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('mfa_session_expired');
    expect((await thief.state()).status).not.toBe('satisfied');
    for (const path of ['/me', '/reports', '/billing'])
      expect((await thief.get(path)).status, path).toBe(401);
  });
});
