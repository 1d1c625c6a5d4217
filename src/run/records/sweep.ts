// A sweep folder's records: sweep.json (the plan), results.jsonl (one line per job attempt, appended
// by the sweep process only), teachers.jsonl (distill sweeps: the teacher run of each seed) and, for
// Slurm sweeps, tasks/<job>.json (each written by its own task only: no two nodes share a file).
import { join } from 'node:path';
import type { GridAxis } from '../../config/grid.js';
import type { SlurmOptions } from '../../slurm/options.js';
import { readOptionalRecord, readRecord, readRecordLines, type Shape } from './read.js';

export interface SweepSpec {
  id: string;
  name: string;
  command: 'train' | 'distill' | 'reallocate';
  config: string; // base-config.yaml inside the sweep folder
  teacher_config?: string; // distill: teacher-config.yaml, trained once per seed (same seed and data seed)
  teacher_sets?: string[];
  teacher_grid?: string[]; // distill: grid keys the teacher is trained with too (one teacher per seed and their values; commands/sweep-teachers.ts)
  sets: string[]; // --set applied to every job
  grid: GridAxis[];
  seeds: number;
  vary_data_seed: boolean;
  analyze: boolean;
  jobs: { id: string; values: Record<string, string>; seed: number }[];
  created: string;
  argv?: string[]; // the mmc command line that created the sweep (absent in sweeps made before mmc report)
  executor?: 'local' | 'slurm'; // absent: local (sweeps made before the Slurm executor)
  slurm?: SlurmRecord;
}

/** How a Slurm sweep was submitted: its options and one entry per job array (sbatch call). */
export interface SlurmRecord {
  options: SlurmOptions;
  max_array_size: number; // the cluster's MaxArraySize when submitted: larger submissions were split
  submissions: SlurmSubmission[];
}

export interface SlurmSubmission {
  array_job_id: string | null; // null between writing the plan and sbatch answering
  kind?: 'jobs' | 'teachers'; // absent: jobs. teachers: a distill sweep's teachers, index i trains teachers[i] (older records: seeds[i])
  jobs: string[]; // the sweep's job ids: array index i runs jobs[i] (teachers: none)
  seeds?: number[];
  teachers?: string[]; // teacher tags (commands/sweep-teachers.ts), index-aligned with seeds
  after?: string[]; // array job ids this array waits for (afterok: its teachers)
  script: string; // the batch script, relative to the sweep folder
  submitted: string;
}

/** tasks/<job>.json: how the job's latest Slurm task ended, written by that task. */
export interface SlurmTaskRecord {
  job: string;
  array_job_id: string;
  index: number;
  restart: number; // SLURM_RESTART_COUNT: 0 for the first start, +1 per requeue
  node: string;
  status: 'finished' | 'failed' | 'requeued';
  run: string | null;
  error?: string;
  ended: string;
}

export interface SweepRow {
  job: string;
  status: 'finished' | 'failed';
  seed: number;
  values: Record<string, string>;
  run: string | null;
  error?: string;
  adopted?: boolean; // resume found this job's run finished by the child of a killed sweep
  metrics: Record<string, number | null>;
}

export interface TeacherLine {
  seed: number;
  values?: Record<string, string>; // spec.teacher_grid's values it was trained with (absent: none)
  run: string;
}

const SPEC: Shape = { name: 'a sweep record', keys: { jobs: 'array' }, hint: 'is this a sweep folder?' };
const ROW: Shape = { name: 'a sweep result', keys: { job: 'string', metrics: 'object' } };
const TEACHER: Shape = { name: 'a sweep teacher line', keys: { seed: 'number', run: 'string' } };
const TASK: Shape = { name: 'a Slurm task record', keys: { job: 'string', array_job_id: 'string', status: 'string' } };

export const readSweepSpec = (dir: string): SweepSpec => readRecord<SweepSpec>(join(dir, 'sweep.json'), SPEC);

/** Every line of results.jsonl, in the order the jobs ended (a rerun job has several). */
export const readSweepRows = (dir: string): SweepRow[] => readRecordLines<SweepRow>(join(dir, 'results.jsonl'), ROW);

export const readTeachers = (dir: string): TeacherLine[] => readRecordLines<TeacherLine>(join(dir, 'teachers.jsonl'), TEACHER);

/** teachers/<tag>.json (s<seed>.json, or s<seed>-v<k>.json): the teacher run a Slurm teacher task trained (one file per teacher, one writer). */
export const teacherRecordPath = (dir: string, tag: string): string => join(dir, 'teachers', `${tag}.json`);
export const readTeacherRecord = (dir: string, tag: string): TeacherLine | null => readOptionalRecord<TeacherLine>(teacherRecordPath(dir, tag), TEACHER);

export const taskRecordPath = (dir: string, job: string): string => join(dir, 'tasks', `${job}.json`);
export const readTaskRecord = (dir: string, job: string): SlurmTaskRecord | null => readOptionalRecord<SlurmTaskRecord>(taskRecordPath(dir, job), TASK);

/** The rows a sweep's tables keep: the latest line per job, in job order. */
export function latestRows(spec: SweepSpec, rows: SweepRow[]): SweepRow[] {
  const latest = new Map<string, SweepRow>();
  for (const r of rows) latest.set(r.job, r);
  return spec.jobs.map((j) => latest.get(j.id)).filter((r): r is SweepRow => !!r);
}
