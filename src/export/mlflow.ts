// MLflow's file store layout (what `mlflow ui --backend-store-uri DIR/mlruns` reads):
//   mlruns/<experiment_id>/meta.yaml
//   mlruns/<experiment_id>/<run_uuid>/{meta.yaml, metrics/<key>, params/<key>, tags/<key>, artifacts/}
// A metric file holds one "<timestamp_ms> <value> <step>" line per logged value; a param or tag file
// holds the value alone, with no trailing newline. Ids are hashes of names, so exporting the same run
// again replaces its folder instead of adding a second copy.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { writeFileAtomic } from '../run/atomic.js';
import { flatten, metricsToCsv } from '../run/metrics-csv.js';
import { configParams, summaryMetrics, type ExportRun } from './source.js';

/** mlflow.entities.RunStatus, stored as an int in the run's meta.yaml. */
export const RUN_STATUS = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 } as const;
const SOURCE_TYPE_LOCAL = 4; // mlflow.entities.SourceType.LOCAL

export const DEFAULT_EXPERIMENT = 'Default';

export function mlflowStatus(status: string): number {
  switch (status) {
    case 'finished':
      return RUN_STATUS.FINISHED;
    case 'failed':
      return RUN_STATUS.FAILED;
    case 'interrupted':
      return RUN_STATUS.KILLED;
    default:
      return RUN_STATUS.RUNNING;
  }
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** "0" for MLflow's Default experiment, otherwise a decimal number from the name's hash. */
export function experimentId(name: string): string {
  if (name === DEFAULT_EXPERIMENT) return '0';
  return String(parseInt(sha(`mmc-experiment:${name}`).slice(0, 12), 16) + 1);
}

/** 32 hex digits (MLflow's run_uuid form) from the experiment and the mmc run id. */
export function mlflowRunId(expId: string, mmcRunId: string): string {
  return sha(`mmc-run:${expId}:${mmcRunId}`).slice(0, 32);
}

/** MLflow accepts letters, digits, _ - . space and / in keys; / would make subfolders, so it is replaced too. */
export const mlflowKey = (k: string) => k.replace(/[^A-Za-z0-9_.\- ]/g, '_').replace(/\.{2,}/g, '_');

export interface MlflowOptions {
  out: string; // export directory; the store is <out>/mlruns
  experiment?: string; // experiment name (default: MLflow's "Default", id 0)
  now?: number; // ms, for the experiment's times (tests)
  user?: string; // user_id of the runs (default: the current user)
}

export interface MlflowResult {
  store: string; // <out>/mlruns
  experiment: { id: string; name: string; dir: string };
  runs: { run: string; mlflow_run_id: string; dir: string }[];
}

/** Per-epoch metrics from metrics.jsonl, then summary.json's numbers logged once at the last epoch. */
export function runMetricLines(r: ExportRun): Map<string, string[]> {
  const lines = new Map<string, string[]>();
  const add = (key: string, ts: number, value: number, step: number) => {
    const k = mlflowKey(key);
    if (!lines.has(k)) lines.set(k, []);
    lines.get(k)!.push(`${ts} ${value} ${step}\n`);
  };
  const start = Date.parse(r.run.started);
  let elapsed = 0; // timestamps: run start plus the epochs' own durations (epoch_s)
  let lastStep = 0;
  r.metrics.forEach((rec, i) => {
    const step = typeof rec.epoch === 'number' ? rec.epoch : i + 1;
    if (typeof rec.epoch_s === 'number') elapsed += rec.epoch_s * 1000;
    const ts = Math.round(start + elapsed);
    lastStep = step;
    for (const [k, v] of Object.entries(flatten(rec))) {
      if (k === 'epoch') continue;
      if (typeof v === 'number') add(k, ts, v, step);
      else if (typeof v === 'boolean') add(k, ts, v ? 1 : 0, step); // MLflow metrics are numbers
    }
  });
  const perEpoch = new Set(lines.keys());
  const end = r.run.ended ? Date.parse(r.run.ended) : Math.round(start + elapsed);
  const summary = summaryMetrics(r.summary);
  const step = typeof summary.epochs === 'number' ? summary.epochs : lastStep;
  for (const [k, v] of Object.entries(summary)) add(perEpoch.has(mlflowKey(k)) ? `summary.${k}` : k, end, v, step);
  return lines;
}

export function runTags(r: ExportRun, user: string): Record<string, string> {
  const tags: Record<string, string> = {
    'mlflow.runName': r.id,
    'mlflow.source.name': `mmc ${r.run.command}`,
    'mlflow.source.type': 'LOCAL',
    'mlflow.user': user,
    'mmc.run_id': r.id,
    'mmc.command': r.run.command,
    'mmc.status': r.run.status,
    'mmc.config_hash': r.run.config_hash,
    'mmc.argv': (r.run.argv ?? []).join(' ').slice(0, 5000),
    'mmc.path': r.dir,
  };
  const commit = r.env?.git_commit;
  if (typeof commit === 'string' && commit) tags['mlflow.source.git.commit'] = commit;
  const backend = (r.env?.backend as { name?: unknown } | undefined)?.name;
  if (typeof backend === 'string') tags['mmc.backend'] = backend;
  if (r.run.parent) tags['mmc.parent'] = r.run.parent;
  if (r.run.teacher) tags['mmc.teacher'] = r.run.teacher;
  if (r.run.resumed?.length) tags['mmc.resumed'] = String(r.run.resumed.length);
  if (r.run.error) tags['mmc.error'] = r.run.error.slice(0, 5000);
  if (r.sweep) tags['mmc.sweep'] = r.sweep.id;
  if (r.sweep?.job) tags['mmc.sweep_job'] = r.sweep.job;
  return tags;
}

/** Files of the run folder copied into artifacts/ (when present), plus eval/*.json and a metrics.csv. */
export const ARTIFACT_FILES = ['config.yaml', 'run.json', 'env.json', 'summary.json', 'metrics.jsonl', 'ebr.json'];

function writeRun(expDir: string, expId: string, r: ExportRun, user: string): { run: string; mlflow_run_id: string; dir: string } {
  const runId = mlflowRunId(expId, r.id);
  const final = join(expDir, runId);
  // Built whole in a staging folder and swapped in, so a re-export never mixes old and new files.
  const stage = join(expDir, `.${runId}.${process.pid}.tmp`);
  rmSync(stage, { recursive: true, force: true });
  for (const d of ['metrics', 'params', 'tags', 'artifacts']) mkdirSync(join(stage, d), { recursive: true });

  const start = Date.parse(r.run.started);
  const meta = {
    artifact_uri: pathToFileURL(join(final, 'artifacts')).href,
    end_time: r.run.ended ? Date.parse(r.run.ended) : null,
    entry_point_name: '',
    experiment_id: expId,
    lifecycle_stage: 'active',
    run_id: runId,
    run_name: r.id,
    run_uuid: runId,
    source_name: '',
    source_type: SOURCE_TYPE_LOCAL,
    source_version: typeof r.env?.git_commit === 'string' ? r.env.git_commit : '',
    start_time: start,
    status: mlflowStatus(r.run.status),
    tags: [],
    user_id: user,
  };
  writeFileSync(join(stage, 'meta.yaml'), toYaml(meta, { sortMapEntries: true }));
  for (const [k, lines] of runMetricLines(r)) writeFileSync(join(stage, 'metrics', k), lines.join(''));
  for (const [k, v] of Object.entries(configParams(r.config))) writeFileSync(join(stage, 'params', mlflowKey(k)), v.slice(0, 6000));
  for (const [k, v] of Object.entries(runTags(r, user))) writeFileSync(join(stage, 'tags', k), v);

  const art = join(stage, 'artifacts');
  for (const f of ARTIFACT_FILES) if (existsSync(join(r.dir, f))) copyFileSync(join(r.dir, f), join(art, f));
  writeFileSync(join(art, 'metrics.csv'), metricsToCsv(r.metrics));
  const evalDir = join(r.dir, 'eval');
  const evals = existsSync(evalDir) ? readdirSync(evalDir).filter((f) => f.endsWith('.json')).sort() : [];
  if (evals.length) {
    mkdirSync(join(art, 'eval'));
    for (const f of evals) copyFileSync(join(evalDir, f), join(art, 'eval', f));
  }

  rmSync(final, { recursive: true, force: true });
  renameSync(stage, final);
  return { run: r.dir, mlflow_run_id: runId, dir: final };
}

export function writeMlflow(runs: ExportRun[], o: MlflowOptions): MlflowResult {
  const store = resolve(o.out, 'mlruns');
  const name = o.experiment ?? DEFAULT_EXPERIMENT;
  const expId = experimentId(name);
  const expDir = join(store, expId);
  mkdirSync(expDir, { recursive: true });
  const now = o.now ?? Date.now();
  const metaPath = join(expDir, 'meta.yaml');
  let created = now;
  if (existsSync(metaPath)) {
    const prev = parseYaml(readFileSync(metaPath, 'utf8')) as { creation_time?: unknown } | null;
    if (typeof prev?.creation_time === 'number') created = prev.creation_time;
  }
  const user = o.user ?? safeUser();
  const written = runs.map((r) => writeRun(expDir, expId, r, user));
  writeFileAtomic(
    metaPath,
    toYaml(
      { artifact_location: pathToFileURL(expDir).href, creation_time: created, experiment_id: expId, last_update_time: now, lifecycle_stage: 'active', name },
      { sortMapEntries: true },
    ),
  );
  return { store, experiment: { id: expId, name, dir: expDir }, runs: written };
}

function safeUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}
