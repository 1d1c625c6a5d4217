import { Command, Option } from 'commander';
import { reproduce, reproducePlan } from '../commands/reproduce.js';
import { EXPERIMENTS } from '../reproduce/experiments.js';
import { UsageError } from '../errors.js';
import { createLogger } from '../run/logger.js';
import { backendOption, printJson, quietOption } from './common.js';
import { addSlurmOptions, slurmFlags, type SlurmCliOpts } from './slurm-options.js';
import { slurmOptions } from '../slurm/options.js';

interface ReproduceOpts extends SlurmCliOpts {
  executor?: 'local' | 'slurm';
  quick?: boolean;
  full?: boolean;
  out?: string;
  workers: string;
  processPerJob?: boolean;
  only?: string;
  seeds?: string;
  backend?: string;
  json?: boolean;
  plan?: boolean;
  quiet?: boolean;
}

export function reproduceCommand(): Command {
  return addSlurmOptions(new Command('reproduce'))
    .description("run the paper's experiments that mmc covers (theory, KD, EBR, missing rates, substitution, polysemanticity, fusion operators) on synthetic data and avmnist-mini, then write the report")
    .option('--quick', 'smaller data, epochs and grids, 3 seeds: 8-30 minutes on 2 cores depending on the machine (the default; docs/reproduce.md)')
    .option('--full', "docs/results.md's grids and data: 10 seeds per method comparison (5 for theory), each protocol method tuned on validation first, Tables 5-6, weak-only models: 1,790 runs (--plan lists them), about 3 hours on 2 cores with --workers 2 on the native backend (projected from timed parts, docs/reproduce.md); use --only or --executor slurm to split it")
    .option('--out <dir>', 'output folder (default runs/reproduce-quick or runs/reproduce-full); rerunning resumes it')
    .option('--workers <n>', 'jobs run at once (local executor): each worker a process that runs job after job', '2')
    .option('--process-per-job', 'local executor: a new process for every job instead of warm job workers (slower; docs/cli.md)')
    .addOption(new Option('--executor <e>', 'local worker processes, or every sweep as Slurm job arrays at once (docs/slurm.md)').choices(['local', 'slurm']).default('local'))
    .option('--only <ids>', `comma-separated experiment ids (${EXPERIMENTS.map((e) => e.id).join(', ')})`)
    .option('--seeds <n>', "seeds per grid point for every experiment instead of the registry's (quick 2-3; full 10 per method comparison, 5 for theory; tuning keeps its own); with n seeds the smallest two-sided Wilcoxon p is 2/2^n, so p < 0.05 needs 6")
    .addOption(backendOption('tfjs backend for every job'))
    .option('--plan', 'run nothing: print how many runs each experiment makes (tuning, teachers, runs) and, for an --out already run, the seconds its sweeps took')
    .option('--json', 'print the result as JSON')
    .addOption(quietOption())
    .action(async (o: ReproduceOpts) => {
      if (o.quick && o.full) throw new UsageError('--quick and --full exclude each other');
      const mode = o.full ? 'full' : 'quick';
      const workers = Number(o.workers);
      if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers ${o.workers}: expected an integer ≥ 1`);
      const seeds = o.seeds === undefined ? undefined : Number(o.seeds);
      if (seeds !== undefined && (!Number.isInteger(seeds) || seeds < 1 || seeds > 100)) throw new UsageError(`--seeds ${o.seeds}: expected an integer from 1 to 100`);
      const only = o.only?.split(',').map((s) => s.trim()).filter(Boolean);
      for (const id of only ?? []) if (!EXPERIMENTS.some((e) => e.id === id)) throw new UsageError(`--only ${id}: no such experiment (${EXPERIMENTS.map((e) => e.id).join(', ')})`);
      if (o.executor === 'slurm') slurmOptions(undefined, slurmFlags(o)); // bad flags fail before any sweep folder exists
      if (o.plan) {
        const p = reproducePlan({ mode, out: o.out ?? `runs/reproduce-${mode}`, only, seeds });
        if (o.json) printJson(p.rows);
        else process.stdout.write(p.markdown);
        return;
      }
      const log = createLogger({ level: o.quiet ? 'warn' : 'info' });
      const r = await reproduce({ mode, out: o.out ?? `runs/reproduce-${mode}`, workers, processPerJob: o.processPerJob, backend: o.backend, only, seeds, log, ...(o.executor === 'slurm' ? { slurm: { flags: slurmFlags(o) } } : {}) });
      if (o.json) printJson(r);
      else {
        process.stdout.write(r.headline + '\n');
        process.stdout.write(`\nreport: ${r.report.html}\n        ${r.report.markdown}\n${r.failed_jobs} failed jobs; ${Math.round(r.seconds)} s now, ${Math.round(r.sweep_seconds)} s in all sweeps\n`);
      }
      if (r.failed_jobs > 0) process.exitCode = 1;
    });
}
