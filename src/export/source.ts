// What `mmc export` reads: run folders (given directly or as the runs of a sweep folder), through the
// run-folder reader of src/run/records, which reads config.yaml as plain YAML (no schema), so runs
// written by older versions still export.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { locateFolders, readRunRecords, readSweepRecords, type RunRecords } from '../run/records/index.js';
import { flatten } from '../run/metrics-csv.js';

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

export type ExportRun = RunRecords & {
  sweep?: { id: string; job?: string }; // set when the run was exported as part of a sweep
};

export function readExportRun(dir: string, sweep?: ExportRun['sweep']): ExportRun {
  return { ...readRunRecords(dir), ...(sweep ? { sweep } : {}) };
}

/** The runs of a sweep folder (its runs/ subfolder, teachers included), in folder-name (= start time) order. */
function sweepRuns(dir: string): ExportRun[] {
  const { spec, rows } = readSweepRecords(dir);
  const sweepId = spec.id ?? dir.split(/[\\/]/).filter(Boolean).at(-1)!;
  const jobOf = new Map<string, string>();
  for (const r of rows) {
    if (r.run) jobOf.set(r.run.split(/[\\/]/).filter(Boolean).at(-1)!, r.job);
  }
  const runsDir = join(dir, 'runs');
  if (!isDir(runsDir)) return [];
  return readdirSync(runsDir)
    .sort()
    .filter((name) => existsSync(join(runsDir, name, 'run.json')))
    .map((name) => readExportRun(join(runsDir, name), { id: sweepId, ...(jobOf.has(name) ? { job: jobOf.get(name) } : {}) }));
}

/**
 * Each argument is a run folder (has run.json) or a sweep folder (has sweep.json), as a path or as a
 * name under runsDir. All are checked before anything is read; a run named twice is exported once.
 */
export function resolveExportArgs(refs: string[], runsDir: string): ExportRun[] {
  const out = new Map<string, ExportRun>();
  for (const f of locateFolders(refs, runsDir)) {
    for (const r of f.kind === 'run' ? [readExportRun(f.dir)] : sweepRuns(f.dir)) if (!out.has(r.dir)) out.set(r.dir, r);
  }
  return [...out.values()];
}

const scalar = (v: unknown): string => (v === null || v === undefined ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/**
 * The config as dotted key → string value. Lists of named items use the item's name as the key
 * (dataset.modalities.audio.strength, as --set accepts); other lists stay one JSON value.
 */
export function configParams(config: Record<string, unknown> | null): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (v: unknown, key: string) => {
    if (Array.isArray(v) && v.length && v.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x) && typeof (x as { name?: unknown }).name === 'string')) {
      const names = v.map((x) => (x as { name: string }).name);
      if (new Set(names).size === names.length) {
        for (const x of v as { name: string }[]) {
          const { name: _name, ...rest } = x;
          walk(rest, `${key}.${x.name}`);
        }
        return;
      }
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length) {
      for (const [k, x] of Object.entries(v)) walk(x, key ? `${key}.${k}` : k);
      return;
    }
    out[key] = scalar(v);
  };
  if (config) walk(config, '');
  return out;
}

/** The numeric leaves of summary.json, dotted (test.accuracy, best_metric.value, final.val_loss, …). */
export function summaryMetrics(summary: Record<string, unknown> | null): Record<string, number> {
  const out: Record<string, number> = {};
  if (!summary) return out;
  for (const [k, v] of Object.entries(flatten(summary))) if (typeof v === 'number') out[k] = v;
  return out;
}
