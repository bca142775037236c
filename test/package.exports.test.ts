/**
 * The published package, as a stranger gets it. A library can pass every unit test and still
 * ship broken: a dependency that only exists in our devDependencies, an exports map that points
 * at a file the build does not write, `.d.ts` files that only resolve inside this repository,
 * CommonJS users handed ESM, or a tarball that leaks sources and `.env` files.
 *
 * So: build once, `npm pack` once, install the tarball with `npm install` into a temporary
 * directory outside this repository (nothing can resolve from our node_modules by accident),
 * then use it from a CommonJS project and from a strict ESM TypeScript project.
 *
 * Kept reliable by: building into a private staging directory, never the repo's dist/ (another
 * `npm test` or `npm run build` running at the same time would wipe it mid-pack); exact
 * peer/@types versions copied from our own node_modules (always in the npm cache, so
 * `--prefer-offline` never has to ask the registry for them); one install shared by both
 * projects; no `npm_*` variables leaking from a parent `npm test`; a deadline on every child
 * process; and full stdout/stderr in the error when any step fails.
 */
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, unknown>;
};

interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment for child processes: nothing from a parent `npm run` or from vitest. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|vitest|node_options$|node_path$|init_cwd$)/i.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    CI: 'true',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
}

// ~/.npmrc on some machines sets `nodedir`, which npm 11 warns about on every call: noise.
const quiet = (text: string) =>
  text
    .split('\n')
    .filter((line) => !line.includes('Unknown user config "nodedir"'))
    .join('\n')
    .trim();

function run(
  command: string,
  args: readonly string[],
  cwd: string,
  timeoutMs = 120_000,
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not start \`${command}\` in ${cwd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolvePromise({ stdout, stderr });
        return;
      }
      const why =
        signal === 'SIGKILL' ? `killed after ${timeoutMs} ms` : `exit code ${code ?? signal}`;
      reject(
        new Error(
          `\`${[command, ...args].join(' ')}\` failed (${why}) in ${cwd}\n` +
            `--- stderr ---\n${quiet(stderr) || '(empty)'}\n` +
            `--- stdout (last 4000 chars) ---\n${stdout.slice(-4000) || '(empty)'}`,
        ),
      );
    });
  });
}

const node = (args: readonly string[], cwd: string) => run(process.execPath, args, cwd, 60_000);
const installedVersion = (name: string): string =>
  (
    JSON.parse(readFileSync(join(repo, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

function parsePack({ stdout, stderr }: RunResult): { filename: string; files: { path: string }[] } {
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new Error(`npm pack printed no JSON:\n${stdout}\n${quiet(stderr)}`);
  return info;
}

/** Every file path an exports map can point at (conditions nested at any depth). */
function exportTargets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(exportTargets);
  return [];
}

// ---- the two consumer projects ------------------------------------------------------------

const CJS_CHECK = String.raw`
'use strict';
const assert = require('node:assert/strict');
const m = require('passport-stepup');
for (const name of ['createStepup', 'MemoryStore', 'safeReturnTo', 'StepupError', 'isBackendUnavailable']) {
  assert.equal(typeof m[name], 'function', name + ' is not a function in the CommonJS build');
}
const { RedisStore } = require('passport-stepup/stores/redis');
assert.equal(typeof RedisStore, 'function', 'RedisStore is not a function');
const { sqlCredentialStore } = require('passport-stepup/stores/sql');
assert.equal(typeof sqlCredentialStore, 'function', 'sqlCredentialStore is not a function');
assert.match(require.resolve('passport-stepup'), /[\\/]dist[\\/]index\.cjs$/);
assert.match(require.resolve('passport-stepup/testing'), /[\\/]dist[\\/]testing\.cjs$/);
// vitest is an optional peer and not installed here: ./testing says to install it.
assert.throws(() => require('passport-stepup/testing'), {
  code: 'PASSPORT_STEPUP_VITEST_MISSING',
  message: /npm install --save-dev vitest/,
});
assert.equal(require('passport-stepup/package.json').name, 'passport-stepup');
// Not in the exports map: deep imports stay private.
assert.throws(() => require('passport-stepup/dist/index.cjs'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });

(async () => {
  const stepup = m.createStepup({ store: new m.MemoryStore() });
  assert.equal(typeof stepup.middleware(), 'function');
  assert.equal(typeof stepup.requireMfa({ maxAge: 300 }), 'function');
  assert.equal(m.safeReturnTo('//evil.example/x', '/home'), '/home');
  // One StoreUnavailableError class across entry points, so isBackendUnavailable() from the main
  // entry recognises an outage reported by the Redis store (503, not 500).
  const store = new RedisStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 300 });
  const err = await store.get('k').then(() => null, (e) => e);
  await store.close();
  assert.ok(err instanceof m.StoreUnavailableError, 'not the main entry StoreUnavailableError: ' + err);
  assert.equal(m.isBackendUnavailable(err), true);
  console.log('cjs ok');
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
`;

const ESM_MAIN_TS = `
import express, { type Request, type Response } from 'express';
import {
  createStepup,
  MemoryStore,
  type MfaStore,
  type MfaView,
  type Stepup,
  type StepupOptions,
} from 'passport-stepup';
import { RedisStore } from 'passport-stepup/stores/redis';

const options: StepupOptions = { mode: 'required', store: new MemoryStore(), challengeUrl: '/mfa' };
const stepup: Stepup = createStepup(options);

export const app = express();
app.use(stepup.middleware());
app.get('/payout', stepup.requireMfa({ maxAge: 300, allowRememberBrowser: false }), (req: Request, res: Response) => {
  // The Express augmentation ships with the package: req.mfa is typed, not any.
  const view: MfaView | undefined = req.mfa;
  const status: MfaView['status'] | undefined = view?.status;
  res.json({ status, amr: view?.amr.join(' ') });
});

export const redisStore = (url: string): MfaStore => new RedisStore({ url, prefix: 'app:' });

// @ts-expect-error the status is a closed union, not string or any
export const bogus: MfaView['status'] = 'bogus';
// @ts-expect-error mode is 'optional' | 'required'
export const wrongMode: StepupOptions = { mode: 'sometimes' };
`;

// A .cts file in the same project: \`require\` resolution, so the .d.cts files get checked too.
const CTS_CHECK = `
import stepup = require('passport-stepup');
import redis = require('passport-stepup/stores/redis');

const instance: stepup.Stepup = stepup.createStepup({ mode: 'optional' });
const makeStore = (url: string): stepup.MfaStore => new redis.RedisStore({ url });
const view = (v: stepup.MfaView): stepup.MfaView['status'] => v.status;
export = { instance, makeStore, view };
`;

const ESM_RUN = `
import assert from 'node:assert/strict';
import * as m from 'passport-stepup';
import { RedisStore } from 'passport-stepup/stores/redis';
import { sqlCredentialStore } from 'passport-stepup/stores/sql';

assert.equal(typeof sqlCredentialStore, 'function');
for (const name of ['createStepup', 'MemoryStore', 'safeReturnTo', 'StepupError']) {
  assert.equal(typeof m[name], 'function', name + ' is not a function in the ESM build');
}
assert.equal(typeof RedisStore, 'function');
assert.match(import.meta.resolve('passport-stepup'), /\\/dist\\/index\\.js$/);
assert.match(import.meta.resolve('passport-stepup/stores/redis'), /\\/dist\\/stores\\/redis\\.js$/);

const stepup = m.createStepup({ store: new m.MemoryStore() });
assert.equal(typeof stepup.middleware(), 'function');

const store = new RedisStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 300 });
const err = await store.get('k').then(() => null, (e) => e);
await store.close();
assert.ok(err instanceof m.StoreUnavailableError, 'RedisStore error is not the main entry StoreUnavailableError');

// vitest is an optional peer: ./testing needs it, is not bundled in, and says to install it.
await assert.rejects(
  import('passport-stepup/testing'),
  (e) => e.code === 'PASSPORT_STEPUP_VITEST_MISSING' && /npm install --save-dev vitest/.test(e.message),
);

console.log('esm ok');
process.exit(0);
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    // Check our published .d.ts/.d.cts too, not only the consumer's code.
    skipLibCheck: false,
    types: ['node'],
  },
  files: ['main.ts', 'require-check.cts'],
};

// ---- the test -------------------------------------------------------------------------------

describe('published package (npm pack)', () => {
  let work = '';
  let tarballFiles: string[] = [];
  let repoPackFiles: string[] = [];

  beforeAll(async () => {
    work = realpathSync(mkdtempSync(join(tmpdir(), 'stepup-pack-')));
    if (!relative(repo, work).startsWith('..'))
      throw new Error(`temp dir ${work} is inside the repo`);

    // What `npm pack` in the repo would ship (the `files` allowlist), without building or writing.
    const dry = await run('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], repo);
    repoPackFiles = parsePack(dry).files.map((f) => f.path);

    // The real build, into a staging copy of the package: package.json, README, LICENSE, dist/.
    const stage = join(work, 'stage');
    mkdirSync(stage);
    await run('npm', ['run', 'build', '--', '--out-dir', join(stage, 'dist')], repo, 180_000);
    for (const file of ['package.json', 'README.md', 'LICENSE', 'LICENSE.md']) {
      if (existsSync(join(repo, file))) copyFileSync(join(repo, file), join(stage, file));
    }
    // The build just ran; --ignore-scripts keeps prepack from building a second time.
    const info = parsePack(
      await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], stage),
    );
    tarballFiles = info.files.map((f) => f.path).sort();

    // One install shared by both projects (they sit in subfolders, Node and tsc walk up to it).
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    const pinned = [
      'express',
      'passport',
      'express-session',
      '@types/express',
      '@types/express-session',
      '@types/passport',
      '@types/node',
    ].map((name) => `${name}@${installedVersion(name)}`);
    const flags = ['--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock'];
    await run('npm', ['install', join(work, info.filename), ...pinned, ...flags], work, 180_000);

    mkdirSync(join(work, 'cjs-app'));
    writeFileSync(
      join(work, 'cjs-app', 'package.json'),
      JSON.stringify({ name: 'cjs-app', type: 'commonjs' }),
    );
    writeFileSync(join(work, 'cjs-app', 'check.js'), CJS_CHECK);

    mkdirSync(join(work, 'esm-app'));
    writeFileSync(
      join(work, 'esm-app', 'package.json'),
      JSON.stringify({ name: 'esm-app', type: 'module' }),
    );
    writeFileSync(join(work, 'esm-app', 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    writeFileSync(join(work, 'esm-app', 'main.ts'), ESM_MAIN_TS);
    writeFileSync(join(work, 'esm-app', 'require-check.cts'), CTS_CHECK);
    writeFileSync(join(work, 'esm-app', 'run.mjs'), ESM_RUN);
  }, 240_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('ships the ESM and CommonJS builds, each with its own declarations', () => {
    for (const file of [
      'dist/index.js',
      'dist/index.cjs',
      'dist/index.d.ts',
      'dist/index.d.cts',
      'package.json',
    ]) {
      expect(tarballFiles).toContain(file);
    }
  });

  it('ships dist/ and nothing else that is ours: no sources, tests or .env files', () => {
    for (const files of [repoPackFiles, tarballFiles]) {
      const ours = /^(dist\/|package\.json$|README(\.md)?$|LICENSE(\.md)?$)/i;
      expect(files.filter((p) => !ours.test(p))).toEqual([]);
      expect(
        files.filter((p) => /(^|\/)\.env|^(lib|test|strategies|example-app|bench)\//.test(p)),
      ).toEqual([]);
      expect(files.filter((p) => p.endsWith('.ts') && !/\.d\.c?ts$/.test(p))).toEqual([]);
    }
  });

  it('points every exports-map target at a file in the tarball, types first in each condition', () => {
    const targets = exportTargets(pkg.exports).map((t) => t.replace(/^\.\//, ''));
    expect(targets.filter((t) => !tarballFiles.includes(t))).toEqual([]);
    for (const [subpath, conditions] of Object.entries(pkg.exports)) {
      if (typeof conditions === 'string') continue;
      for (const [condition, target] of Object.entries(conditions as Record<string, unknown>)) {
        if (target && typeof target === 'object') {
          expect(Object.keys(target)[0], `exports["${subpath}"].${condition}`).toBe('types');
        }
      }
    }
  });

  it('works from a CommonJS project (require)', async () => {
    const { stdout } = await node(['check.js'], join(work, 'cjs-app'));
    expect(stdout).toContain('cjs ok');
  }, 60_000);

  it('type-checks in a strict ESM TypeScript project (NodeNext), both import and require types', async () => {
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], join(work, 'esm-app'), 150_000);
  }, 180_000);

  it('works from an ESM project (import)', async () => {
    const { stdout } = await node(['run.mjs'], join(work, 'esm-app'));
    expect(stdout).toContain('esm ok');
  }, 60_000);
});
