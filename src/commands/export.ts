// `mmc export --format mlflow|csv|onnx --out DIR RUN_OR_SWEEP…`: runs in a form other tools read.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../run/atomic.js';
import { runsToCsv } from '../export/csv.js';
import { writeMlflow, type MlflowResult } from '../export/mlflow.js';
import { resolveExportArgs } from '../export/source.js';
import { writeOnnx, type OnnxExport } from '../export/onnx/write.js';
import type { CheckpointName } from '../run/checkpoint.js';

export const EXPORT_FORMATS = ['mlflow', 'csv', 'onnx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format: ExportFormat;
  out: string;
  refs: string[]; // run or sweep folders (paths, or names under runsDir)
  runsDir: string;
  experiment?: string;
  checkpoint?: CheckpointName; // onnx: default the run's train.select
  now?: number; // tests
  user?: string; // tests
}

export type ExportResult =
  | ({ format: 'mlflow'; out: string } & MlflowResult)
  | { format: 'csv'; out: string; file: string; runs: string[] }
  | { format: 'onnx'; out: string; models: OnnxExport[] };

/** --out must be a directory we can create and write into; checked before anything is written. */
export function prepareOut(out: string): string {
  const dir = resolve(out);
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new UsageError(`--out ${out}: not a writable directory (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return dir;
}

/** The CSV file name: <experiment>.csv, default runs.csv. */
export function csvName(experiment?: string): string {
  if (experiment === undefined) return 'runs.csv';
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(experiment)) throw new UsageError(`--experiment ${experiment}: with --format csv it names the file; use letters, digits, _, ., + or -`);
  return `${experiment}.csv`;
}

export function exportRuns(o: ExportOptions): ExportResult {
  if (!o.refs.length) throw new UsageError('export needs at least one run or sweep folder');
  if (o.experiment !== undefined && !o.experiment.trim()) throw new UsageError('--experiment: the name is empty');
  const file = o.format === 'csv' ? csvName(o.experiment) : '';
  const runs = resolveExportArgs(o.refs, o.runsDir);
  const out = prepareOut(o.out);
  if (o.format === 'onnx') return { format: 'onnx', out, models: runs.map((r) => writeOnnx(r, out, o.checkpoint)) };
  if (o.format === 'csv') {
    const path = join(out, file);
    writeFileAtomic(path, runsToCsv(runs));
    return { format: 'csv', out, file: path, runs: runs.map((r) => r.dir) };
  }
  return { format: 'mlflow', out, ...writeMlflow(runs, { out, experiment: o.experiment, now: o.now, user: o.user }) };
}
