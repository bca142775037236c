/**
 * The ```ts blocks of a Markdown file, each with the line its code starts on, so that a compile
 * error in a block can be reported as `README.md:123`.
 */
import { readFileSync } from 'node:fs';

export interface Snippet {
  /** The Markdown file, relative to the repository, e.g. `README.md`. */
  readonly file: string;
  /** 1-based line of the block's first line of code (the one after the opening fence). */
  readonly line: number;
  readonly code: string;
}

/** Every fenced block whose info string is `ts` or `typescript` (other languages are prose). */
export function tsSnippets(root: string, file: string): Snippet[] {
  const lines = readFileSync(`${root}/${file}`, 'utf8').split('\n');
  const snippets: Snippet[] = [];
  let open: { line: number; body: string[]; ts: boolean } | undefined;
  lines.forEach((text, index) => {
    const fence = /^\s*```\s*([\w-]*)/.exec(text);
    if (!open) {
      if (fence) open = { line: index + 2, body: [], ts: /^(ts|typescript)$/.test(fence[1] ?? '') };
      return;
    }
    if (fence && fence[1] === '') {
      if (open.ts) snippets.push({ file, line: open.line, code: open.body.join('\n') });
      open = undefined;
      return;
    }
    open.body.push(text);
  });
  if (open) throw new Error(`${file}:${open.line - 1}: a code fence is never closed`);
  return snippets;
}

/** The file name a snippet is compiled under; `locate` maps it back. */
export function snippetFileName(snippet: Snippet): string {
  return `${snippet.file.replace(/[^\w.-]/g, '_')}.L${snippet.line}.ts`;
}

/**
 * Rewrite tsc's `snippets/README.md.L60.ts(3,7): error TS2304: …` as
 * `README.md:62:7: error TS2304: …` (the Markdown line). Lines that are not errors of a snippet
 * are kept as they are.
 */
export function locate(tscOutput: string, snippets: readonly Snippet[]): string[] {
  const byName = new Map(snippets.map((s) => [snippetFileName(s), s]));
  return tscOutput
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const m = /(?:^|[\\/])([^\\/()]+\.L\d+\.ts)\((\d+),(\d+)\): (.*)$/.exec(l);
      const snippet = m ? byName.get(m[1] ?? '') : undefined;
      if (!m || !snippet) return l;
      return `${snippet.file}:${snippet.line + Number(m[2]) - 1}:${m[3]}: ${m[4]}`;
    });
}
