// What `mmc export` reads: run folders (given directly or as the runs of a sweep folder), parsed
// leniently (plain YAML/JSON, no schema), so runs written by older versions still export.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';
import { readJsonl } from '../run/atomic.js';
import { effectiveStatus, type RunJson } from '../run/run-folder.js';
import { flatten } from '../run/metrics-csv.js';

export interface ExportRun {
  dir: string; // absolute path of the run folder
  id: string; // mmc run id (the folder name)
  run: RunJson;
  config: Record<string, unknown> | null; // config.yaml
  summary: Record<string, unknown> | null; // summary.json (finished runs only)
  env: Record<string, unknown> | null; // env.json
  metrics: Record<string, unknown>[]; // metrics.jsonl
  sweep?: { id: string; job?: string }; // set when the run was exported as part of a sweep
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
const readJson = (p: string): Record<string, unknown> | null => (existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>) : null);

export function readExportRun(dir: string, sweep?: ExportRun['sweep']): ExportRun {
  const run = readJson(join(dir, 'run.json')) as RunJson | null;
  if (!run) throw new UsageError(`not a run folder: ${dir} (no run.json)`);
  const configPath = join(dir, 'config.yaml');
  return {
    dir,
    id: run.id ?? dir.split(/[\\/]/).filter(Boolean).at(-1)!,
    // A run killed while `running` (its process is gone) is shown as interrupted.
    run: { ...run, status: effectiveStatus(run) },
    config: existsSync(configPath) ? ((parseYaml(readFileSync(configPath, 'utf8')) as Record<string, unknown>) ?? null) : null,
    summary: readJson(join(dir, 'summary.json')),
    env: readJson(join(dir, 'env.json')),
    metrics: readJsonl(join(dir, 'metrics.jsonl')),
    ...(sweep ? { sweep } : {}),
  };
}

/** The runs of a sweep folder (its runs/ subfolder, teachers included), in folder-name (= start time) order. */
function sweepRuns(dir: string): ExportRun[] {
  const spec = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as { id?: string };
  const sweepId = spec.id ?? dir.split(/[\\/]/).filter(Boolean).at(-1)!;
  const jobOf = new Map<string, string>();
  for (const r of readJsonl<{ job: string; run: string | null }>(join(dir, 'results.jsonl'))) {
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
  const found = refs.map((ref) => {
    for (const c of [resolve(ref), resolve(runsDir, ref)]) {
      if (existsSync(join(c, 'run.json'))) return { kind: 'run' as const, dir: c };
      if (existsSync(join(c, 'sweep.json'))) return { kind: 'sweep' as const, dir: c };
    }
    throw new UsageError(`not a run or sweep folder: ${ref} (no run.json or sweep.json in ${resolve(ref)}${resolve(ref) === resolve(runsDir, ref) ? '' : ` or ${resolve(runsDir, ref)}`})`);
  });
  const out = new Map<string, ExportRun>();
  for (const f of found) {
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
