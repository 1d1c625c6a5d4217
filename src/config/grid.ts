// --grid key=v1,v2,…: values split on commas outside brackets and braces, so list values work:
// --grid "modalities=[a,b],[a,b,c]".
import { UsageError } from '../errors.js';

export interface GridAxis {
  key: string;
  values: string[]; // raw texts, typed later by the schema as --set values are
}

export function parseGrid(raw: string): GridAxis {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw new UsageError(`--grid ${raw}: expected key=v1,v2,…`);
  const key = raw.slice(0, eq).trim();
  const text = raw.slice(eq + 1);
  const values: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '[' || ch === '{') depth++;
    if (ch === ']' || ch === '}') depth--;
    if (depth < 0) throw new UsageError(`--grid ${raw}: unbalanced brackets`);
    if (ch === ',' && depth === 0) {
      values.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (depth !== 0) throw new UsageError(`--grid ${raw}: unbalanced brackets`);
  values.push(cur.trim());
  if (values.some((v) => v === '')) throw new UsageError(`--grid ${raw}: empty value`);
  return { key, values };
}

/** Cross product of the axes, in order (the first axis varies slowest). */
export function crossProduct(axes: GridAxis[]): Record<string, string>[] {
  let rows: Record<string, string>[] = [{}];
  for (const a of axes) rows = rows.flatMap((r) => a.values.map((v) => ({ ...r, [a.key]: v })));
  return rows;
}

/** Two jobs' grid values are the same configuration (same keys, same raw texts). */
export const sameValues = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
