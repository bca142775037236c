/**
 * The guides say each thing once per page: a paragraph repeated within one Markdown file is a
 * leftover of an edit (the README once carried its "A guard refuses JSON clients…" and
 * "A client then does…" paragraphs twice, one copy cut in half). Code blocks and tables are left
 * out: a page may show the same command or row shape twice on purpose.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PAGES = [
  'README.md',
  'example-app/README.md',
  ...readdirSync(join(repo, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

/** The page's prose lines (outside fences and tables), each with its line number. */
function proseLines(markdown: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((text, i) => {
    if (/^\s*(```|~~~)/.test(text)) fenced = !fenced;
    else if (!fenced && !/^\s*\|/.test(text) && text.trim().length >= 40) {
      out.push({ line: i + 1, text: text.trim() });
    }
  });
  return out;
}

/** Runs of two or more consecutive prose lines that appear again later in the same page. */
function repeatedRuns(markdown: string): { first: number; again: number; text: string }[] {
  const lines = proseLines(markdown);
  const found: { first: number; again: number; text: string }[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i + 1 < lines.length; i++) {
    const a = lines[i];
    const b = lines[i + 1];
    if (!a || !b || b.line !== a.line + 1) continue;
    const key = `${a.text}\n${b.text}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, a.line);
    else found.push({ first, again: a.line, text: a.text });
  }
  return found;
}

describe('the guides', () => {
  it('finds a repeated paragraph (the check itself)', () => {
    const para =
      'A guard refuses JSON clients with a 401 and redirects browsers to pages.\n' +
      'Build those pages, point the options at yours, or pass htmlRedirects false.\n';
    expect(repeatedRuns(`${para}\n${para}`)).toHaveLength(1);
    expect(repeatedRuns(`${para}\n\`\`\`\n${para}\`\`\`\n`)).toHaveLength(0);
  });

  it.each(PAGES)('%s says each paragraph once', (page) => {
    const repeats = repeatedRuns(readFileSync(join(repo, page), 'utf8')).map(
      (r) => `${page}:${r.again} repeats ${page}:${r.first}: ${r.text.slice(0, 60)}…`,
    );
    expect(repeats).toEqual([]);
  });
});
