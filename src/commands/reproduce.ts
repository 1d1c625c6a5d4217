// `mmc reproduce [--quick|--full]`: every experiment of src/reproduce/experiments.ts as a sweep
// into OUT/, then the headline tables (methods over paired seeds, with bootstrap CIs and Wilcoxon
// tests against vanilla) and `mmc report` over all sweeps. Rerunning with the same OUT resumes:
// finished sweeps are kept, unfinished ones continue with their missing jobs.
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseGrid, type GridAxis } from '../config/grid.js';
import { experimentsFor, HEADLINES, type Experiment, type Mode, type Tune } from '../reproduce/experiments.js';
import { chooseConfiguration, chosenSets, tuneArgs, tuningMarkdown, tuningSweepId } from '../reproduce/tuning.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../run/logger.js';
import { writeFileAtomic, writeJsonAtomic } from '../run/atomic.js';
import { readReproduceProgress, readSweepRows, type ReproduceProgress, type ReproduceSummary, type SweepSpec, type TuningChoice } from '../run/records/index.js';
import { holm, pairedTests } from '../stats/index.js';
import { pct, statCell } from '../reproduce/cells.js';
import { missingnessMarkdown } from '../reproduce/missingness.js';
import { finishedRows } from '../reproduce/finished-rows.js';
import { planMarkdown, planRows, type PlanRow } from '../reproduce/plan.js';
import { writeReport } from './report.js';
import { createSweep, mergeFromRuns, openSweep, runSweep } from './sweep.js';
import type { SlurmFlags } from '../slurm/options.js';
import { countsLine, ENDED, sweepStatus } from '../slurm/status.js';
import { submitUnfinished } from '../slurm/submit.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface ReproduceOptions {
  mode: Mode;
  out: string;
  workers: number;
  processPerJob?: boolean; // local sweeps: a new process per job instead of job workers
  backend?: string;
  only?: string[]; // experiment ids
  seeds?: number; // seeds per grid point for every experiment, instead of the registry's
  log: Logger;
  /** Submit every experiment's sweep to Slurm (all at once), wait, then merge; absent: local workers. */
  slurm?: { flags: SlurmFlags };
}

export interface ReproduceResult {
  out: string;
  mode: Mode;
  seconds: number; // this invocation
  sweep_seconds: number; // all sweeps, across resumed invocations
  sweeps: Record<string, string>;
  failed_jobs: number;
  headline: string; // Markdown
  report: { html: string; markdown: string };
}

/** An experiment's sweep: its sets (then the configuration its tuning chose, if tuned), grid and teacher sets. */
export function sweepArgs(e: Experiment, mode: Mode, tuned?: TuningChoice) {
  const base = [...(e.sets?.both ?? []), ...(e.sets?.[mode] ?? [])];
  const sets = [...base, ...(tuned ? chosenSets(tuned) : [])];
  const grid = Object.entries(e.grid).map(([k, v]) => parseGrid(`${k}=${v[mode]}`));
  // The teacher must see the same data as the student: the experiment's sets apply to it too (not
  // the student's tuned settings: the teacher is the same one its tuning sweep used); with
  // teacher.grid, also the job's values of those keys (e.g. its training missing rate).
  const teacherSets = e.teacher ? [...base, ...e.teacher.sets] : [];
  return { sets, grid, teacherSets, teacherGrid: e.teacher?.grid ?? [] };
}

/**
 * What `reproduce` would run (nothing is created): runs per experiment and, when OUT was already
 * run, the seconds its sweeps took. A folder of the other mode is refused as `reproduce` refuses it.
 */
export function reproducePlan(o: { mode: Mode; out: string; only?: string[]; seeds?: number }): { rows: PlanRow[]; markdown: string } {
  const progressFile = join(resolve(o.out), 'reproduce.json');
  const progress = readReproduceProgress(progressFile);
  if (progress && progress.mode !== o.mode) throw new UsageError(`${resolve(o.out)} holds a --${progress.mode} reproduction; use another --out for --${o.mode}`);
  const list = experimentsFor(o.mode).filter((e) => !o.only || o.only.includes(e.id));
  const rows = planRows(list, { mode: o.mode, seeds: o.seeds ?? progress?.seeds, progress });
  return { rows, markdown: planMarkdown(rows, { mode: o.mode, ...(progress ? { folder: o.out } : {}) }) };
}

export async function reproduce(o: ReproduceOptions): Promise<ReproduceResult> {
  const t0 = performance.now();
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  const progressFile = join(out, 'reproduce.json');
  const progress: ReproduceProgress = readReproduceProgress(progressFile) ?? { mode: o.mode, sweeps: {}, seconds: {} };
  if (progress.mode !== o.mode) throw new UsageError(`${out} holds a --${progress.mode} reproduction; use another --out for --${o.mode}`);
  // A resumed folder keeps its seed count: mixing counts would pair seeds that other sweeps lack.
  if (o.seeds !== undefined && o.seeds !== progress.seeds && Object.keys(progress.sweeps).length) {
    throw new UsageError(`${out} was started with ${progress.seeds ? `--seeds ${progress.seeds}` : "the registry's seed counts"}; rerun with ${progress.seeds ? `--seeds ${progress.seeds}` : 'no --seeds'} to resume it, or use another --out`);
  }
  if (o.seeds !== undefined) progress.seeds = o.seeds;
  const list = experimentsFor(o.mode).filter((e) => !o.only || o.only.includes(e.id));
  let failed = 0;
  const save = () => writeJsonAtomic(progressFile, progress);
  // A sweep by id: reopened when it exists (a resume), else created from `args` and recorded.
  const sweepNamed = (id: string, e: Experiment, args: () => { sets: string[]; grid: GridAxis[]; seeds: number; teacherSets?: string[]; teacherGrid?: string[] }) => {
    let dir = progress.sweeps[id];
    let spec;
    if (dir && existsSync(join(dir, 'sweep.json'))) ({ dir, spec } = openSweep(dir, out));
    else {
      const { sets, grid, seeds, teacherSets, teacherGrid } = args();
      ({ dir, spec } = createSweep({
        configPath: join(REPO, e.config),
        sets,
        grid,
        seeds,
        varyDataSeed: true,
        analyze: e.analyze || !!e.tune,
        name: id,
        runsDir: out,
        command: e.command,
        ...(e.teacher ? { teacherConfig: join(REPO, e.teacher.config), teacherSets, teacherGrid } : {}),
        argv: ['reproduce', `--${o.mode}`, '--only', e.id],
      }));
      progress.sweeps[id] = dir;
      save();
    }
    return { id, dir, spec, claim: e.claim };
  };
  const seedsOf = (e: Experiment) => progress.seeds ?? e.seeds[o.mode];
  const tuningOf = (e: Experiment) => sweepNamed(tuningSweepId(e), e, () => tuneArgs(e as Experiment & { tune: Tune }, o.mode));
  const sweepOf = (e: Experiment) => {
    if (e.tune && !progress.tuned?.[e.id]) throw new Error(`${e.id}: its tuning sweep has not chosen a configuration`);
    return sweepNamed(e.id, e, () => ({ ...sweepArgs(e, o.mode, progress.tuned?.[e.id]), seeds: seedsOf(e) }));
  };
  // The configuration a finished tuning sweep chose, recorded once (a resume keeps it).
  const choose = (e: Experiment, t: { dir: string; spec: SweepSpec }) => {
    if (progress.tuned?.[e.id]) return;
    const choice = chooseConfiguration(readSweepRows(t.dir), { grid: t.spec.grid, metric: e.tune!.metric[o.mode], sweep: t.dir, seeds: t.spec.seeds });
    progress.tuned = { ...progress.tuned, [e.id]: choice };
    save();
    o.log.info(`reproduce: ${e.id} tuned on validation: ${chosenSets(choice).join(' ')} (${e.tune!.metric[o.mode]} ${choice.score.toFixed(4)})`);
  };
  const tuned = list.filter((e) => e.tune);
  if (o.slurm) {
    // Two rounds: every tuning sweep, then every experiment's sweep with its choice.
    const tunings = tuned.filter((e) => !progress.tuned?.[e.id]).map((e) => ({ e, t: tuningOf(e) }));
    if (tunings.length) {
      failed += await onSlurm(tunings.map((x) => x.t), o, save, progress);
      for (const { e, t } of tunings) choose(e, t);
    }
    failed += await onSlurm(list.map(sweepOf), o, save, progress);
  } else {
    const runOne = async (s: { id: string; dir: string; spec: SweepSpec; claim: string }, label: string) => {
      const t = performance.now();
      o.log.info(`reproduce ${label} ${s.id}: ${s.spec.jobs.length} jobs — ${s.claim}`);
      const rows = await runSweep(s.dir, s.spec, { workers: o.workers, backend: o.backend, log: o.log, processPerJob: o.processPerJob });
      failed += rows.filter((r) => r.status === 'failed').length;
      progress.seconds[s.id] = (progress.seconds[s.id] ?? 0) + (performance.now() - t) / 1000;
      save();
    };
    for (const [i, e] of list.entries()) {
      if (e.tune && !progress.tuned?.[e.id]) {
        const t = tuningOf(e);
        await runOne(t, `[${i + 1}/${list.length}] tuning`);
        choose(e, t);
      }
      await runOne(sweepOf(e), `[${i + 1}/${list.length}]`);
    }
  }
  const missing = missingnessMarkdown(progress, o.mode);
  const tuning = tuningMarkdown(progress);
  const headline = headlineMarkdown(progress, o.mode) + (missing ? `\n${missing}` : '') + (tuning ? `\n${tuning}` : '');
  writeFileAtomic(join(out, 'headline.md'), headline);
  const sweeps = list.flatMap((e) => [progress.sweeps[e.id], e.tune ? progress.sweeps[tuningSweepId(e)] : undefined]).filter((d): d is string => !!d);
  const report = await writeReport({ refs: sweeps, out: join(out, 'report'), title: `mmc reproduce --${o.mode}`, runsDir: out });
  const seconds = (performance.now() - t0) / 1000;
  const summary: ReproduceSummary = { mode: o.mode, seconds, machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version }, sweeps: progress.sweeps, sweep_seconds: progress.seconds, failed_jobs: failed };
  writeJsonAtomic(join(out, 'summary.json'), summary);
  return { out, mode: o.mode, seconds, sweep_seconds: Object.values(progress.seconds).reduce((a, b) => a + b, 0), sweeps: progress.sweeps, failed_jobs: failed, headline, report: { html: report.html, markdown: report.markdown } };
}

/**
 * Every experiment's sweep submitted to Slurm at once (unfinished jobs only, so a rerun resumes),
 * then one wait over all of them; each sweep's results merged from its run folders. An experiment's
 * seconds are the wall time until its last task ended. Returns the jobs not finished.
 */
async function onSlurm(sweeps: { id: string; dir: string; spec: SweepSpec; claim: string }[], o: ReproduceOptions, save: () => void, progress: ReproduceProgress): Promise<number> {
  const t = performance.now();
  for (const [i, s] of sweeps.entries()) {
    o.log.info(`reproduce [${i + 1}/${sweeps.length}] ${s.id}: ${s.spec.jobs.length} jobs — ${s.claim}`);
    submitUnfinished({ dir: s.dir, spec: s.spec, flags: o.slurm!.flags, backend: o.backend, log: o.log });
  }
  let notFinished = 0;
  const pending = new Set(sweeps);
  let delay = 1000;
  let last = '';
  while (pending.size) {
    for (const s of [...pending]) {
      const st = sweepStatus(s.dir, s.spec);
      if (!st.tasks.every((x) => ENDED.has(x.state))) continue;
      pending.delete(s);
      const rows = mergeFromRuns(s.dir, s.spec);
      notFinished += s.spec.jobs.length - rows.filter((r) => r.status === 'finished').length;
      progress.seconds[s.id] = (progress.seconds[s.id] ?? 0) + (performance.now() - t) / 1000;
      save();
      o.log.info(`reproduce: ${s.id} ended (${countsLine(st)})`);
    }
    const line = `${sweeps.length - pending.size} of ${sweeps.length} experiments ended`;
    if (line !== last && pending.size) o.log.info(`reproduce: ${line}`);
    last = line;
    if (pending.size) await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 1.5, 30_000);
  }
  return notFinished;
}


/** Methods × metrics over paired seeds: mean ± std [95% CI], and the Wilcoxon p against vanilla. */
export function headlineMarkdown(progress: ReproduceProgress, mode: Mode): string {
  const lines = [
    `# mmc reproduce --${mode}: headline comparisons`,
    '',
    'Test accuracy (%), mean ± sample std over seeds, [95% percentile-bootstrap CI of the mean]. Against vanilla, over the seeds both have (paired): Δ, the mean paired difference with its 95% bootstrap CI; p, the exact two-sided Wilcoxon signed-rank test; Holm, p adjusted by Holm\'s method over all comparisons of that table (m is stated under it). With n seeds the smallest possible p is 2/2ⁿ (0.031 for 6, 0.002 for 10).',
    '',
  ];
  for (const h of HEADLINES) {
    // A weak-only model's accuracy is what fusion could reach with the strong modality missing.
    const rows: Record<string, unknown>[] = finishedRows(progress, mode, h.experiments).map(({ e, r }) =>
      e.unimodal ? { method: e.method(r.values), seed: r.seed, [`alone_acc.${h.weak}`]: r.metrics.test_acc } : { method: e.method(r.values), seed: r.seed, ...r.metrics },
    );
    if (!rows.length) continue;
    const metrics: [string, string][] = [
      ['test_acc', 'all present'],
      [`alone_acc.${h.weak}`, `${h.strong} missing`],
      [`alone_acc.${h.strong}`, `${h.weak} missing`],
      [`auc_missing.${h.strong}`, `AUC, ${h.strong} missing rate 0→1`],
      ['poly_fraction', 'polysemantic fraction'],
      // The paper's Table 9 measures for every method: fused rank and noise–predictive collisions.
      ['fused_effective_rank', 'fused effective rank'],
      ['collision_fraction', 'collision fraction'],
    ];
    lines.push(`## ${h.title}`, '', `| method | ${metrics.map(([, l]) => l).join(' | ')} |`, `|---|${metrics.map(() => '---').join('|')}|`);
    const methods = [...new Set(rows.map((r) => r.method as string))];
    const hasBaseline = (m: string) => rows.some((r) => r.method === 'vanilla' && typeof r[m] === 'number');
    const tests = Object.fromEntries(metrics.map(([m]) => [m, hasBaseline(m) ? pairedTests(rows.filter((r) => typeof r[m] === 'number'), { pairBy: 'seed', compare: 'method', metric: m, baseline: 'vanilla' }) : []]));
    // One family per table: every method × metric comparison with vanilla that has pairs.
    const family = Object.values(tests).flat().filter((t) => t.pairs > 0);
    const adjusted = new Map(family.map((t, i) => [t, holm(family.map((f) => f.p))[i]]));
    for (const method of methods) {
      const cells = metrics.map(([m]) => {
        const xs = rows.filter((r) => r.method === method && typeof r[m] === 'number' && Number.isFinite(r[m])).map((r) => r[m] as number);
        const scale = m.startsWith('poly') || m.startsWith('auc') || m.startsWith('collision') ? (v: number) => v.toFixed(3) : m.endsWith('rank') ? (v: number) => v.toFixed(2) : pct;
        const t = tests[m].find((x) => x.a === method && x.b === 'vanilla' && x.pairs > 0);
        return statCell(xs, { scale, test: t, holmP: t ? adjusted.get(t) : undefined });
      });
      const n = rows.filter((r) => r.method === method).length;
      lines.push(`| ${method} (n=${n}) | ${cells.join(' | ')} |`);
    }
    lines.push('', `Holm: m = ${family.length} comparisons with vanilla in this table.`, '');
  }
  return lines.join('\n');
}
