// Attack (by accident): recovery codes are the way back in for a user who lost their phone. They
// live in the credential store (SQL), so a per-process HMAC key voids every one of them at the
// next restart or deploy, and the user learns it when the phone is already gone. The key rule
// used to judge recovery codes by the MFA store: with SQL credentials and the default memory MFA
// store, development got that per-process key silently. The rule now asks the store that holds
// the codes (lib/core/key-rule.ts; docs/architecture.md, "Each rule once"): a warning in
// development, a TypeError in production (NIST SP 800-63B-4 §3.1.2.2, OWASP ASVS 5.0 V11.4).
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sqlCredentialStore } from '../../lib/stores/credentials/sql.js';
import type { RecoveryCodeOptions } from '../../strategies/recovery-code.js';
import { client } from '../helpers/app.js';
import { makeRecoveryApp, TEST_HMAC_KEY } from '../helpers/recovery-app.js';
import { tempDir, type TempDir } from '../helpers/sql-databases.js';

let dir: TempDir | undefined;
let files = 0;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await dir?.remove();
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** A new SQLite database file: one "application database" that outlives each app instance. */
function newDatabase(): string {
  if (!dir) throw new Error('the temporary folder was not created (see beforeAll)');
  return `sqlite:${join(dir.path, `restart-${files++}.db`)}`;
}

/**
 * One app instance (one process) on the database at `url`: its own connection, a memory MFA
 * store (the default) and the recovery-code factor next to the test factor bob is enrolled in.
 */
async function start(url: string, recovery: RecoveryCodeOptions) {
  const credentials = sqlCredentialStore({ url });
  const made = makeRecoveryApp({
    recovery,
    stepup: { credentials, rememberBrowser: { enabled: false } },
  });
  await made.stepup.migrate();
  return { ...made, stop: () => credentials.close() };
}

/** Signs bob in with a recovery code on `app`: the HTTP status of the verify. */
async function signInWith(app: Parameters<typeof client>[0], code: string): Promise<number> {
  const c = await client(app);
  expect((await c.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');
  return (await c.verify(code, 'recovery-code')).status;
}

const recoveryWarnings = (warn: { mock: { calls: unknown[][] } }) =>
  warn.mock.calls.filter(([, options]) => {
    return (options as { code?: string } | undefined)?.code === 'PASSPORT_STEPUP_RECOVERY_KEY';
  });

describe('recovery codes in SQL across a restart', () => {
  it('with hmacKey: a code issued before the restart signs in after it', async () => {
    const url = newDatabase();
    const before = await start(url, { hmacKey: TEST_HMAC_KEY });
    const [code] = await before.recovery.generate(undefined, 'u-bob');
    await before.stop();

    const after = await start(url, { hmacKey: TEST_HMAC_KEY });
    try {
      expect(await signInWith(after.app, code ?? '')).toBe(200);
      expect(await after.recovery.remaining('u-bob')).toBe(9);
    } finally {
      await after.stop();
    }
  });

  it('without hmacKey in development: one warning naming hmacKey, and the codes die at restart', async () => {
    vi.stubEnv('NODE_ENV', 'development');
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const url = newDatabase();
    const before = await start(url, {});
    const [used, unused] = await before.recovery.generate(undefined, 'u-bob');
    // The codes work in the process that issued them...
    expect(await signInWith(before.app, used ?? '')).toBe(200);
    await before.stop();
    const warned = recoveryWarnings(warn);
    expect(warned).toHaveLength(1);
    expect(warned[0]?.[0]).toMatch(/recoveryCodes has no hmacKey.*restart.*hmacKey: process\.env/s);

    // ...and none survives the restart: what the warning said would happen. Once per process.
    const after = await start(url, {});
    try {
      // The nine unused rows are still there; not one of them matches under the new key.
      expect(await after.recovery.remaining('u-bob')).toBe(9);
      expect(await signInWith(after.app, unused ?? '')).toBe(401);
      expect(recoveryWarnings(warn)).toHaveLength(1);
    } finally {
      await after.stop();
    }
  });

  it('without hmacKey in production: building the app is a TypeError that says how to set it', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined); // MemoryStore's notice
    const url = newDatabase();
    const credentials = sqlCredentialStore({ url });
    const build = () =>
      makeRecoveryApp({
        recovery: {},
        stepup: { credentials, rememberBrowser: { enabled: false } },
      });
    try {
      expect(build).toThrow(TypeError);
      expect(build).toThrow(/^recoveryCodes has no hmacKey with a shared store: .*restart/);
      expect(build).toThrow(/Pass recoveryCodes\(\{ hmacKey: process\.env\.RECOVERY_KEY \}\)/);
      expect(build).toThrow(/openssl rand -base64 32/);
    } finally {
      await credentials.close();
    }
  });
});
