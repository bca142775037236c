/**
 * `returnTo` sanitiser: only a same-origin path ever comes out (docs/architecture.md, invariant 5).
 *
 * An open redirect after login is a phishing primitive (OWASP ASVS 5.0 V3.7 / the Unvalidated
 * Redirects cheat sheet). Browsers are lenient: `//evil`, `/\evil`, `/\t/evil` and `https:evil`
 * all leave the origin, so the rules are an allow-list, not a block-list:
 *   - a string of at most 2,048 characters,
 *   - printable ASCII only (no control characters, whitespace or backslashes, which browsers
 *     strip or turn into `/`),
 *   - exactly one leading `/` and not `//`,
 *   - and it must still resolve to the same origin when parsed as a URL against a sentinel base.
 */
const MAX_LENGTH = 2048;
const SENTINEL = 'http://stepup.invalid';

/**
 * `value` when it is a same-origin path (a query string and fragment may follow), else
 * `fallback`; never throws, whatever `value` is.
 *
 * @example safeReturnTo(req.query.returnTo, '/') // '//evil.example' → '/'
 */
export function safeReturnTo(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string') return fallback;
  if (value.length === 0 || value.length > MAX_LENGTH) return fallback;
  // Printable ASCII except space and backslash.
  if (!/^[\x21-\x5b\x5d-\x7e]+$/.test(value)) return fallback;
  if (value[0] !== '/' || value[1] === '/') return fallback;
  let parsed: URL;
  try {
    parsed = new URL(value, SENTINEL);
  } catch {
    return fallback;
  }
  if (parsed.origin !== SENTINEL) return fallback;
  const out = parsed.pathname + parsed.search + parsed.hash;
  // Re-check the normalised form: dot segments like `/./` can collapse into `//`.
  if (out.startsWith('//')) return fallback;
  return out;
}
