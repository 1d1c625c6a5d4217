// Submitting a sweep's jobs as job arrays: one array per MaxArraySize jobs, each recorded in
// sweep.json before sbatch runs (a task that starts at once must find its job list) and given its
// array job id when sbatch answers.
import { mkdirSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { knownTeacher } from '../commands/sweep.js';
import { teachersOf } from '../commands/sweep-teachers.js';
import { loadConfigFile } from '../config/load.js';
import { writeJsonAtomic } from '../run/atomic.js';
import type { Logger } from '../run/logger.js';
import type { SlurmSubmission, SweepSpec } from '../run/records/index.js';
import { maxArraySize, sbatch, slurmConfig } from './client.js';
import { slurmOptions, type SlurmFlags, type SlurmOptions } from './options.js';
import { ENDED, sweepStatus } from './status.js';
import { batchScript } from './script.js';
import { MMC_BIN } from '../bin-path.js';


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
  if (spec.command === 'distill') mkdirSync(join(i.dir, 'teachers'), { recursive: true });
  const added: SlurmSubmission[] = [];
  // Distill sweeps: first the teachers their jobs still lack (one task per teacher), then the jobs, waiting for them.
  let after: string[] = [];
  if (spec.command === 'distill') {
    const teachers = teachersOf(spec, i.jobs.map((id) => spec.jobs.find((j) => j.id === id)!)).filter((t) => !knownTeacher(i.dir, t));
    for (let first = 0; first < teachers.length; first += maxSize) {
      const part = teachers.slice(first, first + maxSize);
      added.push(submitOne(i, { kind: 'teachers', jobs: [], seeds: part.map((t) => t.seed), teachers: part.map((t) => t.tag) }));
    }
    after = added.map((s) => s.array_job_id!);
  }
  for (let first = 0; first < i.jobs.length; first += maxSize) {
    added.push(submitOne(i, { jobs: i.jobs.slice(first, first + maxSize), ...(after.length ? { after } : {}) }));
  }
  return added;
}

function submitOne(i: SubmitInput, what: Pick<SlurmSubmission, 'kind' | 'jobs' | 'seeds' | 'teachers' | 'after'>): SlurmSubmission {
  const spec = i.spec;
  const slurm = spec.slurm!;
  {
    const n = slurm.submissions.length;
    const tasks = what.kind === 'teachers' ? what.seeds!.length : what.jobs.length;
    const script = join('slurm', `array-${n}.sh`);
    const text = batchScript({ sweepDir: i.dir, sweepId: spec.id, submission: n, tasks, options: i.options, node: process.execPath, mmcBin: MMC_BIN, backend: i.backend, after: what.after });
    writeFileSync(join(i.dir, script), text);
    chmodSync(join(i.dir, script), 0o755);
    const sub: SlurmSubmission = { array_job_id: null, ...what, script, submitted: new Date().toISOString() };
    slurm.submissions.push(sub);
    writeJsonAtomic(join(i.dir, 'sweep.json'), spec);
    try {
      sub.array_job_id = sbatch(join(i.dir, script));
    } catch (e) {
      slurm.submissions.pop(); // never queued: leave no plan that looks submitted
      writeJsonAtomic(join(i.dir, 'sweep.json'), spec);
      throw e;
    }
    writeJsonAtomic(join(i.dir, 'sweep.json'), spec);
    return sub;
  }
}

/**
 * Submits the jobs of a sweep that have no finished run and are not queued or running (all of them
 * for a sweep that has not been on Slurm yet), with the config's slurm: section under `flags`.
 * Returns the job ids submitted.
 */
export function submitUnfinished(o: { dir: string; spec: SweepSpec; flags: SlurmFlags; backend?: string; log: Logger }): string[] {
  const { dir, spec } = o;
  const fromConfig = spec.slurm?.options ?? loadConfigFile(join(dir, spec.config), { overrides: spec.sets }).slurm;
  const options = slurmOptions(fromConfig, o.flags);
  const now = spec.executor === 'slurm' ? sweepStatus(dir, spec) : null;
  const keep = new Set(now?.tasks.filter((t) => t.state === 'finished' || !ENDED.has(t.state)).map((t) => t.job) ?? []);
  const jobs = spec.jobs.map((j) => j.id).filter((id) => !keep.has(id));
  if (jobs.length) {
    const subs = submitJobs({ dir, spec, jobs, options, backend: o.backend });
    o.log.info(`sweep ${spec.id}: ${jobs.length} task(s) submitted as job array ${subs.map((s) => s.array_job_id).join(', ')}`);
  } else o.log.info(`sweep ${spec.id}: nothing to submit (every job is finished or queued)`);
  return jobs;
}
