// The batch script of one job array. Each task runs exactly what a local sweep worker runs (the
// job's mmc train|distill|reallocate --analyze) through `mmc sweep --task`, which `exec`
// makes the batch shell itself, so the USR2 that --signal=B:… sends before the time limit reaches
// mmc: it saves, requeues the task, and the requeued task resumes the run.
import type { SlurmOptions } from './options.js';

export interface ScriptInput {
  sweepDir: string; // absolute; on the shared file system
  sweepId: string;
  submission: number; // index into sweep.json's slurm.submissions
  tasks: number; // array indices 0 … tasks−1
  options: SlurmOptions;
  node: string; // the node executable (process.execPath on the submitting machine)
  mmcBin: string; // absolute path of bin/mmc
  backend?: string;
  after?: string[]; // array job ids that must all succeed first (a distill sweep's teachers)
}

/** Single-quoted for bash: any byte string is safe inside. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export function batchScript(i: ScriptInput): string {
  const o = i.options;
  const logs = `${i.sweepDir}/slurm/logs`;
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=mmc-${i.sweepId.slice(0, 100)}`,
    `#SBATCH --array=0-${i.tasks - 1}${o.parallelism ? `%${o.parallelism}` : ''}`,
    // %A_%a: one log per task, kept across requeues (append), so a requeued task keeps its first attempt's log.
    `#SBATCH --output=${logs}/%A_%a.out`,
    `#SBATCH --error=${logs}/%A_%a.err`,
    '#SBATCH --open-mode=append',
    `#SBATCH --signal=B:USR2@${o.signal_seconds}`,
    '#SBATCH --requeue',
    '#SBATCH --nodes=1',
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${o.cpus_per_task}`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.account ? [`#SBATCH --account=${o.account}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
    ...(o.mem ? [`#SBATCH --mem=${o.mem}`] : []),
    // A failed teacher makes the dependency unsatisfiable: cancel the waiting tasks rather than leave them pending forever.
    ...(i.after?.length ? [`#SBATCH --dependency=afterok:${i.after.join(':')}`, '#SBATCH --kill-on-invalid-dep=yes'] : []),
    ...o.sbatch.map((l) => `#SBATCH ${l}`),
    '',
    'set -e',
    // Ignored (not caught) signals stay ignored across exec: a USR2 that comes while node is still
    // starting, before mmc handles it, is then lost instead of killing the task (its run resumes later).
    "trap '' USR2",
    ...(o.setup ? [o.setup] : []),
    // One BLAS thread per CPU the task was given (the native backend's --threads).
    `exec ${shellQuote(i.node)} ${shellQuote(i.mmcBin)} sweep --task ${shellQuote(i.sweepDir)} --submission ${i.submission} --threads ${o.cpus_per_task}${i.backend ? ` --backend ${i.backend}` : ''}`,
    '',
  ];
  return lines.join('\n');
}
