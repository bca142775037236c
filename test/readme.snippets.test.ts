/**
 * The README is tested: every ```ts block of README.md and example-app/README.md compiles, in
 * strict TypeScript, against the package as it is built (tsup's declarations in a temporary
 * directory, imported as `passport-stepup`, `passport-stepup/stores/redis`, …). What a snippet
 * leaves to the reader (`db`, `billing`, `userId`…) is declared once, in
 * test/readme/placeholders.d.ts. A block that stops compiling fails `npm test` with its
 * Markdown line: `README.md:123:7: error TS2339: …`.
 *
 * A new user copied `stepup.factors.get('totp').reencrypt(userId)` from the README and it did not
 * compile; this is what keeps the documented API and the real one the same.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locate, snippetFileName, tsSnippets, type Snippet } from './helpers/readme-snippets.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MARKDOWN = ['README.md', 'example-app/README.md'];
const ENTRIES = ['index', 'testing', 'stores/redis', 'stores/sql'];

function run(cmd: string, args: string[], cwd: string, timeoutMs: number) {
  return new Promise<{ code: number | null; out: string }>((done, fail) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NODE_OPTIONS: '' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${cmd} ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, out });
    });
  });
}

let work = '';
const snippets: Snippet[] = MARKDOWN.flatMap((file) => tsSnippets(repo, file));

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'stepup-readme-'));
  // The repository's node_modules serve the snippets' other imports (express, ioredis, …) and
  // tsup itself; the package under test is only what the build writes.
  symlinkSync(join(repo, 'node_modules'), join(work, 'node_modules'), 'dir');
  // Declarations only (the JavaScript is what test/package.exports.test.ts checks), from the
  // repository's tsup config so that they are the ones `npm pack` ships.
  writeFileSync(
    join(work, 'tsup.config.ts'),
    `import base from ${JSON.stringify(join(repo, 'tsup.config.ts'))};\n` +
      'const b = base as Record<string, unknown> & { dts: object };\n' +
      `export default { ...b, format: ['esm'], dts: { ...b.dts, only: true }, ` +
      `outDir: ${JSON.stringify(join(work, 'dist'))} };\n`,
  );
  const tsup = join(repo, 'node_modules', 'tsup', 'dist', 'cli-default.js');
  const built = await run(
    process.execPath,
    [tsup, '--config', join(work, 'tsup.config.ts')],
    repo,
    240_000,
  );
  if (built.code !== 0) throw new Error(`the declaration build failed:\n${built.out}`);

  mkdirSync(join(work, 'snippets'));
  for (const s of snippets) {
    // `export {}` makes each block a module of its own: two blocks may both declare `stepup`.
    writeFileSync(join(work, 'snippets', snippetFileName(s)), `${s.code}\nexport {};\n`);
  }
  copyFileSync(join(repo, 'test', 'readme', 'placeholders.d.ts'), join(work, 'placeholders.d.ts'));
  writeFileSync(join(work, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  const paths: Record<string, string[]> = {};
  for (const entry of ENTRIES) {
    paths[entry === 'index' ? 'passport-stepup' : `passport-stepup/${entry}`] = [
      `./dist/${entry}.d.ts`,
    ];
  }
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        esModuleInterop: true,
        types: ['node'],
        paths,
      },
      files: ['placeholders.d.ts', ...snippets.map((s) => `snippets/${snippetFileName(s)}`)],
    }),
  );
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('README code blocks', () => {
  it('finds the blocks of both READMEs', () => {
    expect(snippets.filter((s) => s.file === 'README.md').length).toBeGreaterThanOrEqual(9);
  });

  it('every ts block compiles against the built package', async () => {
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    const { code, out } = await run(process.execPath, [tsc, '-p', work], work, 240_000);
    const errors = locate(out, snippets);
    expect(errors, `README snippets that do not compile:\n${errors.join('\n')}`).toEqual([]);
    expect(code).toBe(0);
  }, 300_000);
});
