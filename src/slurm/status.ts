// Where each task of a Slurm sweep stands, from every source there is: the run folders (a finished
// run is finished whatever Slurm says), squeue (live tasks), the task's own record (tasks/<job>.json),
// and accounting (sacct, or jobcomp/filetxt where that is what the cluster keeps). A task that no
// source knows is lost, never finished.
import { join } from 'node:path';
import { jobRunFolders, knownTeacher, rowFromRun } from '../commands/sweep.js';
import { teacherName, teacherOf } from '../commands/sweep-teachers.js';
import { readTaskRecord, type SweepSpec } from '../run/records/index.js';
import { jobcompTasks, sacctTasks, slurmConfig, squeueTasks } from './client.js';
import type { TaskReport } from './parse.js';

export const TASK_STATES = ['finished', 'running', 'pending', 'requeued', 'failed', 'cancelled', 'lost', 'unsubmitted', 'unknown'] as const;
export type TaskState = (typeof TASK_STATES)[number];
/** States after which nothing more happens without `--resume`. */
export const ENDED: ReadonlySet<TaskState> = new Set(['finished', 'failed', 'cancelled', 'lost', 'unsubmitted']);

export interface TaskStatus {
  job: string;
  state: TaskState;
  task: string | null; // "<array job id>_<index>"
  detail?: string; // a pending reason, an error, an accounting state
  run?: string | null;
  log?: string; // the task's stderr file
}

export interface SweepStatus {
  tasks: TaskStatus[];
  counts: Record<TaskState, number>;
  sources: { squeue: boolean; accounting: 'sacct' | 'jobcomp' | null };
}

/** Each job's latest submission: the array job id and index its task has there. */
export function latestTasks(spec: SweepSpec): Map<string, { arrayJobId: string; index: number; submission: number }> {
  const m = new Map<string, { arrayJobId: string; index: number; submission: number }>();
  (spec.slurm?.submissions ?? []).forEach((s, n) => {
    if (s.array_job_id && s.kind !== 'teachers') s.jobs.forEach((job, index) => m.set(job, { arrayJobId: s.array_job_id!, index, submission: n }));
  });
  return m;
}

const LIVE: Record<string, TaskState> = { PENDING: 'pending', RUNNING: 'running', COMPLETING: 'running', CONFIGURING: 'running', SUSPENDED: 'running', STAGE_OUT: 'running', REQUEUED: 'requeued', REQUEUE_HOLD: 'requeued', REQUEUE_FED: 'requeued', RESIZING: 'running', SIGNALING: 'running' };

export function sweepStatus(dir: string, spec: SweepSpec): SweepStatus {
  const latest = latestTasks(spec);
  const ids = [...new Set([...latest.values()].map((t) => t.arrayJobId))];
  const key = (r: { arrayJobId: string; index: number }) => `${r.arrayJobId}_${r.index}`;
  const byKey = (reports: TaskReport[] | null) => new Map((reports ?? []).map((r) => [key(r), r]));
  const queue = squeueTasks(ids);
  const sacct = sacctTasks(ids);
  const accounting = sacct ?? jobcompTasks(slurmConfig());
  const [live, ended] = [byKey(queue), byKey(accounting)];
  const runs = jobRunFolders(dir, spec);
  const tasks: TaskStatus[] = spec.jobs.map((job) => {
    const t = latest.get(job.id) ?? null;
    const task = t ? key(t) : null;
    const log = t ? join(dir, 'slurm', 'logs', `${task}.err`) : undefined;
    const list = runs.get(job.id) ?? [];
    for (const run of [...list].reverse()) if (rowFromRun(spec, job, run)) return { job: job.id, state: 'finished', task, run };
    if (!t) return { job: job.id, state: 'unsubmitted', task: null };
    const q = live.get(task!);
    if (q) return { job: job.id, state: LIVE[q.state] ?? 'running', task, ...(q.reason ? { detail: q.reason } : {}), log };
    const rec = readTaskRecord(dir, job.id);
    const mine = rec && rec.array_job_id === t.arrayJobId && rec.index === t.index ? rec : null;
    const a = ended.get(task!);
    // Cancelled first: a cancelled task's mmc stops its run and records that as a failure.
    if (a?.state === 'CANCELLED') return { job: job.id, state: 'cancelled', task, detail: 'cancelled (scancel, or preempted without requeue)', run: mine?.run, log };
    if (mine?.status === 'failed') return { job: job.id, state: 'failed', task, detail: mine.error, run: mine.run, log };
    if (a && a.state !== 'COMPLETED') return { job: job.id, state: 'failed', task, detail: `${a.state}${a.reason ? `, ${a.reason}` : ''}`, log };
    if (queue === null) return { job: job.id, state: 'unknown', task, detail: 'squeue did not answer', log };
    return { job: job.id, state: 'lost', task, detail: a ? 'the task ended without a finished run' : 'not queued, no finished run, no record of how it ended', log };
  });
  // A distill job whose teacher task failed was cancelled by Slurm (--kill-on-invalid-dep): say so.
  if (spec.command === 'distill') {
    for (const t of tasks) {
      const teacher = teacherOf(spec, spec.jobs.find((j) => j.id === t.job)!);
      if ((t.state === 'cancelled' || t.state === 'lost') && !knownTeacher(dir, teacher)) t.detail = `${t.detail}; ${teacherName(teacher)} did not finish (tasks/teacher-${teacher.tag}.json)`;
    }
  }
  const counts = Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<TaskState, number>;
  for (const t of tasks) counts[t.state]++;
  return { tasks, counts, sources: { squeue: queue !== null, accounting: sacct ? 'sacct' : accounting ? 'jobcomp' : null } };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls (1 s, then ×1.5 up to 30 s) until every task has ended; reports each change of the counts. */
export async function waitForSweep(dir: string, spec: SweepSpec, report: (s: SweepStatus) => void, o: { firstMs?: number; maxMs?: number } = {}): Promise<SweepStatus> {
  let delay = o.firstMs ?? 1000;
  let last = '';
  for (;;) {
    const s = sweepStatus(dir, spec);
    const line = JSON.stringify(s.counts);
    if (line !== last) report(s);
    last = line;
    if (s.tasks.every((t) => ENDED.has(t.state))) return s;
    await sleep(delay);
    delay = Math.min(delay * 1.5, o.maxMs ?? 30_000);
  }
}

/** "3 finished, 1 running" (states with a count only). */
export function countsLine(s: SweepStatus): string {
  return TASK_STATES.filter((k) => s.counts[k] > 0).map((k) => `${s.counts[k]} ${k}`).join(', ');
}
