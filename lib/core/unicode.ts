/**
 * Well-formed Unicode at the edge (docs/architecture.md, invariant 8). A JavaScript string can
 * hold a lone UTF-16 surrogate ("\ud800"), which no UTF-8 encoding can represent: a database
 * driver throws on it (a 500 after part of the request ran), and a hash of it sees U+FFFD, so
 * two different strings (two passwords) would collide. Such input is refused with 400
 * `invalid_request` before anything is read, taken or counted (OWASP ASVS 5.0 V1.1: input
 * decoded into one canonical form; V2.2.1: input validated against the expected structure).
 */

/** A lone surrogate: in a `u` regex a well-formed pair is one code point, never `Surrogate`. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** True when `value` has no lone surrogate (`String.prototype.isWellFormed`, ES2024). */
export function isWellFormedText(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/** The deepest a parsed body is walked: JSON bodies are at most 16 kB (the router's limit). */
const MAX_NODES = 20_000;

/**
 * The path (`label`, `response.transports.0`) of the first string or key in a parsed body that
 * is not well-formed Unicode, or undefined when there is none. Iterative, so a deeply nested
 * body cannot exhaust the stack; a body with more than `MAX_NODES` values is reported as `(body)`
 * (no legitimate body of ours comes close).
 */
export function illFormedPath(body: unknown): string | undefined {
  const stack: [unknown, string][] = [[body, '']];
  let seen = 0;
  while (stack.length > 0) {
    const [value, path] = stack.pop() as [unknown, string];
    if (++seen > MAX_NODES) return '(body)';
    if (typeof value === 'string') {
      if (!isWellFormedText(value)) return path || '(body)';
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const at = path ? `${path}.${key}` : key;
        if (!isWellFormedText(key)) return path || '(body)';
        stack.push([child, at]);
      }
    }
  }
  return undefined;
}
