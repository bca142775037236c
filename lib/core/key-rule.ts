/**
 * The one rule for secret keys the app may leave out (TOTP encryption keys, the recovery-code
 * and one-time-code HMAC keys, the remembered-browser secret); docs/architecture.md, "Each rule
 * once":
 *   - given: validated by the caller's `validate` (length, type), which throws a TypeError;
 *   - given but `undefined` or `''` (an unset environment variable, most likely): a TypeError
 *     that names the option; only leaving the option out means "make one for me";
 *   - left out with a shared store (Redis, SQL): a TypeError in production, one warning
 *     elsewhere, because a per-process key breaks every other instance and every restart;
 *   - left out in production: a TypeError that says how to make a key;
 *   - left out otherwise (tests, demos on the memory store): a random key for this process,
 *     silently: what it protects lives in the same process and dies with it.
 * Keys are kept outside the stores they protect (NIST SP 800-63B-4 §3.1.2.2, OWASP ASVS 5.0
 * V11.4).
 */
export interface KeySpec<T> {
  /** Who asks, as in the error messages: `recoveryCodes`, `totp`, `rememberBrowser`. */
  readonly where: string;
  /** The option's name: `hmacKey`, `encryptionKeys`, `secret`. */
  readonly option: string;
  /** The options object the key may be in (to tell "left out" from "given as undefined"). */
  readonly options: object;
  /** Check and convert a given key; throws a TypeError that says how to fix it. */
  readonly validate: (given: unknown) => T;
  /** A random key for this process. */
  readonly generate: () => T;
  /** True when the state the key protects outlives this process (Redis, SQL): it needs a shared key. */
  readonly shared: boolean;
  /** What a per-process key costs, for the messages: "codes fail after a restart". */
  readonly consequence: string;
  /** How to pass a key, e.g. "hmacKey: process.env.RECOVERY_KEY (openssl rand -base64 32)". */
  readonly example: string;
  /** process.emitWarning code. */
  readonly warningCode: string;
}

export function resolveKey<T>(spec: KeySpec<T>): T {
  const { where, option, options } = spec;
  if (Object.prototype.hasOwnProperty.call(options, option)) {
    const given = (options as Record<string, unknown>)[option];
    if (given === undefined || given === '') {
      throw new TypeError(
        `${where}: ${option} was given but is ${given === '' ? 'an empty string' : 'undefined'} ` +
          '(an unset environment variable?). Set it, e.g. ' +
          `${spec.example}, or leave the option out for a random per-process key in development.`,
      );
    }
    return spec.validate(given);
  }
  const production = process.env.NODE_ENV === 'production';
  if (spec.shared) {
    const why = `${where} has no ${option} with a shared store: ${spec.consequence}. Pass ${spec.example}.`;
    if (production) throw new TypeError(why);
    // One warning per factor built (not per request): loud enough, never a flood.
    process.emitWarning(`passport-stepup: ${why}`, { code: spec.warningCode });
    return spec.generate();
  }
  if (production) {
    throw new TypeError(
      `${where}: ${option} is required in production: without it ${spec.consequence}. ` +
        `Pass ${spec.example}.`,
    );
  }
  return spec.generate();
}
