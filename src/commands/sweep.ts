// `mmc sweep`: the cross product of --grid values × seeds, each job a `mmc train --analyze` command
// line run by one of W job workers (warm processes, one job at a time each; or a new process per job).
// One result line per job in results.jsonl, appended by this process only; `--resume` reruns the
// jobs without a finished line.
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfigFile } from '../config/load.js';
import { VERB_SETS } from './verb-sets.js';
import { crossProduct, sameValues, type GridAxis } from '../config/grid.js';
import { UsageError } from '../errors.js';
import { appendJsonl, writeFileAtomic, writeJsonAtomic } from '../run/atomic.js';
import type { Logger } from '../run/logger.js';
import { latestRows, readAnalysis, readTaskRecord, readTeacherRecord, readEbr, readRunJson, readSummary, readSweepRows, readSweepSpec, readTeachers, type Analysis, type SweepRow, type SweepSpec } from '../run/records/index.js';
import { ANALYSIS_FILE } from '../run/records/analysis.js';
import { stamp } from '../run/run-folder.js';
import { groupStats } from '../stats/table.js';
import { teacherName, teacherOf, type TeacherJob } from './sweep-teachers.js';
import { execProcess, jobWorker, type Exec, type OnChild } from './job-worker-pool.js';

export function createSweep(o: { configPath: string; sets: string[]; grid: GridAxis[]; seeds: number; varyDataSeed: boolean; analyze: boolean; name?: string; runsDir: string; command?: 'train' | 'distill' | 'reallocate'; teacherConfig?: string; teacherSets?: string[]; teacherGrid?: string[]; argv?: string[] }): { dir: string; spec: SweepSpec } {
  if (o.command === 'distill' && !o.teacherConfig) throw new UsageError('--command distill needs --teacher-config FILE (the teacher trained for each seed)');
  if (o.teacherConfig) loadConfigFile(o.teacherConfig, { overrides: o.teacherSets ?? [] });
  for (const k of o.teacherGrid ?? []) {
    if (!o.teacherConfig) throw new UsageError('--teacher-grid needs a distill sweep (--command distill --teacher-config FILE)');
    if (!o.grid.some((a) => a.key === k)) throw new UsageError(`--teacher-grid ${k}: not a --grid key of this sweep (${o.grid.map((a) => a.key).join(', ') || 'no grid'})`);
    for (const v of o.grid.find((a) => a.key === k)!.values) loadConfigFile(o.teacherConfig, { overrides: [...(o.teacherSets ?? []), `${k}=${v}`] });
  }
  // Validate the base config and every grid value up front: a typo should fail now, not in job 17.
  // With the verb's own overrides: reallocate's checks (EBR on) must fail here too.
  const verb = VERB_SETS[o.command ?? 'train'];
  const base = loadConfigFile(o.configPath, { overrides: [...verb, ...o.sets] });
  for (const axis of o.grid) for (const v of axis.values) loadConfigFile(o.configPath, { overrides: [...verb, ...o.sets, `${axis.key}=${v}`] });
  const name = o.name ?? base.name;
  const jobs: SweepSpec['jobs'] = [];
  for (const values of crossProduct(o.grid)) for (let s = 0; s < o.seeds; s++) jobs.push({ id: `j${String(jobs.length).padStart(3, '0')}`, values, seed: s });
  mkdirSync(o.runsDir, { recursive: true });
  let dir = '';
  for (let attempt = 0; attempt < 20 && !dir; attempt++) {
    const h = createHash('sha256').update(JSON.stringify(o)).update(randomBytes(8)).digest('hex').slice(0, 6);
    const candidate = resolve(o.runsDir, `${stamp(new Date())}-sweep-${name}-${h}`);
    try {
      mkdirSync(candidate);
      dir = candidate;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new UsageError(`cannot create sweep folder in ${o.runsDir}: ${(e as NodeJS.ErrnoException).code}`);
    }
  }
  if (!dir) throw new Error('no free sweep folder name');
  mkdirSync(join(dir, 'runs'));
  copyFileSync(o.configPath, join(dir, 'base-config.yaml'));
  if (o.teacherConfig) copyFileSync(o.teacherConfig, join(dir, 'teacher-config.yaml'));
  const spec: SweepSpec = { id: dir.split('/').at(-1)!, name, command: o.command ?? 'train', config: 'base-config.yaml', ...(o.teacherConfig ? { teacher_config: 'teacher-config.yaml', teacher_sets: o.teacherSets ?? [], ...(o.teacherGrid?.length ? { teacher_grid: o.teacherGrid } : {}) } : {}), sets: o.sets, grid: o.grid, seeds: o.seeds, vary_data_seed: o.varyDataSeed, analyze: o.analyze, jobs, created: new Date().toISOString(), ...(o.argv ? { argv: o.argv } : {}) };
  writeJsonAtomic(join(dir, 'sweep.json'), spec);
  return { dir, spec };
}

export function openSweep(ref: string, runsDir: string): { dir: string; spec: SweepSpec } {
  for (const c of [resolve(ref), resolve(runsDir, ref)]) {
    if (existsSync(join(c, 'sweep.json'))) return { dir: c, spec: readSweepSpec(c) };
  }
  throw new UsageError(`sweep not found: ${ref} (no sweep.json there)`);
}

export type { OnChild };

/** The numbers a row keeps from a run's summary and analysis (flat, for CSV and plots). */
export function rowMetrics(summary: Record<string, unknown>, a: Analysis | null): Record<string, number | null> {
  const m: Record<string, number | null> = {};
  const test = summary.test as { accuracy: number; cross_entropy: number; macro_f1: number } | undefined;
  m.test_acc = test?.accuracy ?? null;
  m.test_ce = test?.cross_entropy ?? null;
  m.test_macro_f1 = test?.macro_f1 ?? null;
  m.best_epoch = (summary.best_epoch as number | null) ?? null;
  m.samples_per_s = (summary.samples_per_s as number | null) ?? null;
  if (!a) return m;
  m.fused_effective_rank = a.rank.fused.effective_rank;
  m.fused_numerical_rank = a.rank.fused.numerical_rank;
  m.poly_fraction = a.polysemanticity.cross_modal_fraction;
  m.poly_entropy = a.polysemanticity.mean_normalised_entropy;
  m.live_neurons = a.polysemanticity.live_neurons;
  m.collision_fraction = a.collisions?.noise_predictive_collision_fraction ?? null;
  m.component_poly_fraction = a.collisions?.cross_modal_fraction ?? null;
  const each = a.robustness.missing_each;
  if (each) {
    for (const [protocol, c] of [['zero', each.zero], ['mean', each.mean], ['substitute', each.substitute]] as const) {
      if (!c) continue;
      m[protocol === 'zero' ? 'auc_missing_each' : `auc_missing_each_${protocol}`] = c.auc;
      c.x.forEach((x, i) => (m[`missing_each_${protocol}@${x}`] = c.y[i]));
    }
  }
  for (const mod of a.modalities) {
    m[`enc_effective_rank.${mod}`] = a.rank.encoders[mod].effective_rank;
    m[`acc_drop_zero.${mod}`] = a.contribution.zero[mod].accuracy_drop;
    m[`acc_drop_mean.${mod}`] = a.contribution.mean[mod].accuracy_drop;
    m[`shapley.${mod}`] = a.contribution.shapley.values[mod];
    m[`alone_ce.${mod}`] = a.semantic_loss[mod].alone_cross_entropy;
    m[`alone_acc.${mod}`] = a.semantic_loss[mod].alone_accuracy;
    m[`probe_ce.${mod}`] = a.semantic_loss[mod].probe.cross_entropy;
    m[`probe_gap.${mod}`] = a.semantic_loss[mod].gap;
    m[`auc_noise.${mod}`] = a.robustness.noise[mod].auc;
    m[`auc_missing.${mod}`] = a.robustness.missing[mod].auc;
    m[`auc_missing_mean.${mod}`] = a.robustness.missing_mean?.[mod]?.auc ?? null;
    m[`auc_missing_substitute.${mod}`] = a.robustness.missing_substitute?.[mod]?.auc ?? null;
    // The curves' points, as "<name>@<rate>" columns (mmc plot --x rate draws them).
    for (const [name, curves] of [['missing_zero', a.robustness.missing], ['missing_mean', a.robustness.missing_mean], ['missing_substitute', a.robustness.missing_substitute]] as const) {
      const c = curves?.[mod];
      if (c) c.x.forEach((x, i) => (m[`${name}.${mod}@${x}`] = c.y[i]));
    }
  }
  return m;
}

/** The `mmc train` arguments of a distill sweep's teacher (the same seed and data seed as its students, and their teacher_grid values). */
export function teacherArgs(dir: string, spec: SweepSpec, t: TeacherJob, dataSeed: number | null, o: { backend?: string; threads?: number }): string[] {
  const sets = [...(spec.teacher_sets ?? []), ...Object.entries(t.values).map(([k, v]) => `${k}=${v}`), ...(dataSeed !== null ? [`dataset.seed=${dataSeed}`] : [])];
  return ['train', '--config', join(dir, spec.teacher_config!), ...sets.flatMap((s) => ['--set', s]), '--seed', String(t.seed), '--name', `${spec.name}-teacher-${t.tag}`, '--runs-dir', join(dir, 'runs'), '--json', '-q', '--no-progress', ...(o.backend ? ['--backend', o.backend] : []), ...(o.threads ? ['--threads', String(o.threads)] : [])];
}


/** A teacher's finished run, from teachers.jsonl (local sweeps) or teachers/<tag>.json (a Slurm teacher task's record); null if none. */
export function knownTeacher(dir: string, t: TeacherJob): string | null {
  const lines = readTeachers(dir).filter((l) => l.seed === t.seed && sameValues(l.values ?? {}, t.values));
  const record = readTeacherRecord(dir, t.tag);
  for (const l of [...(record ? [record] : []), ...lines.reverse()]) {
    if (existsSync(join(l.run, 'run.json')) && readRunJson(join(l.run, 'run.json')).status === 'finished') return l.run;
  }
  return null;
}

/** Trains a teacher (a child process); resolves to its run folder. */
export async function trainTeacher(dir: string, spec: SweepSpec, t: TeacherJob, dataSeed: number | null, o: { backend?: string; threads?: number; onChild?: OnChild; exec?: Exec }): Promise<string> {
  const what = teacherName(t);
  const c = await (o.exec ?? execProcess)(teacherArgs(dir, spec, t, dataSeed, o), o.onChild);
  if (c.code !== 0) throw new Error(`${what}: ${c.stderr.trim().split('\n').at(-1)}`);
  const out = JSON.parse(c.stdout) as { run: string; status: string };
  if (out.status !== 'finished') throw new Error(`${what}: run ${out.status}`);
  return out.run;
}

/** Distill sweeps: one teacher per seed (and teacher_grid values), trained on first use and remembered in teachers.jsonl. */
const teacherRuns = new Map<string, Promise<string>>();
function teacherFor(dir: string, spec: SweepSpec, t: TeacherJob, dataSeed: number | null, o: { backend?: string; exec?: Exec }): Promise<string> {
  const key = `${dir}#${t.tag}`;
  const known = knownTeacher(dir, t);
  if (known) return Promise.resolve(known);
  if (!teacherRuns.has(key)) {
    teacherRuns.set(
      key,
      (async () => {
        const run = await trainTeacher(dir, spec, t, dataSeed, o);
        appendJsonl(join(dir, 'teachers.jsonl'), { seed: t.seed, ...(Object.keys(t.values).length ? { values: t.values } : {}), run });
        return run;
      })(),
    );
  }
  return teacherRuns.get(key)!;
}

/** The base config's dataset seed (null for datasets without one), from which each job's data seed derives. */
export function baseDataSeedOf(dir: string, spec: SweepSpec): number | null {
  const d = loadConfigFile(join(dir, spec.config), { overrides: spec.sets }).dataset;
  return 'seed' in d ? d.seed : null;
}

/** A job's (or its teacher's) data seed: base + seed with --vary-data; null keeps the config's (datasets without a seed stay fixed). */
export const dataSeedFor = (spec: SweepSpec, baseDataSeed: number | null, seed: number): number | null => (spec.vary_data_seed && baseDataSeed !== null ? baseDataSeed + seed : null);

/** Run folders of each job (`<stamp>-<command>-<sweep name>-<job>-<hash>` under runs/), oldest first: one directory listing for the whole sweep. */
export function jobRunFolders(dir: string, spec: SweepSpec): Map<string, string[]> {
  const byJob = new Map<string, string[]>();
  const runsDir = join(dir, 'runs');
  if (!existsSync(runsDir)) return byJob;
  const prefix = `-${spec.command}-${spec.name}-`;
  for (const f of readdirSync(runsDir).sort()) {
    const m = /^\d{8}-\d{6}(-.+)-(j\d+)-[0-9a-f]{6}$/.exec(f);
    if (!m || m[1] + '-' !== prefix) continue;
    const list = byJob.get(m[2]) ?? [];
    list.push(join(runsDir, f));
    byJob.set(m[2], list);
  }
  return byJob;
}

function runStatus(run: string): string | null {
  try {
    return readRunJson(join(run, 'run.json')).status;
  } catch {
    return null; // torn or foreign folder
  }
}

/**
 * A finished run of this job that no result line names: its sweep was killed (SIGKILL) after the
 * `mmc train` child had started, and the orphaned child finished alone (or, on Slurm, a requeued
 * task's run had finished). Resume adopts it instead of training the job a second time.
 */
function orphanRun(runs: string[], known: Set<string>): string | null {
  for (const run of [...runs].reverse()) {
    if (!known.has(run) && existsSync(join(run, 'summary.json')) && runStatus(run) === 'finished') return run;
  }
  return null;
}

/** The job's latest run when it can go on (`--resume`): interrupted, or left `running` by a task that was killed. */
function resumableRun(runs: string[]): string | null {
  const last = runs.at(-1);
  const status = last ? runStatus(last) : null;
  return last && (status === 'interrupted' || status === 'running') ? last : null;
}

/**
 * A job's row from its run folder alone (summary.json, eval/analysis.json, ebr.json), as both
 * executors record it: a local sweep and a Slurm one give the same rows. null: the run has not
 * finished (or its analysis is missing where the sweep analyses).
 */
export function rowFromRun(spec: SweepSpec, job: SweepSpec['jobs'][number], run: string): SweepRow | null {
  if (runStatus(run) !== 'finished') return null;
  const summary = readSummary(join(run, 'summary.json'));
  if (!summary) return null;
  let analysis: Analysis | null = null;
  if (spec.analyze) {
    const file = join(run, 'eval', ANALYSIS_FILE);
    if (!existsSync(file)) return null;
    analysis = readAnalysis(file);
  }
  const row: SweepRow = { job: job.id, status: 'finished', seed: job.seed, values: job.values, run, metrics: rowMetrics(summary, analysis) };
  const ebrFile = join(run, 'ebr.json');
  if (existsSync(ebrFile)) {
    const e = readEbr(ebrFile);
    row.metrics.disc_acc = e.disc_acc;
    for (const [k, v] of Object.entries(e.similarity)) row.metrics[`g_cosine.${k}`] = v;
  }
  return row;
}

/** What runJob needs besides the job. */
export interface JobContext {
  dir: string;
  spec: SweepSpec;
  baseDataSeed: number | null;
  backend?: string;
  threads?: number; // BLAS threads for each child (Slurm: the task's CPUs)
  known?: Set<string>; // runs that result lines already name
  runs?: string[]; // the job's run folders (jobRunFolders); read here when absent
  resumeInterrupted?: boolean; // Slurm: a requeued task goes on with its interrupted run
  stop?: () => boolean; // Slurm: a signal asked the task to stop; no further child starts
  teacherFromTask?: boolean; // Slurm distill tasks: the seed's teacher comes from its teacher task (teachers/s<seed>.json)
  onChild?: OnChild;
  exec?: Exec; // where the job's command lines run (a local sweep's job worker); a new process each by default
}

/** A run verb's --json result line ({ run, status }), or null when it printed none. */
function trainedRun(stdout: string): { run: string; status: string } | null {
  try {
    const r = JSON.parse(stdout) as { run?: unknown; status?: unknown };
    return typeof r.run === 'string' && typeof r.status === 'string' ? { run: r.run, status: r.status } : null;
  } catch {
    return null;
  }
}

/** One job, as a local worker and a Slurm task both run it: train (or adopt/resume its run), analyse, and read the row back from the run folder. */
export async function runJob(job: SweepSpec['jobs'][number], c: JobContext): Promise<SweepRow> {
  const { dir, spec, backend } = c;
  const exec = c.exec ?? execProcess;
  const sets = [...spec.sets, ...Object.entries(job.values).map(([k, v]) => `${k}=${v}`)];
  const dataSeed = dataSeedFor(spec, c.baseDataSeed, job.seed);
  if (dataSeed !== null) sets.push(`dataset.seed=${dataSeed}`);
  const row: SweepRow = { job: job.id, status: 'failed', seed: job.seed, values: job.values, run: null, metrics: {} };
  const common = ['--runs-dir', join(dir, 'runs'), '--json', '-q', '--no-progress', ...(backend ? ['--backend', backend] : []), ...(c.threads ? ['--threads', String(c.threads)] : [])];
  const runs = c.runs ?? jobRunFolders(dir, spec).get(job.id) ?? [];
  const orphan = orphanRun(runs, c.known ?? new Set());
  let run: string;
  if (orphan) {
    run = orphan;
    row.adopted = true;
  } else {
    const resume = c.resumeInterrupted ? resumableRun(runs) : null;
    let args: string[];
    // The analysis runs in the training process (--analyze): one process start and dataset load less per job.
    const analyzeHere = spec.analyze ? ['--analyze'] : [];
    if (resume) args = [spec.command, '--resume', resume, ...analyzeHere, ...common];
    else {
      const extra: string[] = [];
      if (spec.command === 'distill') {
        try {
          // A Slurm task never trains a teacher itself: its teacher task did (the array waits for it).
          const teacher = teacherOf(spec, job);
          const known = c.teacherFromTask ? knownTeacher(dir, teacher) : null;
          if (c.teacherFromTask && !known) throw new Error(`${teacherName(teacher)} has not finished (its teacher task failed or was cancelled; see tasks/teacher-${teacher.tag}.json)`);
          extra.push('--teacher', known ?? (await teacherFor(dir, spec, teacher, dataSeed, { backend, exec: c.exec })));
        } catch (e) {
          row.error = (e as Error).message;
          return row;
        }
      }
      args = [spec.command, '--config', join(dir, spec.config), ...sets.flatMap((s) => ['--set', s]), ...extra, '--seed', String(job.seed), '--name', `${spec.name}-${job.id}`, ...analyzeHere, ...common];
    }
    const t = await exec(args, c.onChild);
    const trained = trainedRun(t.stdout);
    if (t.code !== 0) {
      const why = t.stderr.trim().split('\n').at(-1) || `exit ${t.code}`;
      // The run finished and printed its result; the analysis after it failed.
      if (trained?.status === 'finished' && spec.analyze) return { ...row, run: trained.run, error: `analyze: ${why}`, metrics: rowMetrics(readSummary(join(trained.run, 'summary.json')) ?? {}, null) };
      row.error = why;
      return row;
    }
    if (!trained) {
      row.error = `${spec.command} printed no result`;
      return row;
    }
    run = trained.run;
    if (trained.status !== 'finished') {
      row.run = run;
      row.error = `run ${trained.status} (resume the sweep to go on)`;
      return row;
    }
  }
  row.run = run;
  if (c.stop?.()) {
    row.error = 'stopped before its analysis';
    return row;
  }
  // An adopted run, or one trained by an earlier mmc without --analyze, is analysed here.
  if (spec.analyze && !existsSync(join(run, 'eval', ANALYSIS_FILE))) {
    const a = await exec(['analyze', '--run', run, '--json', ...(backend ? ['--backend', backend] : [])], c.onChild);
    if (a.code !== 0) {
      row.error = `analyze: ${a.stderr.trim().split('\n').at(-1)}`;
      row.metrics = rowMetrics(readSummary(join(run, 'summary.json')) ?? {}, null);
      return row;
    }
  }
  const done = rowFromRun(spec, job, run);
  if (!done) {
    row.error = `run ${run} has no finished result`;
    return row;
  }
  return row.adopted ? { ...done, adopted: true } : done;
}

export async function runSweep(dir: string, spec: SweepSpec, o: { workers: number; backend?: string; log: Logger; processPerJob?: boolean }): Promise<SweepRow[]> {
  const resultsPath = join(dir, 'results.jsonl');
  repairJsonl(resultsPath);
  const rows = readSweepRows(dir);
  const done = new Set(rows.filter((r) => r.status === 'finished').map((r) => r.job));
  const known = new Set(rows.map((r) => r.run).filter((r): r is string => !!r));
  // Seed by seed: a seed's jobs share its data seed, so a job worker generates each dataset once.
  const todo = spec.jobs.filter((j) => !done.has(j.id)).sort((a, b) => a.seed - b.seed);
  const baseDataSeed = baseDataSeedOf(dir, spec);
  o.log.info({ sweep: spec.id, jobs: spec.jobs.length, done: done.size, todo: todo.length, workers: o.workers }, `sweep ${spec.id}: ${todo.length} of ${spec.jobs.length} jobs to run`);
  let next = 0;
  let finished = 0;
  const slot = async (exec: Exec) => {
    while (next < todo.length) {
      const job = todo[next++];
      const row = await runJob(job, { dir, spec, baseDataSeed, backend: o.backend, known, exec });
      appendJsonl(resultsPath, row);
      finished++;
      const label = Object.entries(job.values).map(([k, v]) => `${k}=${v}`).join(' ');
      if (row.status === 'finished') o.log.info(`[${finished}/${todo.length}] ${job.id} ${label} seed ${job.seed}: test acc ${row.metrics.test_acc?.toFixed(3)}`);
      else o.log.warn(`[${finished}/${todo.length}] ${job.id} ${label} seed ${job.seed} failed: ${row.error}`);
    }
  };
  const workers = Array.from({ length: Math.max(1, o.workers) }, () => (o.processPerJob ? { exec: execProcess, close: () => {} } : jobWorker()));
  try {
    await Promise.all(workers.map((w) => slot(w.exec)));
  } finally {
    for (const w of workers) w.close();
  }
  return writeSweepTables(dir, spec);
}

/**
 * A Slurm sweep's results, merged from the run folders (never from Slurm's state): per job, the row
 * of its latest finished run, else the failure its task recorded (tasks/<job>.json); a job with
 * neither has no row. results.jsonl is rewritten whole by this one process (tasks never append to
 * it), then results.json and results.csv as for a local sweep.
 */
export function mergeFromRuns(dir: string, spec: SweepSpec): SweepRow[] {
  const byJob = jobRunFolders(dir, spec);
  const rows: SweepRow[] = [];
  for (const job of spec.jobs) {
    const runs = byJob.get(job.id) ?? [];
    let row: SweepRow | null = null;
    for (const run of [...runs].reverse()) if ((row = rowFromRun(spec, job, run))) break;
    if (!row) {
      const t = readTaskRecord(dir, job.id);
      if (t && t.status === 'failed') row = { job: job.id, status: 'failed', seed: job.seed, values: job.values, run: t.run, metrics: {}, error: t.error ?? 'failed' };
    }
    if (row) rows.push(row);
  }
  writeFileAtomic(join(dir, 'results.jsonl'), rows.map((r) => JSON.stringify(r) + '\n').join(''));
  return writeSweepTables(dir, spec);
}

/** A line torn by a kill mid-append would swallow the next appended line: drop it (and anything unreadable) first. */
function repairJsonl(path: string): void {
  if (!existsSync(path)) return;
  const text = readFileSync(path, 'utf8');
  if (text === '' || text.endsWith('\n')) return;
  const good = text.split('\n').filter((l) => {
    try {
      JSON.parse(l);
      return true;
    } catch {
      return false;
    }
  });
  writeFileAtomic(path, good.length ? good.join('\n') + '\n' : '');
}

/** results.json and results.csv from results.jsonl: the latest line per job, in job order. */
export function writeSweepTables(dir: string, spec: SweepSpec): SweepRow[] {
  const rows = latestRows(spec, readSweepRows(dir));
  writeJsonAtomic(join(dir, 'results.json'), rows);
  const keys = spec.grid.map((g) => g.key);
  const metricKeys = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))];
  const esc = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [['job', 'status', 'seed', ...keys, 'run', ...metricKeys, 'error'].map(esc).join(',')];
  for (const r of rows) lines.push([r.job, r.status, r.seed, ...keys.map((k) => r.values[k]), r.run, ...metricKeys.map((k) => r.metrics[k]), r.error ?? ''].map(esc).join(','));
  writeFileAtomic(join(dir, 'results.csv'), lines.join('\n') + '\n');
  return rows;
}

export interface PointStat {
  values: Record<string, string>;
  n: number;
  mean: number;
  std: number; // sample standard deviation (n − 1)
}

/**
 * Mean ± std of one metric over seeds, per grid point (stats' groupStats without the interval): the
 * finished runs with a finite value, points in order of their first such run; a point without one is left out.
 */
export function pointStats(rows: SweepRow[], metric: string): PointStat[] {
  const used = rows.filter((r) => r.status === 'finished' && Number.isFinite(r.metrics[metric]));
  const values = new Map(used.map((r) => [JSON.stringify(r.values), r.values] as const));
  const stats = groupStats(used.map((r) => ({ point: JSON.stringify(r.values), value: r.metrics[metric] })), ['point'], ['value'], { interval: false });
  return stats.map((g) => ({ values: values.get(g.group.point as string)!, n: g.n, mean: g.mean, std: g.std }));
}
