import { Command, Option } from 'commander';
import { parseGrid } from '../config/grid.js';
import { loadConfigFile } from '../config/load.js';
import { slurmOptions } from '../slurm/options.js';
import { createSweep, mergeFromRuns, openSweep, pointStats, runSweep } from '../commands/sweep.js';
import type { SweepRow, SweepSpec } from '../run/records/index.js';
import { UsageError } from '../errors.js';
import { createLogger, type Logger } from '../run/logger.js';
import { countsLine, ENDED, sweepStatus, waitForSweep, type SweepStatus } from '../slurm/status.js';
import { submitUnfinished } from '../slurm/submit.js';
import { runTask } from '../slurm/task.js';
import { backendOption, collect, parseThreads, printJson, quietOption } from './common.js';
import { addSlurmOptions, slurmFlags, type SlurmCliOpts } from './slurm-options.js';

interface SweepOpts extends SlurmCliOpts {
  config?: string;
  grid: string[];
  set: string[];
  seeds: string;
  workers: string;
  command: string;
  name?: string;
  runsDir: string;
  resume?: string;
  analyze: boolean;
  varyData: boolean;
  backend?: string;
  teacherConfig?: string;
  teacherSet: string[];
  teacherGrid: string[];
  json?: boolean;
  quiet?: boolean;
  executor?: 'local' | 'slurm';
  status?: string;
  wait?: boolean;
  task?: string;
  submission?: string;
  threads?: string;
  processPerJob?: boolean;
}

const int = (flag: string, v: string, min: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} ${v}: expected an integer ≥ ${min}`);
  return n;
};

function summaryTable(rows: SweepRow[], keys: string[]): string {
  const acc = pointStats(rows, 'test_acc');
  const lines = [`${keys.join('  ') || '(one point)'}  n  test acc (mean ± std)`];
  for (const g of acc) lines.push(`${keys.map((k) => g.values[k]).join('  ')}  ${g.n}  ${g.mean.toFixed(4)} ± ${g.std.toFixed(4)}`);
  const failed = rows.filter((r) => r.status === 'failed');
  if (failed.length) lines.push(`${failed.length} failed: ${failed.map((f) => `${f.job} (${f.error})`).join('; ')}`);
  return lines.join('\n');
}

function statusTable(s: SweepStatus): string {
  const lines = ['job   state      task          detail'];
  for (const t of s.tasks) lines.push(`${t.job.padEnd(5)} ${t.state.padEnd(10)} ${(t.task ?? '-').padEnd(13)} ${t.detail ?? ''}`.trimEnd());
  const sources = `squeue ${s.sources.squeue ? 'answered' : 'did not answer'}; accounting: ${s.sources.accounting ?? 'none (run folders and task records only)'}`;
  lines.push(`${countsLine(s)} (${sources})`);
  return lines.join('\n');
}

/** A Slurm sweep's end: wait if asked, then merge the run folders into the result tables. */
async function finishSlurm(dir: string, spec: SweepSpec, o: SweepOpts, log: Logger): Promise<void> {
  let s = sweepStatus(dir, spec);
  if (o.wait) s = await waitForSweep(dir, spec, (now) => log.info(`sweep ${spec.id}: ${countsLine(now)}`));
  const ended = s.tasks.every((t) => ENDED.has(t.state));
  const rows = ended ? mergeFromRuns(dir, spec) : null;
  if (ended && s.tasks.some((t) => t.state !== 'finished')) process.exitCode = 1;
  if (o.json) return printJson({ sweep: dir, status: s, ...(rows ? { rows } : {}) });
  process.stdout.write(`sweep ${dir}\n${statusTable(s)}\n`);
  if (rows) process.stdout.write(`${summaryTable(rows, spec.grid.map((g) => g.key))}\n`);
  else process.stdout.write(`watch: mmc sweep --status ${dir} [--wait]\n`);
}

export function sweepCommand(): Command {
  return addSlurmOptions(new Command('sweep'))
    .description('run a grid of configs × seeds in worker processes or as Slurm job arrays, analyse each run, collect one row per run')
    .option('-c, --config <file>', 'base experiment YAML')
    .option('--grid <key=v1,v2>', 'a grid axis (repeatable); list values keep their brackets: modalities=[a,b],[a,b,c]', collect, [])
    .option('--set <key=value>', 'override for every job (repeatable)', collect, [])
    .option('--seeds <n>', 'seeds per grid point (0 … n−1)', '3')
    .option('--workers <w>', 'jobs at once (local executor): each worker a process that runs job after job', '2')
    .option('--process-per-job', 'local executor: a new process for every job instead of warm job workers (slower; docs/cli.md)')
    .addOption(new Option('--command <c>', 'what each job runs').choices(['train', 'distill', 'reallocate']).default('train'))
    .option('--name <name>', 'sweep name (default: the config\'s name)')
    .option('--runs-dir <dir>', 'where the sweep folder goes', 'runs')
    .option('--resume <sweep>', 'continue a sweep: rerun (or, with --executor slurm, resubmit) jobs without a finished result')
    .option('--teacher-config <file>', 'distill: the teacher\'s config, trained once per seed with the same seed and data seed')
    .option('--teacher-set <key=value>', 'distill: override for the teacher config (repeatable)', collect, [])
    .option('--teacher-grid <key>', 'distill: a --grid key the teacher is trained with too, one teacher per seed and value (repeatable; e.g. train.missing_rate.audio)', collect, [])
    .option('--no-analyze', 'skip mmc analyze after each run')
    .option('--no-vary-data', 'keep dataset.seed fixed (by default job seed s also sets dataset.seed to base + s)')
    .addOption(backendOption('tfjs backend for every job'))
    .addOption(new Option('--executor <e>', 'where jobs run: local worker processes (default), or Slurm job arrays (docs/slurm.md); --resume keeps the sweep\'s').choices(['local', 'slurm']))
    .option('--status <sweep>', 'Slurm sweeps: each task\'s state (squeue, accounting, run folders); the result tables once all have ended')
    .option('--wait', 'Slurm sweeps: poll until every task has ended, then merge the results')
    .addOption(new Option('--task <sweep>').hideHelp())
    .addOption(new Option('--submission <n>').hideHelp())
    .addOption(new Option('--threads <n>').hideHelp())
    .option('--json', 'print the sweep folder and rows as JSON')
    .addOption(quietOption())
    .action(async (o: SweepOpts) => {
      const log = createLogger({ quiet: o.quiet });
      if (o.task) {
        // One array task (the batch script's exec): SLURM_ARRAY_TASK_ID picks the job.
        const index = int('SLURM_ARRAY_TASK_ID', process.env.SLURM_ARRAY_TASK_ID ?? '', 0);
        process.exitCode = await runTask({ dir: o.task, submission: int('--submission', o.submission ?? '', 0), index, threads: o.threads ? parseThreads(o.threads) : undefined, backend: o.backend, log });
        return;
      }
      if (o.status) {
        const { dir, spec } = openSweep(o.status, o.runsDir);
        if (spec.executor !== 'slurm') throw new UsageError(`--status: ${dir} is a local sweep; its results are in results.csv`);
        return finishSlurm(dir, spec, o, log);
      }
      const workers = int('--workers', o.workers, 1);
      let sweep;
      if (o.resume) {
        if (o.config || o.grid.length || o.set.length) throw new UsageError('--resume takes the sweep as it was created; drop --config, --grid and --set');
        sweep = openSweep(o.resume, o.runsDir);
      } else {
        if (!o.config) throw new UsageError('sweep needs --config FILE (or --resume SWEEP)');
        // Bad Slurm options fail before the sweep folder exists.
        if (o.executor === 'slurm') slurmOptions(loadConfigFile(o.config, { overrides: o.set }).slurm, slurmFlags(o));
        sweep = createSweep({ configPath: o.config, sets: o.set, grid: o.grid.map(parseGrid), seeds: int('--seeds', o.seeds, 1), varyDataSeed: o.varyData, analyze: o.analyze, name: o.name, runsDir: o.runsDir, command: o.command as 'train' | 'distill' | 'reallocate', teacherConfig: o.teacherConfig, teacherSets: o.teacherSet, teacherGrid: o.teacherGrid, argv: process.argv.slice(2) });
      }
      const executor = o.executor ?? (o.resume ? sweep.spec.executor : undefined) ?? 'local';
      if (executor === 'slurm') {
        const { dir, spec } = sweep;
        submitUnfinished({ dir, spec, flags: slurmFlags(o), backend: o.backend, log });
        return finishSlurm(dir, spec, o, log);
      }
      const rows = await runSweep(sweep.dir, sweep.spec, { workers, backend: o.backend, log, processPerJob: o.processPerJob });
      if (o.json) printJson({ sweep: sweep.dir, rows });
      else process.stdout.write(`sweep ${sweep.dir}\n${summaryTable(rows, sweep.spec.grid.map((g) => g.key))}\n`);
      if (rows.some((r) => r.status === 'failed')) process.exitCode = 1;
    });
}
