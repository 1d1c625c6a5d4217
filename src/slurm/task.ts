// What one array task runs (`mmc sweep --task SWEEP --submission S`, started by the batch script):
// the job that SLURM_ARRAY_TASK_ID names, exactly as a local worker runs it. USR2 (sent by
// --signal=B:USR2@N before the time limit) stops the running child at its next safe point (the
// end of the epoch, checkpoint saved), then the task requeues itself; the requeued task resumes the
// run. The task writes only its run folder and its own tasks/<job>.json.
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { baseDataSeedOf, dataSeedFor, knownTeacher, runJob, trainTeacher } from '../commands/sweep.js';
import { teacherByTag } from '../commands/sweep-teachers.js';
import { UsageError } from '../errors.js';
import { writeJsonAtomic } from '../run/atomic.js';
import type { Logger } from '../run/logger.js';
import { readSweepSpec, taskRecordPath, teacherRecordPath, type SlurmTaskRecord, type SweepSpec } from '../run/records/index.js';
import { requeue } from './client.js';

export interface TaskInput {
  dir: string;
  submission: number;
  index: number; // SLURM_ARRAY_TASK_ID
  threads?: number;
  backend?: string;
  log: Logger;
  env?: NodeJS.ProcessEnv;
}

/** Runs the task; resolves to its exit code (0: finished or requeued). */
export async function runTask(i: TaskInput): Promise<number> {
  const env = i.env ?? process.env;
  const spec = readSweepSpec(i.dir);
  const sub = spec.slurm?.submissions[i.submission];
  if (!sub) throw new UsageError(`${join(i.dir, 'sweep.json')}: no Slurm submission ${i.submission}`);
  const arrayJobId = env.SLURM_ARRAY_JOB_ID ?? sub.array_job_id ?? 'local';
  const baseDataSeed = baseDataSeedOf(i.dir, spec);
  if (sub.kind === 'teachers') {
    const seed = sub.seeds?.[i.index];
    return teacherTask(i, spec, sub.teachers?.[i.index] ?? (seed !== undefined ? `s${seed}` : undefined), baseDataSeed, arrayJobId, env);
  }
  const jobId = sub.jobs[i.index];
  const job = spec.jobs.find((j) => j.id === jobId);
  if (!job) throw new UsageError(`${join(i.dir, 'sweep.json')}: submission ${i.submission} has no task ${i.index}`);
  let child: ChildProcess | null = null;
  let signalled: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) return;
    signalled = sig;
    i.log.warn(`${sig}: stopping ${job.id} at its next checkpoint${sig === 'SIGUSR2' ? ', then requeueing the task' : ''}`);
    child?.kill('SIGTERM'); // mmc's first SIGTERM: finish the epoch, save, mark the run interrupted
  };
  process.on('SIGUSR2', onSignal);
  process.on('SIGTERM', onSignal);
  const row = await runJob(job, {
    dir: i.dir,
    spec,
    baseDataSeed,
    teacherFromTask: true,
    backend: i.backend,
    threads: i.threads,
    resumeInterrupted: true,
    stop: () => signalled !== null,
    onChild: (c) => {
      child = c;
      if (c && signalled) c.kill('SIGTERM');
    },
  });
  const record: SlurmTaskRecord = { job: job.id, array_job_id: arrayJobId, index: i.index, restart: Number(env.SLURM_RESTART_COUNT ?? 0), node: hostname(), status: row.status, run: row.run, ...(row.error ? { error: row.error } : {}), ended: new Date().toISOString() };
  if (signalled === 'SIGUSR2' && row.status !== 'finished') {
    const r = requeue(arrayJobId, i.index);
    if (r.ok) {
      writeJsonAtomic(taskRecordPath(i.dir, job.id), { ...record, status: 'requeued', error: undefined });
      i.log.warn(`${job.id}: requeued (${arrayJobId}_${i.index}); the next start resumes ${row.run ?? 'the job'}`);
      return 0;
    }
    record.error = `could not requeue: ${r.stderr || r.stdout}`;
  }
  if (signalled === 'SIGTERM' && row.status !== 'finished') record.error = `stopped by SIGTERM (scancel, preemption or the time limit) with ${row.run ? `run ${row.run} interrupted` : 'no run yet'}`;
  writeJsonAtomic(taskRecordPath(i.dir, job.id), record);
  if (row.status === 'finished') i.log.info(`${job.id}: finished, test acc ${row.metrics.test_acc}`);
  else i.log.error(`${job.id}: ${row.error}`);
  return row.status === 'finished' ? 0 : 1;
}

/** A distill sweep's teacher (a seed, and teacher_grid values); its record (teachers/<tag>.json) is what its jobs read. */
async function teacherTask(i: TaskInput, spec: SweepSpec, tag: string | undefined, baseDataSeed: number | null, arrayJobId: string, env: NodeJS.ProcessEnv): Promise<number> {
  const teacher = tag === undefined ? null : teacherByTag(spec, tag);
  if (!teacher) throw new UsageError(`${join(i.dir, 'sweep.json')}: submission ${i.submission} has no teacher task ${i.index}`);
  const seed = teacher.seed;
  const name = `teacher-${teacher.tag}`;
  const record: SlurmTaskRecord = { job: name, array_job_id: arrayJobId, index: i.index, restart: Number(env.SLURM_RESTART_COUNT ?? 0), node: hostname(), status: 'finished', run: null, ended: '' };
  try {
    const dataSeed = dataSeedFor(spec, baseDataSeed, seed);
    record.run = knownTeacher(i.dir, teacher) ?? (await trainTeacher(i.dir, spec, teacher, dataSeed, { backend: i.backend, threads: i.threads }));
    writeJsonAtomic(teacherRecordPath(i.dir, teacher.tag), { seed, ...(Object.keys(teacher.values).length ? { values: teacher.values } : {}), run: record.run });
  } catch (e) {
    record.status = 'failed';
    record.error = (e as Error).message;
  }
  writeJsonAtomic(taskRecordPath(i.dir, name), { ...record, ended: new Date().toISOString() });
  if (record.status === 'failed') i.log.error(`${name}: ${record.error}`);
  else i.log.info(`${name}: ${record.run}`);
  return record.status === 'finished' ? 0 : 1;
}
