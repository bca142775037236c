// The client of the bypass tests: keeps cookies, fetches the CSRF token and follows its rotation.
import request from 'supertest';
import type { BypassApp } from './bypass-app.js';

/** A cookie-keeping client that fetches the CSRF token and follows its rotation. */
export async function bypassClient(app: BypassApp['app']) {
  const agent = request.agent(app);
  let token = '';
  const refreshCsrf = async () => {
    token = ((await agent.get('/auth/csrf').expect(200)).body as { csrfToken: string }).csrfToken;
  };
  await refreshCsrf();
  const post = async (path: string, body: object = {}, headers: Record<string, string> = {}) => {
    const res = await agent
      .post(path)
      .set('x-csrf-token', token)
      .set('Accept', 'application/json')
      .set(headers)
      .send(body);
    const fresh = (res.body as { csrfToken?: unknown }).csrfToken;
    if (typeof fresh === 'string') token = fresh;
    return res;
  };
  /** A POST without the CSRF token (HTTP Basic logins need none); follows the token it returns. */
  const postBare = async (path: string, headers: Record<string, string>) => {
    const res = await agent.post(path).set('Accept', 'application/json').set(headers);
    const fresh = (res.body as { csrfToken?: unknown }).csrfToken;
    if (typeof fresh === 'string') token = fresh;
    return res;
  };
  return {
    agent,
    post,
    postBare,
    refreshCsrf,
    get: (path: string) => agent.get(path).set('Accept', 'application/json'),
    getHtml: (path: string) => agent.get(path).set('Accept', 'text/html'),
    login: (username: string, password: string) => post('/auth/login', { username, password }),
    verify: (code: string, factor = 'totp') => post('/auth/mfa/verify', { factor, code }),
    logout: () => post('/auth/logout'),
    async state() {
      return (await agent.get('/auth/session').set('Accept', 'application/json')).body as {
        status: string;
        userId?: string;
        amr: string[];
        factors: string[];
        mfaAt?: number;
      };
    },
  };
}

export type BypassClient = Awaited<ReturnType<typeof bypassClient>>;

/** Basic credentials for `POST /auth/login` (no CSRF token needed). */
export function basic(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}
