// Every relative link in README.md and docs/**/*.md resolves: Markdown links and images
// ([x](path), ![x](path), [x]: path) and HTML src=/href= point at a file or folder inside the
// repository, and a #anchor on a Markdown file (or on the page itself) names one of its headings,
// slugged as GitHub does. Links with a scheme (https:, mailto:, …) are not checked. Code blocks and
// inline code are not links.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// The repository root, as REPO_ROOT in src/test-support.ts computes it (without loading tfjs).
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** GitHub's heading ids (github-slugger): lower case; drop punctuation, symbols and other separators
 * except '-' and ' ' (letters, marks, digits and '_' stay); each space becomes '-'; repeats get -1, -2, … */
export function slugger(): (heading: string) => string {
  const seen = new Map<string, number>();
  return (heading) => {
    const base = heading.toLowerCase().replace(/[^\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\p{Alphabetic} -]/gu, '').replace(/ /g, '-');
    let slug = base;
    let n = seen.get(base) ?? 0;
    while (seen.has(slug)) slug = `${base}-${++n}`;
    seen.set(base, n);
    seen.set(slug, 0);
    return slug;
  };
}

/** A heading's text as GitHub renders it: inline code kept without backticks, links and images
 * reduced to their text, HTML tags and emphasis markers removed. */
function headingText(raw: string): string {
  return raw
    .replace(/\s+#+\s*$/, '') // closing #s
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/(`+)(.*?)\1/g, '$2')
    .replace(/(\*\*|__|\*)(.+?)\1/g, '$2')
    .trim();
}

/** The lines of a Markdown file outside fenced code blocks (others blanked, so line numbers stay). */
function proseLines(text: string): string[] {
  let fence: string | null = null;
  return text.split('\n').map((line) => {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (m && m[1][0] === fence[0] && m[1].length >= fence.length && line.trim() === m[1]) fence = null;
      return '';
    }
    if (m) {
      fence = m[1];
      return '';
    }
    return line;
  });
}

const anchorCache = new Map<string, Set<string>>();
/** Every id a Markdown file defines: its ATX headings' slugs and explicit <a id|name="…">. */
export function anchorsOf(file: string): Set<string> {
  let ids = anchorCache.get(file);
  if (ids) return ids;
  ids = new Set();
  const slug = slugger();
  for (const line of proseLines(readFileSync(file, 'utf8'))) {
    const h = /^ {0,3}#{1,6}(?:\s+(.*))?$/.exec(line);
    if (h) ids.add(slug(headingText(h[1] ?? '')));
    for (const a of line.matchAll(/<a\s[^>]*\b(?:id|name)\s*=\s*["']([^"']+)["']/gi)) ids.add(a[1]);
  }
  anchorCache.set(file, ids);
  return ids;
}

export interface Link { file: string; line: number; target: string }

/** The link targets of a Markdown file, outside code. */
export function linksOf(file: string): Link[] {
  const out: Link[] = [];
  proseLines(readFileSync(file, 'utf8')).forEach((raw, i) => {
    const line = raw.replace(/(`+)(.+?)\1/g, 'code'); // inline code is not a link
    const add = (target: string) => out.push({ file, line: i + 1, target });
    for (const m of line.matchAll(/!?\[(?:[^[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g)) add(m[1].replace(/^<|>$/g, ''));
    const def = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(line);
    if (def) add(def[1].replace(/^<|>$/g, ''));
    for (const m of line.matchAll(/<[a-z][^>]*?\s(?:src|href)\s*=\s*["']([^"']+)["']/gi)) add(m[1]);
  });
  return out;
}

/** What is wrong with one link, or null. */
export function checkLink(link: Link, root: string): string | null {
  const { target } = link;
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) return null; // https:, mailto:, …
  const hash = target.indexOf('#');
  const pathPart = hash >= 0 ? target.slice(0, hash) : target;
  const anchor = hash >= 0 ? decodeURIComponent(target.slice(hash + 1)) : null;
  let path: string;
  try {
    path = decodeURIComponent(pathPart.replace(/\?.*$/, ''));
  } catch {
    return `bad URL encoding in ${target}`;
  }
  const dest = path === '' ? link.file : path.startsWith('/') ? join(root, path) : resolve(dirname(link.file), path);
  const rel = relative(root, dest);
  if (rel.startsWith('..') || rel.startsWith(sep)) return `${target} points outside the repository`;
  if (!existsSync(dest)) return `${target}: ${rel} does not exist`;
  if (anchor !== null && anchor !== '' && statSync(dest).isFile() && dest.endsWith('.md')) {
    if (!anchorsOf(dest).has(anchor)) return `${target}: no heading #${anchor} in ${rel}`;
  }
  return null;
}

function markdownFiles(root: string): string[] {
  const files = [join(root, 'README.md')];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.md')) files.push(p);
    }
  };
  if (existsSync(join(root, 'docs'))) walk(join(root, 'docs'));
  return files.filter((f) => existsSync(f)).sort();
}

export function brokenLinks(root: string): string[] {
  const problems: string[] = [];
  for (const file of markdownFiles(root)) {
    for (const link of linksOf(file)) {
      const p = checkLink(link, root);
      if (p) problems.push(`${relative(root, file)}:${link.line}: ${p}`);
    }
  }
  return problems;
}

test('every relative link and #anchor in README.md and docs/**/*.md resolves', () => {
  const files = markdownFiles(ROOT);
  assert.ok(files.length >= 5, `only ${files.length} Markdown files found`);
  const links = files.flatMap(linksOf);
  assert.ok(links.length >= 20, `only ${links.length} links found: is the extraction working?`);
  const problems = brokenLinks(ROOT);
  assert.deepEqual(problems, [], `broken links:\n${problems.join('\n')}`);
});

test('GitHub heading slugs', () => {
  const s = slugger();
  assert.equal(s(headingText("Which of the paper's claims mmc's measurements support")), 'which-of-the-papers-claims-mmcs-measurements-support');
  assert.equal(s(headingText('Reproduction: `mmc reproduce`')), 'reproduction-mmc-reproduce');
  assert.equal(s(headingText('Knowledge distillation (Theorem 3) — `scripts/kd.sh --quick`')), 'knowledge-distillation-theorem-3--scriptskdsh---quick');
  assert.equal(s(headingText('Theorem 2 / Fig. 5a: a stronger modality → a lower-rank fused representation')), 'theorem-2--fig-5a-a-stronger-modality--a-lower-rank-fused-representation');
  assert.equal(s(headingText('Lemma 1: β, [links](x.md) and **bold** ##')), 'lemma-1-β-links-and-bold');
  assert.equal(s('Files'), 'files');
  assert.equal(s('Files'), 'files-1');
  assert.equal(s('Files'), 'files-2');
});

test('the checker reports a missing file, a missing heading and a link out of the repository, and ignores code and URLs', () => {
  const root = mkdtempSync(join(tmpdir(), 'mmc-docs-links-'));
  mkdirSync(join(root, 'docs', 'sub'), { recursive: true });
  writeFileSync(join(root, 'docs', 'a.md'), '# A\n\n## Same\n\n## Same\n\n<a id="custom"></a>\n');
  writeFileSync(join(root, 'docs', 'sub', 'fig.svg'), '<svg/>');
  writeFileSync(
    join(root, 'README.md'),
    [
      '# Top',
      '[ok](docs/a.md#same-1) [ok](docs/a.md#custom) [ok](#top) [ok](docs/sub/) ![ok](docs/sub/fig.svg) [ok](https://example.org/nope.md)',
      '[`code text`](docs/a.md) <img src="docs/sub/fig.svg"> [ok](<docs/a.md>)',
      '[bad file](docs/b.md) [bad anchor](docs/a.md#same-2) [bad self](#nowhere) ![bad image](docs/fig.svg)',
      '<img src="docs/missing.png"> [out](../outside.md)',
      '[ref]: docs/nothing.md',
      'not a link: `[x](docs/none.md)`',
      '```',
      '[x](docs/in-code.md)',
      '```',
    ].join('\n'),
  );
  const problems = brokenLinks(root);
  const targets = problems.map((p) => p.split(': ')[1].split(/[: ]/)[0]);
  assert.deepEqual(targets, ['docs/b.md', 'docs/a.md#same-2', '#nowhere', 'docs/fig.svg', '../outside.md', 'docs/missing.png', 'docs/nothing.md'], problems.join('\n'));
  assert.match(problems[1], /no heading #same-2 in docs\/a\.md/);
  assert.match(problems[0], /^README\.md:4: /);
});
