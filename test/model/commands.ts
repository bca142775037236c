/**
 * The commands of the model test: each sends one real request (or moves the clock), asks the
 * model (expect.ts) what the answer must be, and compares; then every browser's session as the
 * app reads it (`GET /auth/session`) must be the model's, and the model-free checks of
 * invariants.ts must hold.
 */
import type fc from 'fast-check';
import request, { type Response } from 'supertest';
import * as expect from './expect.js';
import * as faults from './expect-faults.js';
import type { Evidence, Path } from './expect.js';
import { enrolTotp, idOf, totpCode, type Real } from './harness.js';
import type { Ledger } from './invariants.js';
import { performAccount, type AccountAction } from './perform-account.js';
import {
  currentStep,
  hasFactor,
  stepOf,
  view,
  type Answer,
  type Model,
  type TotpKind,
  type UserName,
} from './model.js';

export type Action =
  | { t: 'login'; c: number; user: UserName; right: boolean }
  /** `rb`: with "remember this browser" ticked (invariant 4). */
  | { t: 'verify'; c: number; ev: Evidence; rb?: boolean }
  | { t: 'get'; c: number; path: Path }
  | { t: 'logout'; c: number }
  | { t: 'mint'; user: UserName; ev: Evidence | undefined }
  | { t: 'useToken'; i: number; path: Path }
  | { t: 'revoke'; i: number }
  | { t: 'password'; c: number }
  | { t: 'disable'; c: number; ev: Evidence }
  | { t: 'enrol'; c: number }
  | { t: 'adminReset'; user: UserName }
  | { t: 'clock'; ms: number }
  /** 11 wrong TOTP codes in a row from a CLI: the lockout, reached often (invariant 17). */
  | { t: 'burst'; user: UserName }
  /**
   * Forgot password, then the reset with the mailed link and a code, from one browser: the
   * login epoch moves while the user keeps their factors, so a pending login elsewhere must be
   * refused at its next good code (invariant 16), reached often.
   */
  | { t: 'recover'; c: number; user: UserName; ev: Evidence }
  /**
   * The pattern of invariant 16 end to end: browser `c` signs in with the password and waits;
   * then, from the other browser, a password change (signed in by the app), a forgot + reset
   * with a recovery code, or an admin reset and a new enrolment; then a good TOTP code in `c`
   * must be refused (the login epoch moved).
   */
  | {
      t: 'stale';
      c: number;
      user: 'bob' | 'carol';
      how: 'password' | 'recover' | 'admin' | 'flush';
    }
  /**
   * Invariant 4 end to end: browser `c` signs in with a code and "remember this browser"; then
   * a credential event (or the 30 days, or nothing); then a logout and a password sign-in in
   * the same browser, which the cookie satisfies only if nothing revoked it.
   */
  | { t: 'remembered'; c: number; user: 'bob' | 'carol'; how: RememberEnd }
  /**
   * Issue 29, ending a session from another: browser `c` signed in by the app (off the list),
   * the other browser signs in as the same user (pending, or with a code when `verified`), then
   * `c` lists the sessions and ends the other one, or all others.
   */
  | { t: 'endOther'; c: number; user: UserName; verified: boolean; all: boolean }
  /**
   * Issue 29: browser `c` signed in by the app as `user`, a regeneration with `kind`, then a
   * token asked for with a code of the set it replaced.
   */
  | { t: 'regenerateAs'; c: number; user: UserName; kind: TotpKind | undefined }
  /** FLUSHALL on the shared Redis (two instances only). */
  | { t: 'flush' }
  /** `inner` sent while the credential database is unreachable (two instances only). */
  | { t: 'outage'; inner: OutageAction }
  | AccountAction;

/** What a command may send while the credential database is down. */
export type OutageAction = Extract<
  Action,
  { t: 'login' | 'verify' | 'get' | 'mint' | 'useToken' | 'password' | 'disable' | 'reset' }
>;

export type RememberEnd =
  'none' | 'password' | 'reset' | 'disable' | 'admin' | 'recovery' | 'expiry';

export interface World {
  readonly real: Real;
  readonly ledger: Ledger;
  /** How often each kind of answer came back (`command:status:tag`), for the soak's report. */
  readonly seen?: Map<string, number>;
}

/** The code or recovery code the real request carries for `evidence`, as the model picks it. */
async function codeFor(m: Model, w: World, user: UserName, ev: Evidence): Promise<string> {
  const other: UserName = user === 'bob' ? 'carol' : 'bob';
  if (ev.factor === 'recovery-code') {
    if (ev.kind === 'other') return w.real.codes[other]?.[0] ?? 'none-none';
    const i = expect.recoveryIndex(m, user, ev.kind);
    // A spent code when none of the set is: one of a set a regeneration replaced, if any.
    const retired = ev.kind === 'spent' || ev.kind === 'retired' ? w.real.retired[user] : undefined;
    if (ev.kind === 'retired') return retired?.at(-1) ?? 'aaaa-bbbb-cccc';
    if (i === undefined) return retired?.[0] ?? 'aaaa-bbbb-cccc';
    return w.real.codes[user]?.[i] ?? 'aaaa-bbbb-cccc';
  }
  if (ev.kind === 'other') return totpCode(w.real.secrets[other], currentStep(m));
  if (ev.kind === 'wrong') return '000000';
  const step = stepOf(m, user, ev.kind);
  return step === undefined ? '000000' : totpCode(w.real.secrets[user], step);
}

const subjectOf = (m: Model, c: number): UserName => {
  const s = view(m, c);
  return s.kind === 'anonymous' ? 'bob' : s.user;
};

function answerOf(res: Response): Answer {
  const body = (res.body ?? {}) as { error?: string; status?: string; reason?: string };
  const tag = body.error ?? body.status;
  return {
    code: res.status,
    tag: tag && body.reason === 'code_already_used' ? `${tag}:${body.reason}` : tag,
  };
}

/** The status alone, but a 503's error code too (the only 5xx allowed, under faults). */
const shortAnswer = (res: Response): Answer =>
  res.status === 503 ? answerOf(res) : { code: res.status };

/** Send the action to the real app; the model's answer is computed from the same model state. */
async function perform(
  a: Action,
  m: Model,
  w: World,
  via: number,
): Promise<{ real: Answer; model: Answer }> {
  const { real } = w;
  // Two instances behind one address: this command's requests go to instance `via`.
  real.route.via = via;
  const browser = (i: number) => {
    const found = real.clients[i];
    if (!found) throw new Error(`no client ${i}`);
    return found;
  };
  // A session ended from elsewhere takes its CSRF token with it (docs/http-api.md): a browser
  // asks for the current one, as a page load would. CSRF itself is not part of the model.
  if ('c' in a && a.t !== 'get') await browser(a.c).refreshCsrf();
  switch (a.t) {
    case 'login': {
      const password = a.right ? `${a.user}-password-1` : 'not-the-password';
      const before = browser(a.c).sessionId();
      const res = await browser(a.c).login(a.user, password);
      if (res.status === 200) w.ledger.rotated(a.c, before, browser(a.c).sessionId(), 'login');
      await browser(a.c).refreshCsrf();
      if (res.status === 200) w.ledger.loggedIn(a.c);
      if (res.status === 200 && res.body?.status === 'authenticated') {
        w.ledger.signedInWithoutCode(a.c, a.user);
      }
      return { real: answerOf(res), model: expect.login(m, a.c, a.user, a.right) };
    }
    case 'verify': {
      const user = subjectOf(m, a.c);
      const code = await codeFor(m, w, user, a.ev);
      const before = browser(a.c).sessionId();
      const res = await browser(a.c).post('/auth/mfa/verify', {
        factor: a.ev.factor,
        code,
        ...(a.rb ? { rememberBrowser: true } : {}),
      });
      if (res.status === 200) w.ledger.rotated(a.c, before, browser(a.c).sessionId(), 'verify');
      await browser(a.c).refreshCsrf();
      w.ledger.codeAnswer(user, a.ev.factor, code, res, 'session');
      if (res.status === 401 && res.body?.error === 'mfa_session_expired') {
        w.ledger.staleLoginRefused(a.c, user, a.ev.factor);
      }
      if (res.status === 200) w.ledger.secondFactor(a.c);
      if (res.status === 200 && a.rb) w.ledger.rememberedBy(a.c, user);
      return { real: answerOf(res), model: expect.verify(m, a.c, a.ev, a.rb) };
    }
    case 'get': {
      const res = await browser(a.c).get(a.path);
      w.ledger.guarded(a.c, a.path, res.status);
      return { real: shortAnswer(res), model: expect.get(m, a.c, a.path) };
    }
    case 'logout': {
      const res = await browser(a.c).post('/auth/logout');
      await browser(a.c).refreshCsrf();
      w.ledger.loggedIn(a.c);
      return { real: answerOf(res), model: expect.logout(m, a.c) };
    }
    case 'mint': {
      const code = a.ev ? await codeFor(m, w, a.user, a.ev) : undefined;
      const res = await real.mint({
        username: a.user,
        password: `${a.user}-password-1`,
        ...(a.ev ? { code, factor: a.ev.factor } : {}),
      });
      // The code counts only when the app checked one: the token's amr says so.
      const amr = (res.body?.amr ?? []) as string[];
      const checked = res.status !== 200 || amr.includes('otp') || amr.includes('rc');
      if (a.ev && code !== undefined && checked) {
        w.ledger.codeAnswer(a.user, a.ev.factor, code, res, 'token');
      }
      if (res.status === 200) real.tokens.push(res.body.access_token as string);
      return {
        real: { code: res.status, tag: answerOf(res).tag },
        model: expect.mint(m, a.user, a.ev),
      };
    }
    case 'useToken': {
      // Tokens are picked among those minted so far (the same index on both sides).
      const i = a.i % m.tokens.length;
      const res = await real.bearer(a.path, real.tokens[i] ?? 'psu_none');
      const tag = res.status === 200 ? undefined : answerOf(res).tag;
      return { real: { code: res.status, tag }, model: expect.useToken(m, i, a.path) };
    }
    case 'revoke': {
      const i = a.i % m.tokens.length;
      const del = await request(real.app)
        .delete('/auth/token')
        .set('Authorization', `Bearer ${real.tokens[i] ?? 'psu_none'}`);
      return { real: answerOf(del), model: expect.revoke(m, i) };
    }
    case 'password': {
      const user = subjectOf(m, a.c);
      const res = await browser(a.c).post('/password');
      if (res.status === 204) w.ledger.credentialEvent(user);
      return { real: shortAnswer(res), model: expect.changePassword(m, a.c) };
    }
    case 'disable': {
      const user = subjectOf(m, a.c);
      const code = await codeFor(m, w, user, a.ev);
      const res = await browser(a.c).post('/auth/mfa/totp/disable', { code });
      w.ledger.codeAnswer(user, a.ev.factor, code, res, 'disable');
      if (res.status === 200) w.ledger.credentialEvent(user);
      return { real: answerOf(res), model: expect.disable(m, a.c, a.ev) };
    }
    case 'enrol': {
      const user = subjectOf(m, a.c);
      const out = await enrolTotp(browser(a.c), real.clock.now);
      if (out.status === 200 && out.secret) {
        real.secrets[user] = out.secret;
        real.codes[user] = out.recoveryCodes ?? [];
        w.ledger.reenrolled(user);
        w.ledger.secondFactor(a.c);
      }
      return { real: { code: out.status }, model: expect.enrol(m, a.c) };
    }
    case 'adminReset':
      await real.stepup.adminReset(undefined, idOf(a.user));
      w.ledger.adminReset(a.user);
      w.ledger.credentialEvent(a.user);
      return { real: { code: 200 }, model: expect.adminReset(m, a.user) };
    case 'burst':
    case 'recover':
    case 'stale':
    case 'remembered':
    case 'outage':
    case 'endOther':
    case 'regenerateAs':
      throw new Error(`a ${a.t} runs as several commands`);
    case 'flush':
      if (!real.faults) throw new Error('a flush needs the shared stores');
      await real.faults.flush();
      w.ledger.flushed();
      return { real: { code: 200 }, model: faults.flush(m) };
    case 'clock':
      real.clock.advance(a.ms);
      m.now += a.ms;
      w.ledger.clockMoved(a.ms);
      return { real: { code: 200 }, model: { code: 200 } };
    default: {
      const world = {
        ...w,
        codeFor: (mm: Model, u: UserName, ev: Evidence) => codeFor(mm, w, u, ev),
      };
      return performAccount(a, m, world, browser(a.c));
    }
  }
}

/** A verify sent to `c: PENDING_BROWSER` goes to the first browser with a pending login. */
export const PENDING_BROWSER = 2;

/** A step of a sequence: one action, its answer compared with the model's, then the checks. */
export class Step implements fc.AsyncCommand<Model, World> {
  constructor(
    readonly a: Action,
    /** The instance the requests go to (with one instance, always the first). */
    readonly via = 0,
  ) {}
  check(m: Readonly<Model>): boolean {
    const a = this.a;
    if (a.t === 'useToken' || a.t === 'revoke') return m.tokens.length > 0;
    if (a.t === 'reset') return m.links.length > 0;
    // Faults exist only where the stores are shared (Redis keeps its own time there).
    if (a.t === 'flush' || (a.t === 'stale' && a.how === 'flush')) return m.storeOnRealTime;
    if (a.t === 'outage') return m.storeOnRealTime && new Step(a.inner).check(m);
    if (a.t === 'enrol') {
      const s = view(m as Model, a.c);
      const user = s.kind === 'authenticated' || s.kind === 'satisfied' ? s.user : undefined;
      return user !== undefined && !m.users[user].hasTotp && m.users[user].recovery.size === 0;
    }
    return true;
  }
  async run(m: Model, w: World): Promise<void> {
    const a = this.a;
    if (a.t === 'verify' && a.c === PENDING_BROWSER) {
      // Most second factors are sent where a login waits for one, as browsers do.
      const waiting = m.sessions.findIndex((_, i) => view(m, i).kind === 'pending');
      await this.once({ ...a, c: Math.max(0, waiting) }, m, w);
      return;
    }
    if (a.t === 'recover') {
      // The story of invariant 16: the account is recovered in one browser while a login of
      // it waits for its second factor in the other, so the reset targets that login's user.
      const other = view(m, a.c === 0 ? 1 : 0);
      const user = other.kind === 'pending' ? other.user : a.user;
      await this.once({ t: 'forgot', c: a.c, user }, m, w);
      await this.once({ t: 'reset', c: a.c, i: m.links.length - 1, ev: a.ev }, m, w);
      return;
    }
    if (a.t === 'stale') {
      await this.stale(a, m, w);
      return;
    }
    if (a.t === 'endOther') {
      const other = a.c === 0 ? 1 : 0;
      await this.once({ t: 'appLogin', c: a.c, user: a.user }, m, w);
      await this.once({ t: 'login', c: other, user: a.user, right: true }, m, w);
      if (a.verified) {
        const ev: Evidence = { factor: 'totp', kind: 'next' };
        await this.once({ t: 'verify', c: other, ev }, m, w);
      }
      await this.once({ t: 'endSession', c: a.c, all: a.all }, m, w);
      return;
    }
    if (a.t === 'regenerateAs') {
      await this.once({ t: 'appLogin', c: a.c, user: a.user }, m, w);
      await this.once({ t: 'regenerate', c: a.c, kind: a.kind }, m, w);
      // A code of the replaced set, from a CLI: refused (the old set is spent at once).
      const ev: Evidence = { factor: 'recovery-code', kind: 'retired' };
      await this.once({ t: 'mint', user: a.user, ev }, m, w);
      return;
    }
    if (a.t === 'remembered') {
      await this.remembered(a, m, w);
      return;
    }
    if (a.t === 'outage') {
      const { inner } = a;
      if (inner.t === 'verify' && inner.c === PENDING_BROWSER) {
        const waiting = m.sessions.findIndex((_, i) => view(m, i).kind === 'pending');
        await this.outage({ ...inner, c: Math.max(0, waiting) }, m, w);
      } else await this.outage(inner, m, w);
      return;
    }
    const wrong: Action = {
      t: 'mint',
      user: a.t === 'burst' ? a.user : 'bob',
      ev: { factor: 'totp', kind: 'wrong' },
    };
    for (let k = 0; k < (a.t === 'burst' ? 11 : 1); k++)
      await this.once(a.t === 'burst' ? wrong : a, m, w);
  }
  private async stale(a: Extract<Action, { t: 'stale' }>, m: Model, w: World): Promise<void> {
    const other = a.c === 0 ? 1 : 0;
    await this.once({ t: 'login', c: a.c, user: a.user, right: true }, m, w);
    if (a.how === 'password' || a.how === 'flush') {
      await this.once({ t: 'appLogin', c: other, user: a.user }, m, w);
      await this.once({ t: 'password', c: other }, m, w);
      // The MfaStore loses the epoch the change moved: the login stays void (found by this
      // model: a lost epoch once read as 0, the voided login's own).
      if (a.how === 'flush') await this.once({ t: 'flush' }, m, w);
    } else if (a.how === 'recover') {
      await this.once({ t: 'forgot', c: other, user: a.user }, m, w);
      const ev: Evidence = { factor: 'recovery-code', kind: 'fresh' };
      await this.once({ t: 'reset', c: other, i: m.links.length - 1, ev }, m, w);
    } else {
      await this.once({ t: 'adminReset', user: a.user }, m, w);
      await this.once({ t: 'appLogin', c: other, user: a.user }, m, w);
      // Enrolment needs an account without a factor: the admin reset just made it one.
      const u = m.users[a.user];
      if (!u.hasTotp && u.recovery.size === 0) await this.once({ t: 'enrol', c: other }, m, w);
    }
    // A code the replay marker lets through, so the answer is the login epoch's.
    const u = m.users[a.user];
    const kind = u.lastStep < currentStep(m) ? 'current' : 'next';
    await this.once({ t: 'verify', c: a.c, ev: { factor: 'totp', kind } }, m, w);
  }
  private async remembered(
    a: Extract<Action, { t: 'remembered' }>,
    m: Model,
    w: World,
  ): Promise<void> {
    const { c, user } = a;
    const other = c === 0 ? 1 : 0;
    // Past the step of any code used so far, so the codes below meet the rule, not the marker.
    const clear = async () => {
      while (m.users[user].lastStep >= currentStep(m)) {
        await this.once({ t: 'clock', ms: 30_000 }, m, w);
      }
    };
    await this.once({ t: 'login', c, user, right: true }, m, w);
    await clear();
    await this.once({ t: 'verify', c, ev: { factor: 'totp', kind: 'current' }, rb: true }, m, w);
    await clear();
    const current: Evidence = { factor: 'totp', kind: 'current' };
    switch (a.how) {
      case 'password':
        await this.once({ t: 'password', c }, m, w);
        break;
      case 'reset':
        await this.once({ t: 'forgot', c: other, user }, m, w);
        await this.once({ t: 'reset', c: other, i: m.links.length - 1, ev: current }, m, w);
        break;
      case 'disable':
      case 'admin':
        // The user enrols again: only an account with a factor consults the cookie.
        if (a.how === 'disable') await this.once({ t: 'disable', c, ev: current }, m, w);
        else await this.once({ t: 'adminReset', user }, m, w);
        if (!hasFactor(m.users[user])) await this.once({ t: 'enrol', c }, m, w);
        break;
      case 'recovery':
        await this.once({ t: 'login', c: other, user, right: true }, m, w);
        await this.once(
          { t: 'verify', c: other, ev: { factor: 'recovery-code', kind: 'fresh' } },
          m,
          w,
        );
        break;
      case 'expiry':
        await this.once({ t: 'clock', ms: 31 * 24 * 3600_000 }, m, w);
        break;
      case 'none':
        break;
    }
    await this.once({ t: 'logout', c }, m, w);
    await this.once({ t: 'login', c, user, right: true }, m, w);
  }
  /**
   * `inner` while the credential database is down: the answer is a 503 and changes nothing,
   * or it is the model's answer (a request that needs no credential); never a 500, never a
   * sign-in or an account that reads as not enrolled. Afterwards every browser is the model's.
   */
  private async outage(inner: OutageAction, m: Model, w: World): Promise<void> {
    const outage = w.real.faults;
    if (!outage) throw new Error('an outage needs the shared stores');
    const maybe = structuredClone(m);
    const hashesBefore = w.real.hashes.stored;
    await outage.credentialsDown();
    let out: { real: Answer; model: Answer };
    try {
      out = await perform(inner, maybe, w, this.via);
    } finally {
      await outage.credentialsUp();
    }
    const { real, model } = out;
    const seen = `outage:${inner.t}:${real.code}:${real.tag ?? ''}`;
    w.seen?.set(seen, (w.seen.get(seen) ?? 0) + 1);
    if (real.code === 503) {
      if (real.tag !== 'service_unavailable') throw new Error(`${this}: a 503 ${real.tag}`);
      // A change or reset that failed changed no password (the user is told it failed).
      if (w.real.hashes.stored !== hashesBefore) throw new Error(`${this}: a 503 stored a hash`);
      if (inner.t === 'password') faults.passwordChangeFailed(m, inner.c);
    } else if (real.code !== model.code || (model.tag !== undefined && real.tag !== model.tag)) {
      throw new Error(`${this}: app ${JSON.stringify(real)}, model ${JSON.stringify(model)}`);
    } else {
      Object.assign(m, maybe);
    }
    if (real.code >= 500 && real.code !== 503) throw new Error(`${this}: a ${real.code}`);
    await compareSessions(m, w, String(this));
    w.ledger.assertHolds();
  }
  private async once(action: Action, m: Model, w: World): Promise<void> {
    const { real, model } = await perform(action, m, w, this.via);
    const seen = `${action.t}:${real.code}:${real.tag ?? ''}`;
    w.seen?.set(seen, (w.seen.get(seen) ?? 0) + 1);
    if (real.code >= 500) throw new Error(`${this}: a ${real.code}`);
    if (real.code !== model.code || (model.tag !== undefined && real.tag !== model.tag)) {
      throw new Error(`${this}: app ${JSON.stringify(real)}, model ${JSON.stringify(model)}`);
    }
    await compareSessions(m, w, String(this));
    w.ledger.assertHolds();
  }
  toString(): string {
    return JSON.stringify(this.via === 0 ? this.a : { ...this.a, via: this.via });
  }
}

/** Every browser's session, as the app reads it, is the model's (status and user). */
async function compareSessions(m: Model, w: World, label: string): Promise<void> {
  for (const [i, c] of w.real.clients.entries()) {
    const body = (await c.get('/auth/session')).body as { status: string; userId?: string };
    w.ledger.sessionRead(i, body.status);
    const s = view(m, i);
    const want = s.kind === 'anonymous' ? 'anonymous' : `${s.kind}:${idOf(s.user)}`;
    const got = body.status === 'anonymous' ? 'anonymous' : `${body.status}:${body.userId}`;
    if (got !== want) throw new Error(`${label}: client ${i} is ${got}, model ${want}`);
  }
}
