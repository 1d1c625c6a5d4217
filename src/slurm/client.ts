// Slurm's client commands, each with a timeout: while a daemon is down a call can hang (~9 s each
// on Slurm 22.05), and a sweep's status must not hang with it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { parseConfig, parseJobcomp, parseSacct, parseSbatch, parseSqueue, type TaskReport } from './parse.js';

const TIMEOUT_MS = 30_000;

export interface CallResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  missing?: boolean; // the command is not installed
}

export function slurmCall(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): CallResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: TIMEOUT_MS, env });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    return { ok: false, stdout: '', stderr: code === 'ETIMEDOUT' ? `${cmd} timed out after ${TIMEOUT_MS / 1000} s` : r.error.message, missing: code === 'ENOENT' };
  }
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr.trim() };
}

const firstLine = (s: string) => s.split('\n').find((l) => l.trim()) ?? '';

/** Submits a batch script; returns the array's job id. */
export function sbatch(script: string): string {
  const r = slurmCall('sbatch', ['--parsable', script]);
  if (r.missing) throw new UsageError('--executor slurm: sbatch not found; run mmc on a machine with Slurm\'s client commands (a login node), see docs/slurm.md');
  const id = r.ok ? parseSbatch(r.stdout) : null;
  if (!id) throw new UsageError(`sbatch ${script} failed: ${firstLine(r.stderr) || firstLine(r.stdout) || 'no job id printed'}`);
  return id;
}

/** `scontrol show config`, or null where it cannot be read. */
export function slurmConfig(): Map<string, string> | null {
  const r = slurmCall('scontrol', ['show', 'config']);
  return r.ok ? parseConfig(r.stdout) : null;
}

/** Tasks an array may hold: MaxArraySize (indices 0 … MaxArraySize − 1); Slurm's default 1001. */
export function maxArraySize(config: Map<string, string> | null): number {
  const v = Number(config?.get('MaxArraySize'));
  return Number.isInteger(v) && v > 0 ? v : 1001;
}

/** Live tasks of these arrays (pending ones expanded), or null when squeue cannot answer. */
export function squeueTasks(arrayJobIds: string[]): TaskReport[] | null {
  if (arrayJobIds.length === 0) return [];
  const r = slurmCall('squeue', ['-h', '-r', '-j', arrayJobIds.join(','), '-o', '%i|%T|%r']);
  // A job id the controller has forgotten makes squeue fail with "Invalid job id": nothing live.
  if (!r.ok) return /Invalid job id/i.test(r.stderr) ? [] : null;
  return parseSqueue(r.stdout);
}

/** Ended tasks from accounting (sacct; needs slurmdbd), or null where accounting is off. */
export function sacctTasks(arrayJobIds: string[]): TaskReport[] | null {
  if (arrayJobIds.length === 0) return [];
  const r = slurmCall('sacct', ['-n', '-P', '-X', '-j', arrayJobIds.join(','), '--format=JobID,State,ExitCode']);
  return r.ok ? parseSacct(r.stdout) : null;
}

/** Ended tasks from jobcomp/filetxt where its file is readable here (a one-node cluster), else null. */
export function jobcompTasks(config: Map<string, string> | null): TaskReport[] | null {
  const file = config?.get('JobCompLoc');
  if (config?.get('JobCompType') !== 'jobcomp/filetxt' || !file || !existsSync(file)) return null;
  try {
    return parseJobcomp(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Puts a running array task back in the queue (it starts again from the top of its script). */
export function requeue(arrayJobId: string, index: number): CallResult {
  return slurmCall('scontrol', ['requeue', `${arrayJobId}_${index}`]);
}
