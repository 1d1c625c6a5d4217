// Submitting a sweep's jobs as job arrays: one array per MaxArraySize jobs, each recorded in
// sweep.json before sbatch runs (a task that starts at once must find its job list) and given its
// array job id when sbatch answers.
import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeJsonAtomic } from '../run/atomic.js';
import type { SlurmSubmission, SweepSpec } from '../run/records/index.js';
import { maxArraySize, sbatch, slurmConfig } from './client.js';
import type { SlurmOptions } from './options.js';
import { batchScript } from './script.js';

const MMC_BIN = fileURLToPath(new URL('../../../bin/mmc', import.meta.url));

export interface SubmitInput {
  dir: string;
  spec: SweepSpec; // updated in place and rewritten to sweep.json
  jobs: string[]; // job ids to run
  options: SlurmOptions;
  backend?: string;
}

/** Submits `jobs`; returns the new submissions (array job ids filled in). */
export function submitJobs(i: SubmitInput): SlurmSubmission[] {
  const maxSize = maxArraySize(slurmConfig());
  const spec = i.spec;
  spec.executor = 'slurm';
  spec.slurm = { options: i.options, max_array_size: maxSize, submissions: spec.slurm?.submissions ?? [] };
  mkdirSync(join(i.dir, 'slurm', 'logs'), { recursive: true });
  mkdirSync(join(i.dir, 'tasks'), { recursive: true });
  const added: SlurmSubmission[] = [];
  for (let first = 0; first < i.jobs.length; first += maxSize) {
    const jobs = i.jobs.slice(first, first + maxSize);
    const n = spec.slurm.submissions.length;
    const script = join('slurm', `array-${n}.sh`);
    const text = batchScript({ sweepDir: i.dir, sweepId: spec.id, submission: n, tasks: jobs.length, options: i.options, node: process.execPath, mmcBin: MMC_BIN, backend: i.backend });
    writeFileSync(join(i.dir, script), text);
    chmodSync(join(i.dir, script), 0o755);
    const sub: SlurmSubmission = { array_job_id: null, jobs, script, submitted: new Date().toISOString() };
    spec.slurm.submissions.push(sub);
    writeJsonAtomic(join(i.dir, 'sweep.json'), spec);
    try {
      sub.array_job_id = sbatch(join(i.dir, script));
    } catch (e) {
      spec.slurm.submissions.pop(); // never queued: leave no plan that looks submitted
      writeJsonAtomic(join(i.dir, 'sweep.json'), spec);
      throw e;
    }
    writeJsonAtomic(join(i.dir, 'sweep.json'), spec);
    added.push(sub);
  }
  return added;
}

/** Each job's latest submission: the array job id and index its task has there. */
export function latestTasks(spec: SweepSpec): Map<string, { arrayJobId: string; index: number; submission: number }> {
  const m = new Map<string, { arrayJobId: string; index: number; submission: number }>();
  (spec.slurm?.submissions ?? []).forEach((s, n) => {
    if (s.array_job_id) s.jobs.forEach((job, index) => m.set(job, { arrayJobId: s.array_job_id!, index, submission: n }));
  });
  return m;
}
