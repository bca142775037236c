/**
 * The real side of the account-recovery commands and of the app's own keepSessionInfo login
 * and logout (expect-account.ts says what they must answer): each sends its request through the
 * instance the command picked and returns the real answer next to the model's.
 */
import type { Response } from 'supertest';
import type { Evidence } from './expect.js';
import * as account from './expect-account.js';
import type { Client, Real } from './harness.js';
import type { Ledger } from './invariants.js';
import { view, type Answer, type Model, type TotpKind, type UserName } from './model.js';

export type AccountAction =
  | { t: 'forgot'; c: number; user: UserName }
  | { t: 'reset'; c: number; i: number; ev: Evidence | undefined }
  | { t: 'appLogin'; c: number; user: UserName }
  | { t: 'appLogout'; c: number }
  /**
   * From browser `c`: the sessions list, then the end of another session on it (the first one
   * not `current`, or a well-formed id of none when there is no other), or of all others.
   */
  | { t: 'endSession'; c: number; all: boolean }
  /** A new set of recovery codes from browser `c`, with an inline TOTP code of `kind` or none. */
  | { t: 'regenerate'; c: number; kind: TotpKind | undefined };

export interface AccountWorld {
  readonly real: Real;
  readonly ledger: Ledger;
  /** The code or recovery code a command sends for `ev`, as commands.ts picks it. */
  readonly codeFor: (m: Model, user: UserName, ev: Evidence) => Promise<string>;
}

type Compared = { real: Answer; model: Answer };

const tagOf = (res: Response): string | undefined => {
  const body = (res.body ?? {}) as { error?: string; status?: string };
  return body.error ?? body.status;
};

export async function performAccount(
  a: AccountAction,
  m: Model,
  w: AccountWorld,
  browser: Client,
): Promise<Compared> {
  const { real, ledger } = w;
  switch (a.t) {
    case 'forgot': {
      const before = await real.mailedLink(a.user);
      const res = await browser.post('/auth/password/forgot', { username: a.user });
      const link = await real.mailedLink(a.user);
      const sent = link !== undefined && link !== before;
      if (sent) real.links.push(link);
      return {
        real: { code: res.status, tag: sent ? 'sent' : 'nothing mailed' },
        model: account.forgot(m, a.user),
      };
    }
    case 'reset': {
      // Links are picked among those mailed so far (the same index on both sides).
      const i = a.i % m.links.length;
      const user = m.links[i]?.user ?? 'bob';
      const code = a.ev ? await w.codeFor(m, user, a.ev) : undefined;
      const own = view(m, a.c);
      // An account without a second factor is reset with the link alone: no code is compared.
      const factored = m.users[user].hasTotp || m.users[user].recovery.size > 0;
      const res = await browser.post('/auth/password/reset', {
        token: real.links[i] ?? 'none',
        newPassword: 'a brand new passphrase 42',
        ...(a.ev ? { factor: a.ev.factor, code } : {}),
      });
      await browser.refreshCsrf();
      ledger.resetAnswer(real.links[i] ?? 'none', res.status);
      if (res.status === 200) ledger.credentialEvent(user);
      // Only an answer past the link and the factor list compared a code.
      const compared = res.status === 200 || tagOf(res) === 'invalid_code';
      if (a.ev && code !== undefined && compared && factored) {
        ledger.codeAnswer(user, a.ev.factor, code, res, 'reset');
      }
      if (res.status === 200 && own.kind !== 'anonymous' && own.user === user) {
        ledger.loggedIn(a.c);
      }
      return { real: { code: res.status, tag: tagOf(res) }, model: account.reset(m, a.c, i, a.ev) };
    }
    case 'appLogin': {
      const res = await browser.post('/app/login', { username: a.user });
      await browser.refreshCsrf();
      if (res.status === 200) ledger.loggedIn(a.c);
      return {
        real: { code: res.status, tag: tagOf(res) },
        model: account.appLogin(m, a.c, a.user),
      };
    }
    case 'endSession': {
      const list = await browser.get('/auth/sessions');
      if (list.status !== 200) {
        return {
          real: { code: list.status, tag: tagOf(list) },
          model: account.endSession(m, a.c, a.all),
        };
      }
      const listed =
        (list.body as { sessions?: { id: string; current: boolean }[] }).sessions ?? [];
      const others = listed.filter((s) => !s.current);
      const path = a.all ? '/auth/sessions' : `/auth/sessions/${others[0]?.id ?? 'A'.repeat(22)}`;
      const res = await browser.agent
        .delete(path)
        .set('x-csrf-token', browser.csrf)
        .set('Accept', 'application/json');
      const tag = `${others.length} others listed${res.status === 204 ? '' : `, ${tagOf(res)}`}`;
      return { real: { code: res.status, tag }, model: account.endSession(m, a.c, a.all) };
    }
    case 'regenerate': {
      const own = view(m, a.c);
      const user = own.kind === 'anonymous' ? 'bob' : own.user;
      const code = a.kind ? await w.codeFor(m, user, { factor: 'totp', kind: a.kind }) : undefined;
      const res = await browser.post(
        '/auth/mfa/recovery-codes/regenerate',
        code === undefined ? {} : { code },
      );
      await browser.refreshCsrf();
      const fresh = (res.body as { recoveryCodes?: string[] }).recoveryCodes;
      if (res.status === 200 && fresh) {
        real.retired[user] = real.codes[user] ?? [];
        real.codes[user] = fresh;
        if (code !== undefined) ledger.secondFactor(a.c);
      }
      return {
        real: { code: res.status, tag: tagOf(res) },
        model: account.regenerate(m, a.c, a.kind),
      };
    }
    case 'appLogout': {
      const res = await browser.post('/app/logout');
      await browser.refreshCsrf();
      ledger.loggedIn(a.c);
      return { real: { code: res.status }, model: account.appLogout(m, a.c) };
    }
  }
}
