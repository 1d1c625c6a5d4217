// A sweep folder's records: sweep.json (the plan), results.jsonl (one line per job attempt, appended
// by the sweep process only) and teachers.jsonl (distill sweeps: the teacher run of each seed).
import { join } from 'node:path';
import type { GridAxis } from '../../config/grid.js';
import { readRecord, readRecordLines, type Shape } from './read.js';

export interface SweepSpec {
  id: string;
  name: string;
  command: 'train' | 'distill' | 'reallocate';
  config: string; // base-config.yaml inside the sweep folder
  teacher_config?: string; // distill: teacher-config.yaml, trained once per seed (same seed and data seed)
  teacher_sets?: string[];
  sets: string[]; // --set applied to every job
  grid: GridAxis[];
  seeds: number;
  vary_data_seed: boolean;
  analyze: boolean;
  jobs: { id: string; values: Record<string, string>; seed: number }[];
  created: string;
  argv?: string[]; // the mmc command line that created the sweep (absent in sweeps made before mmc report)
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
  run: string;
}

const SPEC: Shape = { name: 'a sweep record', keys: { jobs: 'array' }, hint: 'is this a sweep folder?' };
const ROW: Shape = { name: 'a sweep result', keys: { job: 'string', metrics: 'object' } };
const TEACHER: Shape = { name: 'a sweep teacher line', keys: { seed: 'number', run: 'string' } };

export const readSweepSpec = (dir: string): SweepSpec => readRecord<SweepSpec>(join(dir, 'sweep.json'), SPEC);

/** Every line of results.jsonl, in the order the jobs ended (a rerun job has several). */
export const readSweepRows = (dir: string): SweepRow[] => readRecordLines<SweepRow>(join(dir, 'results.jsonl'), ROW);

export const readTeachers = (dir: string): TeacherLine[] => readRecordLines<TeacherLine>(join(dir, 'teachers.jsonl'), TEACHER);

/** The rows a sweep's tables keep: the latest line per job, in job order. */
export function latestRows(spec: SweepSpec, rows: SweepRow[]): SweepRow[] {
  const latest = new Map<string, SweepRow>();
  for (const r of rows) latest.set(r.job, r);
  return spec.jobs.map((j) => latest.get(j.id)).filter((r): r is SweepRow => !!r);
}
