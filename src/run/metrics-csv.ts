// metrics.csv beside metrics.jsonl: the same records as one table (pandas.read_csv, spreadsheets).
import { readJsonl, writeFileAtomic } from './atomic.js';

export type FlatValue = string | number | boolean | null;

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Nested plain objects become dotted keys ({a: {b: 1}} → {"a.b": 1}); arrays stay one value (JSON in a cell). */
export function flatten(value: Record<string, unknown>, prefix = '', out: Record<string, FlatValue | unknown[]> = {}): Record<string, FlatValue | unknown[]> {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v)) flatten(v, key, out);
    else if (v !== undefined) out[key] = v as FlatValue | unknown[];
  }
  return out;
}

/** One CSV cell: numbers in full (shortest round-trip) precision, null/undefined empty, RFC 4180 quoting. */
export function csvCell(v: unknown): string {
  let s: string;
  if (v === null || v === undefined) s = '';
  else if (typeof v === 'number' || typeof v === 'boolean') s = String(v);
  else if (typeof v === 'string') s = v;
  else s = JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header of column names plus rows, as CSV text ending in a newline. */
export function csvTable(columns: string[], rows: Record<string, unknown>[]): string {
  const lines = [columns.map(csvCell).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c])).join(','));
  return lines.join('\n') + '\n';
}

/** Column order: the union of the (flattened) keys in first-seen order, `epoch` first if any record has it. */
export function metricsToCsv(records: object[]): string {
  if (records.length === 0) return '';
  const flat = records.map((r) => flatten(r as Record<string, unknown>));
  const seen = new Set<string>();
  for (const r of flat) for (const k of Object.keys(r)) seen.add(k);
  const columns = seen.has('epoch') ? ['epoch', ...[...seen].filter((k) => k !== 'epoch')] : [...seen];
  return csvTable(columns, flat);
}

/** Rewrite metrics.csv from metrics.jsonl (atomically), so the CSV is always a function of the JSONL. */
export function writeMetricsCsv(jsonlPath: string, csvPath: string): void {
  writeFileAtomic(csvPath, metricsToCsv(readJsonl(jsonlPath)));
}
