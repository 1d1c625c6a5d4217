// Reading one record file: a torn file (unreadable, half-written JSON) or a foreign one (valid JSON
// of another shape) is a one-line UsageError that names the file, so the CLI exits 2, not with a stack.
import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import { readJsonl } from '../atomic.js';

type Kind = 'string' | 'number' | 'object' | 'array';

/** What a record must look like: the keys every mmc version wrote and its readers rely on. */
export interface Shape {
  name: string; // "a run record": the message says "not a run record"
  keys: Record<string, Kind>;
  hint?: string; // added to a torn file's message ("is this a run folder?")
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const hasKind = (v: unknown, kind: Kind) => (kind === 'array' ? Array.isArray(v) : kind === 'object' ? isObject(v) : typeof v === kind);

/** Why `v` is not of `shape`, or null when it is. */
export function shapeProblem(v: unknown, shape: Shape): string | null {
  if (!isObject(v)) return `${Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v}`}, not an object`;
  for (const [k, kind] of Object.entries(shape.keys)) {
    if (v[k] === undefined) return `no "${k}"`;
    if (!hasKind(v[k], kind)) return `"${k}" is not ${kind === 'array' || kind === 'object' ? 'an' : 'a'} ${kind}`;
  }
  return null;
}

/** `v` as a record of `shape`, or a UsageError naming `where` (the file). */
export function checked<T>(v: unknown, shape: Shape, where: string): T {
  const problem = shapeProblem(v, shape);
  if (problem) throw new UsageError(`${where}: not ${shape.name} (${problem})`);
  return v as T;
}

/** The parsed text of `file`, or a UsageError naming it: cannot read, or not valid `format`. */
export function parseFile(file: string, parse: (text: string) => unknown, format: string, hint?: string): unknown {
  const fail = (problem: string) => new UsageError(`${file}: ${problem}${hint ? `; ${hint}` : ''}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw fail(`cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return parse(text);
  } catch (e) {
    throw fail(`not valid ${format} (${(e as Error).message.split('\n')[0]})`);
  }
}

/** A JSON record file of `shape`. */
export function readRecord<T>(file: string, shape: Shape): T {
  return checked<T>(parseFile(file, JSON.parse, 'JSON', shape.hint), shape, file);
}

/** A JSON record file of `shape`, or null when there is none yet (a run that has not finished, a fresh folder). */
export function readOptionalRecord<T>(file: string, shape: Shape): T | null {
  return existsSync(file) ? readRecord<T>(file, shape) : null;
}

/** The lines of a JSONL record file (none when absent; a torn last line, a crash mid-append, is dropped). */
export function readRecordLines<T>(file: string, shape: Shape): T[] {
  return readJsonl<unknown>(file).map((v, i) => checked<T>(v, shape, `${file}, line ${i + 1}`));
}
