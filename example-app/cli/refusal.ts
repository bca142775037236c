/**
 * Why the server refused the demo CLI's token, in plain words, read from the standard
 * challenge rather than the JSON body (so any RFC 9470 resource server would do):
 * - RFC 6750 §3.1 `invalid_token`: expired, revoked, or ended by a password or factor change;
 *   signing in again helps.
 * - RFC 9470 §3 `insufficient_user_authentication` with `max_age`: the token's sign-in is older
 *   than the route allows; signing in again with a fresh code helps.
 * - the same with `acr_values`: the route needs a stronger level (the library's mapping of
 *   levels to ACR values is `acrValueFor` in lib/core/assurance.ts). A code gives AAL2, so
 *   signing in again helps for `…:aal2` (the user may have set up a factor since) but not for
 *   phishing resistance or AAL3, which need a passkey in the browser.
 */
import type { SavedToken } from './token-file.js';

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** The auth-params of a `Bearer` WWW-Authenticate challenge, if there was one. */
  readonly challenge: Readonly<Record<string, string>> | undefined;
}

export interface Refusal {
  readonly text: string;
  /** Whether a new sign-in (password + code) can get a token this route accepts. */
  readonly signInHelps: boolean;
}

/** `Bearer error="…", max_age="300"` → `{ error, max_age }` (quoted or token values). */
export function parseChallenge(header: string | null): Record<string, string> | undefined {
  if (!header || !/^\s*Bearer\b/i.test(header)) return undefined;
  const params: Record<string, string> = {};
  const pattern = /([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]+))/g;
  for (const match of header.replace(/^\s*Bearer\s*/i, '').matchAll(pattern)) {
    const [, name, quoted, bare] = match;
    if (name) params[name.toLowerCase()] = quoted?.replace(/\\(.)/g, '$1') ?? bare ?? '';
  }
  return params;
}

function duration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} seconds`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} minutes`;
  return `${(seconds / 3600).toFixed(1)} hours`;
}

function level(acr: string): { words: string; byCode: boolean } {
  if (acr.endsWith(':phishing-resistant'))
    return { words: 'a phishing-resistant factor (a passkey)', byCode: false };
  if (acr.endsWith(':aal3'))
    return { words: 'a hardware-bound, phishing-resistant authenticator (AAL3)', byCode: false };
  return { words: 'a second factor (AAL2)', byCode: true };
}

export function explainRefusal(answer: Answer, token: SavedToken, now: number): Refusal {
  const challenge = answer.challenge ?? {};
  const error = challenge.error ?? String(answer.body.error ?? '');
  if (error === 'invalid_token') {
    return {
      text:
        'The server no longer accepts your saved token: it expired, was revoked (on the security ' +
        'page or by `logout`), or ended when your password or a factor changed. Sign in again.',
      signInHelps: true,
    };
  }
  if (error === 'insufficient_user_authentication') {
    const maxAge = Number(challenge.max_age);
    if (challenge.max_age !== undefined && Number.isFinite(maxAge)) {
      const age = Math.max(0, (now - token.authTime) / 1000);
      return {
        text:
          `This needs a second factor entered in the last ${duration(maxAge)} (RFC 9470 max_age=${maxAge}); ` +
          `your token's sign-in was ${duration(age)} ago. Sign in again with a fresh code.`,
        signInHelps: true,
      };
    }
    if (challenge.acr_values) {
      const need = level(challenge.acr_values);
      return {
        text: need.byCode
          ? `This needs ${need.words}; your token is AAL${token.aal}. Sign in again with a code ` +
            '(set up an authenticator app on the security page first if you have none).'
          : `This needs ${need.words} (acr_values=${challenge.acr_values}), which a code at this ` +
            'prompt cannot give: use the browser, or a personal token made there after your passkey.',
        signInHelps: need.byCode,
      };
    }
  }
  const message = typeof answer.body.message === 'string' ? ` ${answer.body.message}` : '';
  return { text: `The server asks you to sign in again.${message}`, signInHelps: true };
}
