/**
 * Users for the load runs, prepared over HTTP before a run (never during one):
 * - pending logins with TOTP enrolled (a cookie, a CSRF token and the secret each), one per
 *   request of a TOTP-verify run, since each can verify once;
 * - satisfied sessions (pending + a real `POST /auth/mfa/verify`), one per connection of the
 *   guarded-route runs.
 */
import { base32Decode, totpCode } from './totp-code.js';

/** The password of every bench user. */
export const BENCH_PASSWORD = 'bench-password-1';

export interface PendingUser {
  readonly id: string;
  /** `sid=…` */
  readonly cookie: string;
  /** Ours only: the session's CSRF token. */
  readonly csrf: string;
  /** The TOTP key (bytes of the Base32 secret). */
  readonly key: Buffer;
}

const SEED_CONCURRENCY = 32;

function sidCookie(res: Response, what: string): string {
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => c.startsWith('sid='));
  if (!cookie) throw new Error(`bench: ${what} answered without a session cookie`);
  return cookie;
}

async function failed(res: Response, what: string): Promise<Error> {
  return new Error(`bench: ${what} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
}

/** Run `fn` over `items`, `limit` at a time. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** One user with TOTP enrolled and a pending login (ours) or a passport-local login (usual). */
export async function seedUser(base: string, id: string): Promise<PendingUser> {
  const res = await fetch(`${base}/bench/seed/${encodeURIComponent(id)}`, { method: 'POST' });
  if (!res.ok) throw await failed(res, `seed ${id}`);
  const body = (await res.json()) as { secret: string; csrfToken?: string };
  return {
    id,
    cookie: sidCookie(res, `seed ${id}`),
    csrf: body.csrfToken ?? '',
    key: base32Decode(body.secret),
  };
}

export function seedUsers(base: string, prefix: string, count: number): Promise<PendingUser[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  return mapLimit(ids, SEED_CONCURRENCY, (id) => seedUser(base, id));
}

/** What a client sends to ours: `POST /auth/mfa/verify {factor:'totp', code}`. */
export function verifyRequest(user: PendingUser, now: number) {
  return {
    headers: {
      cookie: user.cookie,
      'x-csrf-token': user.csrf,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify({ factor: 'totp', code: totpCode(user.key, now) }),
  };
}

/** What a client sends to the usual stack: `POST /login-otp {code}`. */
export function usualVerifyRequest(user: PendingUser, now: number) {
  return {
    headers: {
      cookie: user.cookie,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify({ code: totpCode(user.key, now) }),
  };
}

/** Satisfied sessions (password + TOTP), checked against `GET /guarded`; returns the cookies. */
export async function satisfiedSessions(
  base: string,
  prefix: string,
  count: number,
): Promise<string[]> {
  const users = await seedUsers(base, prefix, count);
  return mapLimit(users, SEED_CONCURRENCY, async (user) => {
    const res = await fetch(`${base}/auth/mfa/verify`, {
      method: 'POST',
      ...verifyRequest(user, Date.now()),
    });
    if (!res.ok) throw await failed(res, `verify ${user.id}`);
    const cookie = sidCookie(res, `verify ${user.id}`);
    const check = await fetch(`${base}/guarded`, {
      headers: { cookie, accept: 'application/json' },
    });
    if (check.status !== 200) throw await failed(check, `GET /guarded for ${user.id}`);
    return cookie;
  });
}

/**
 * Bearer tokens (password + TOTP through `POST /auth/token`, as the demo CLI signs in), each
 * checked against `GET /guarded`; returns the tokens. The seeded user's current step is unused
 * (its enrolment confirmed the previous one), so the code of now is accepted.
 */
export async function bearerTokens(base: string, prefix: string, count: number): Promise<string[]> {
  const users = await seedUsers(base, prefix, count);
  return mapLimit(users, SEED_CONCURRENCY, async (user) => {
    const res = await fetch(`${base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        username: user.id,
        password: BENCH_PASSWORD,
        code: totpCode(user.key, Date.now()),
      }),
    });
    if (!res.ok) throw await failed(res, `POST /auth/token for ${user.id}`);
    const token = ((await res.json()) as { access_token: string }).access_token;
    const check = await fetch(`${base}/guarded`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    if (check.status !== 200) throw await failed(check, `GET /guarded with a token of ${user.id}`);
    return token;
  });
}
