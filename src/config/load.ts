// YAML → validated Config, with errors that name the file, line, column, key and expected type.
import { readFileSync } from 'node:fs';
import { Document, isAlias, isMap, isPair, isScalar, LineCounter, parseDocument, stringify, visit, type Node } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { applyOverride, parseOverride, type Override } from './overrides.js';
import { ConfigError } from '../errors.js';
import { knownKeysAt } from './schema-walk.js';

export { ConfigError };

type Path = (string | number)[];

export interface LoadOptions {
  overrides?: string[]; // "a.b=c" strings from --set
}

export function loadConfigFile(file: string, opts: LoadOptions = {}): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ConfigError(`${file}: cannot read config (${err.code === 'ENOENT' ? 'no such file' : err.code ?? err.message})`);
  }
  return parseConfigText(text, file, opts);
}

export function parseConfigText(text: string, file: string, opts: LoadOptions = {}): Config {
  return parseYamlWith(configSchema, text, file, { ...opts, what: 'config', emptyHint: 'it needs at least a dataset section' });
}

/**
 * YAML text → a value of any strict zod schema, with errors naming file:line:col and the key
 * (configs, dataset manifests). `root` is the schema the "did you mean" suggestions walk.
 */
export function parseYamlWith<T>(schema: z.ZodType<T>, text: string, file: string, opts: LoadOptions & { what: string; emptyHint?: string }): T {
  if (text.includes('\u0000')) throw new ConfigError(`${file}: not a YAML text file (it contains NUL bytes)`);
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const { line, col } = lc.linePos(e.pos[0]);
    const msg = /call stack/i.test(e.message) ? 'nested too deeply' : e.message.split('\n')[0];
    throw new ConfigError(`${file}:${line}:${col}: invalid YAML: ${msg}`);
  }
  checkKeysAndAliases(doc, lc, file);
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    throw new ConfigError(`${file}: the ${opts.what} is empty${opts.emptyHint ? `; ${opts.emptyHint}` : ''}`);
  }
  if (!isMap(doc.contents)) throw new ConfigError(`${file}:1:1: the ${opts.what} must be a mapping of keys to values`);

  const overrides: Override[] = (opts.overrides ?? []).map(parseOverride);
  for (const o of overrides) applyOverride(doc, o);

  const result = schema.safeParse(toJS(doc, lc, file));
  if (!result.success) throw new ConfigError(describeIssue(result.error.issues[0], doc, lc, file, overrides, schema));
  return result.data;
}

function describeIssue(issue: z.core.$ZodIssue, doc: Document, lc: LineCounter, file: string, overrides: Override[], root: z.ZodType): string {
  const path = issue.path as Path;
  let keyPath = path.join('.');
  let message = issue.message;
  let where: Node | null = null;
  let keyNode = false;

  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    keyPath = [...path, key].join('.');
    const parent = doc.getIn(path, true);
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
      if (pair && isScalar(pair.key)) where = pair.key as Node;
    }
    keyNode = true;
    const known = knownKeysAt(path, root);
    const near = known ? closest(key, known) : null;
    message = `unknown key${near ? ` (did you mean "${near}"?)` : ''}`;
  } else if (issue.code === 'invalid_type') {
    const value = valueAt(doc, path);
    message = value === undefined ? `missing required key (expected ${issue.expected})` : `expected ${issue.expected}, got ${describeValue(value)}`;
  } else if (issue.code === 'invalid_value' && 'values' in issue) {
    message = `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(valueAt(doc, path))}`;
  } else if (issue.code === 'too_small' || issue.code === 'too_big') {
    message = `${issue.message.replace(/^Too (small|big): expected (number|int|array|string) to (have|be) /, 'must be ')}, got ${describeValue(valueAt(doc, path))}`;
  }

  // A key that a --set wrote is reported against that --set, not against a line of the file.
  const fullPath = keyNode && issue.code === 'unrecognized_keys' ? [...path, issue.keys[0]] : path;
  const fromOverride = overrides.find((o) => startsWith(fullPath, o.path));
  if (fromOverride) return `--set ${fromOverride.raw}: ${keyPath || '(root)'}: ${message}`;

  if (!where) {
    // Nearest existing node on the path (a missing key points at its parent).
    for (let n = path.length; n >= 0 && !where; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (node && typeof node === 'object' && 'range' in (node as object)) where = node as Node;
    }
  }
  const pos = where?.range ? lc.linePos(where.range[0]) : { line: 1, col: 1 };
  return `${file}:${pos.line}:${pos.col}: ${keyPath || '(root)'}: ${message}`;
}

/**
 * Keys must be scalars (yaml would stringify a list key and warn on stderr), and aliases are refused
 * in bulk: the yaml package stops at maxAliasCount (100) resolved aliases with a ReferenceError
 * ("billion laughs"); an alias to an unknown anchor is also a ReferenceError. Both become ConfigErrors.
 */
function checkKeysAndAliases(doc: Document, lc: LineCounter, file: string): void {
  const at = (n: { range?: [number, number, number] | null } | null | undefined) => {
    const p = n?.range ? lc.linePos(n.range[0]) : { line: 1, col: 1 };
    return `${file}:${p.line}:${p.col}`;
  };
  const anchors = new Set<string>();
  let problem: string | null = null;
  visit(doc, {
    Pair(_, pair) {
      if (pair.key !== null && typeof pair.key === 'object' && !isScalar(pair.key) && !isAlias(pair.key)) {
        problem = `${at(pair.key as Node)}: invalid YAML: a key must be a plain value, not a list or mapping`;
        return visit.BREAK;
      }
    },
    Node(_, node) {
      if ('anchor' in node && typeof node.anchor === 'string' && node.anchor) anchors.add(node.anchor);
      if (isAlias(node) && !anchors.has(node.source)) {
        problem = `${at(node)}: invalid YAML: alias *${node.source} names no anchor defined before it`;
        return visit.BREAK;
      }
    },
  });
  if (problem) throw new ConfigError(problem);
}

/** doc.toJS() with the yaml package's own limits turned into one-line ConfigErrors. */
function toJS(doc: Document, lc: LineCounter, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    let first: Node | null = null;
    visit(doc, {
      Alias(_, a) {
        first = a as unknown as Node;
        return visit.BREAK;
      },
    });
    const p = (first as Node | null)?.range ? lc.linePos((first as unknown as Node).range![0]) : { line: 1, col: 1 };
    const why = /alias count/i.test((e as Error).message) ? 'too many aliases expand (over 100; a "billion laughs" document?)' : (e as Error).message.split('\n')[0];
    throw new ConfigError(`${file}:${p.line}:${p.col}: invalid YAML: ${why}`);
  }
}

function valueAt(doc: Document, path: Path): unknown {
  let v: unknown = doc.toJS({ maxAliasCount: 100 });
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p as string];
  }
  return v;
}

function startsWith(path: Path, prefix: Path): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => String(p) === String(path[i]));
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (typeof v === 'number' && !Number.isFinite(v)) return `${v} (not a finite number)`;
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${String(v)}`;
}

function closest(word: string, options: string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i][j] = Math.min(dp[i - 1][j] + 1, dp[i][j - 1] + 1, dp[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return dp[a.length][b.length];
}

/** The resolved config as YAML; `mmc train --config` accepts it back unchanged. */
export function configToYaml(c: Config): string {
  return stringify(c, { lineWidth: 0 });
}
