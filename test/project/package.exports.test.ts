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
import {
  CJS_CHECK,
  CTS_CHECK,
  ESM_MAIN_TS,
  ESM_RUN,
  TSCONFIG,
} from '../helpers/package-consumers.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
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
