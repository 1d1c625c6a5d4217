// The Slurm flags that `mmc sweep` and `mmc reproduce` share (one definition; keys in config/schema.ts).
import type { Command } from 'commander';
import { collect } from './common.js';
import type { SlurmFlags } from '../slurm/options.js';

export interface SlurmCliOpts {
  partition?: string;
  account?: string;
  time?: string;
  cpusPerTask?: string;
  mem?: string;
  arrayParallelism?: string;
  signalSeconds?: string;
  sbatch: string[];
  setup?: string;
}

export function addSlurmOptions(c: Command): Command {
  return c
    .option('--partition <p>', 'Slurm: partition (slurm.partition)')
    .option('--account <a>', 'Slurm: account (slurm.account)')
    .option('--time <t>', 'Slurm: time limit per task, e.g. 02:00:00 (slurm.time)')
    .option('--cpus-per-task <n>', 'Slurm: CPUs per task, also its BLAS threads (slurm.cpus_per_task, default 1)')
    .option('--mem <m>', 'Slurm: memory per task, e.g. 4G (slurm.mem)')
    .option('--array-parallelism <n>', 'Slurm: tasks of one array at once (slurm.parallelism)')
    .option('--signal-seconds <s>', 'Slurm: seconds before the time limit at which a task saves and requeues (slurm.signal_seconds, default 90)')
    .option('--sbatch <option>', 'Slurm: another #SBATCH line, e.g. --sbatch=--qos=high (repeatable; slurm.sbatch)', collect, [])
    .option('--setup <line>', 'Slurm: a shell line each task runs first, e.g. "module load nodejs" (slurm.setup)');
}

export const slurmFlags = (o: SlurmCliOpts): SlurmFlags => ({ partition: o.partition, account: o.account, time: o.time, cpus_per_task: o.cpusPerTask, mem: o.mem, parallelism: o.arrayParallelism, signal_seconds: o.signalSeconds, sbatch: o.sbatch, setup: o.setup });
