import { Command, Option } from 'commander';
import { parseGrid } from '../config/grid.js';
import { createSweep, openSweep, pointStats, runSweep } from '../commands/sweep.js';
import type { SweepRow } from '../run/records/index.js';
import { UsageError } from '../errors.js';
import { createLogger } from '../run/logger.js';
import { backendOption, collect, printJson, quietOption } from './common.js';

interface SweepOpts {
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
  json?: boolean;
  quiet?: boolean;
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

export function sweepCommand(): Command {
  return new Command('sweep')
    .description('run a grid of configs × seeds in worker processes, analyse each run, collect one row per run')
    .option('-c, --config <file>', 'base experiment YAML')
    .option('--grid <key=v1,v2>', 'a grid axis (repeatable); list values keep their brackets: modalities=[a,b],[a,b,c]', collect, [])
    .option('--set <key=value>', 'override for every job (repeatable)', collect, [])
    .option('--seeds <n>', 'seeds per grid point (0 … n−1)', '3')
    .option('--workers <w>', 'jobs at once (one process each)', '2')
    .addOption(new Option('--command <c>', 'what each job runs').choices(['train', 'distill', 'reallocate']).default('train'))
    .option('--name <name>', 'sweep name (default: the config\'s name)')
    .option('--runs-dir <dir>', 'where the sweep folder goes', 'runs')
    .option('--resume <sweep>', 'continue a sweep: rerun jobs without a finished result')
    .option('--teacher-config <file>', 'distill: the teacher\'s config, trained once per seed with the same seed and data seed')
    .option('--teacher-set <key=value>', 'distill: override for the teacher config (repeatable)', collect, [])
    .option('--no-analyze', 'skip mmc analyze after each run')
    .option('--no-vary-data', 'keep dataset.seed fixed (by default job seed s also sets dataset.seed to base + s)')
    .addOption(backendOption('tfjs backend for every job'))
    .option('--json', 'print the sweep folder and rows as JSON')
    .addOption(quietOption())
    .action(async (o: SweepOpts) => {
      const workers = int('--workers', o.workers, 1);
      const log = createLogger({ quiet: o.quiet });
      let sweep;
      if (o.resume) {
        if (o.config || o.grid.length || o.set.length) throw new UsageError('--resume takes the sweep as it was created; drop --config, --grid and --set');
        sweep = openSweep(o.resume, o.runsDir);
      } else {
        if (!o.config) throw new UsageError('sweep needs --config FILE (or --resume SWEEP)');
        sweep = createSweep({ configPath: o.config, sets: o.set, grid: o.grid.map(parseGrid), seeds: int('--seeds', o.seeds, 1), varyDataSeed: o.varyData, analyze: o.analyze, name: o.name, runsDir: o.runsDir, command: o.command as 'train' | 'distill' | 'reallocate', teacherConfig: o.teacherConfig, teacherSets: o.teacherSet, argv: process.argv.slice(2) });
      }
      const rows = await runSweep(sweep.dir, sweep.spec, { workers, backend: o.backend, log });
      if (o.json) printJson({ sweep: sweep.dir, rows });
      else process.stdout.write(`sweep ${sweep.dir}\n${summaryTable(rows, sweep.spec.grid.map((g) => g.key))}\n`);
      if (rows.some((r) => r.status === 'failed')) process.exitCode = 1;
    });
}
