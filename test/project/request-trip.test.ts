/**
 * The way a request takes through the code (docs/architecture.md, "Request flow"), measured by
 * `npm run bench:trip`: V8's precise coverage around exactly one password sign-in and one TOTP
 * verify of the README's app, a file counted when any of its functions ran for that request.
 *
 * Two rules kept here:
 * - the composition root (lib/index.ts, lib/create-stepup.ts, lib/options.ts) wires at start-up
 *   and runs for no request: what runs per request lives in the folder of its concern, where a
 *   reader following the request finds it;
 * - the trips do not grow: a new file on either path fails this test until docs/architecture.md's
 *   table (and the counts below) say why it belongs there.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const COMPOSITION_ROOT = ['lib/index.ts', 'lib/create-stepup.ts', 'lib/options.ts'];
/** docs/architecture.md, "Request flow": the counts measured at the last change of the path. */
const MEASURED = { signIn: 26, verify: 30 };

let trips: { signIn: string[]; verify: string[] };

beforeAll(async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench', 'trip-files.ts'), '--json'],
    { cwd: ROOT, timeout: 60_000, env: { ...process.env, NODE_NO_WARNINGS: '1' } },
  );
  trips = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as typeof trips;
}, 90_000);

describe('the files one request crosses', () => {
  it('measures both requests (the script saw the library run)', () => {
    expect(trips.signIn).toContain('strategies/password.ts');
    expect(trips.verify).toContain('strategies/totp.ts');
  });

  it('the composition root runs for no request', () => {
    for (const file of COMPOSITION_ROOT) {
      expect(trips.signIn).not.toContain(file);
      expect(trips.verify).not.toContain(file);
    }
  });

  it('a password sign-in and a TOTP verify cross no more files than docs/architecture.md says', () => {
    expect(trips.signIn.length).toBeLessThanOrEqual(MEASURED.signIn);
    expect(trips.verify.length).toBeLessThanOrEqual(MEASURED.verify);
  });
});
