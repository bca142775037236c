import { MemoryCredentialStore } from '../stores/credentials/memory.js';
import type { CredentialStore } from '../stores/credentials/types.js';
import { MemoryStore } from '../stores/memory.js';
import type { MfaStore } from '../stores/types.js';

/**
 * The one rule for secret keys the app may leave out (TOTP encryption keys, the recovery-code,
 * one-time-code and reset-link HMAC keys, the remembered-browser secret); docs/architecture.md,
 * "Each rule once":
 *   - given: validated by the caller's `validate` (length, type), which throws a TypeError;
 *   - given but `undefined` or `''` (an unset environment variable, most likely): a TypeError
 *     that names the option; only leaving the option out means "make one for me";
 *   - left out while what the key protects is kept in a store that outlives the process (Redis,
 *     SQL): a TypeError in production, one warning per process in development, because a
 *     per-process key breaks every other instance and every restart;
 *   - left out in production: a TypeError that says how to make a key;
 *   - left out otherwise (tests, demos on the memory stores): a random key for this process,
 *     silently: what it protects lives in the same process and dies with it.
 * The rule asks the store that holds the protected state (`holder`), not the MFA store: recovery
 * codes and TOTP secrets live in the credential store, codes in flight, links and remembered
 * browsers in the MFA store. Judging recovery codes by the MFA store once gave SQL credentials a
 * silent per-process key in development (every code void after a restart).
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
  /**
   * The store that keeps what the key protects (digests, ciphertexts, records). Anything but the
   * in-memory stores outlives this process and needs a key that does too.
   */
  readonly holder: MfaStore | CredentialStore;
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
  if (outlivesProcess(spec.holder)) {
    const why = `${where} has no ${option} with a shared store: ${spec.consequence}. Pass ${spec.example}.`;
    if (production) throw new TypeError(why);
    warnOnce(`passport-stepup: ${why}`, spec.warningCode);
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

/** False only for the in-memory stores, whose contents die with the process like a random key. */
function outlivesProcess(store: MfaStore | CredentialStore): boolean {
  return !(store instanceof MemoryStore || store instanceof MemoryCredentialStore);
}

const warned = new Set<string>();

/**
 * Once per code and process, as the other start-up warnings (lib/stores/memory.ts,
 * lib/create-stepup.ts): loud enough, never a flood when an app builds several instances. Not
 * under the test runner, where suites build apps without keys on purpose; a test that asserts
 * the warning sets NODE_ENV=development.
 */
function warnOnce(message: string, code: string): void {
  if (warned.has(code) || process.env.NODE_ENV === 'test') return;
  warned.add(code);
  process.emitWarning(message, { code });
}
