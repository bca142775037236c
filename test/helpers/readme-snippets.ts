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

/** A relative link of a Markdown file: `[text](target)` or `![alt](target)`, outside code. */
export interface MarkdownLink {
  /** The Markdown file, relative to the repository. */
  readonly file: string;
  /** 1-based line of the link. */
  readonly line: number;
  /** The target as written, e.g. `docs/factors.md#totp` or `#lockout`. */
  readonly target: string;
}

/**
 * Every link of a Markdown file whose target is not a URL with a scheme (`https:`, `mailto:`):
 * the links that must resolve inside the repository. Fenced blocks and inline code are skipped.
 */
export function relativeLinks(root: string, file: string): MarkdownLink[] {
  const lines = readFileSync(`${root}/${file}`, 'utf8').split('\n');
  const links: MarkdownLink[] = [];
  let fenced = false;
  lines.forEach((text, index) => {
    if (/^\s*```/.test(text)) {
      fenced = !fenced;
      return;
    }
    if (fenced) return;
    const prose = text.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1] ?? '';
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push({ file, line: index + 1, target });
    }
  });
  return links;
}

/**
 * The anchors GitHub gives the headings of a Markdown file: lower case, punctuation dropped
 * (letters, digits, spaces, `-` and `_` kept), each space a `-`, and `-1`, `-2`… on repeats.
 */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const text of markdown.split('\n')) {
    if (/^\s*```/.test(text)) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(text);
    if (!heading) continue;
    const slug = (heading[1] ?? '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}
