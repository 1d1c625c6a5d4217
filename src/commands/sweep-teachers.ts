// Which teacher a distill sweep's job learns from. A teacher is trained per seed and, with
// spec.teacher_grid, per combination of those grid keys' values too (e.g. the training missing rate:
// a teacher must not see the inputs its students' runs treat as missing). Its tag names its records:
// s<seed> (no teacher_grid, as before), or s<seed>-v<k> for the k-th combination of those values.
import { crossProduct } from '../config/grid.js';
import type { SweepSpec } from '../run/records/index.js';

export interface TeacherJob {
  seed: number;
  values: Record<string, string>; // the job's values of spec.teacher_grid's keys
  tag: string;
}

const combinations = (spec: SweepSpec) => crossProduct(spec.grid.filter((a) => (spec.teacher_grid ?? []).includes(a.key)));

/** The teacher of a job (a seed and grid values). */
export function teacherOf(spec: SweepSpec, job: { seed: number; values: Record<string, string> }): TeacherJob {
  const keys = spec.teacher_grid ?? [];
  if (!keys.length) return { seed: job.seed, values: {}, tag: `s${job.seed}` };
  const values = Object.fromEntries(keys.map((k) => [k, job.values[k]]));
  const k = combinations(spec).findIndex((c) => keys.every((key) => c[key] === values[key]));
  if (k < 0) throw new Error(`job values ${JSON.stringify(job.values)} are not in the sweep's grid`);
  return { seed: job.seed, values, tag: `s${job.seed}-v${k}` };
}

/** The teacher a tag names (a Slurm teacher task's), or null when the sweep has no such teacher. */
export function teacherByTag(spec: SweepSpec, tag: string): TeacherJob | null {
  const m = /^s(\d+)(?:-v(\d+))?$/.exec(tag);
  if (!m) return null;
  const seed = Number(m[1]);
  const keyed = !!spec.teacher_grid?.length;
  if (keyed !== (m[2] !== undefined)) return null;
  if (!keyed) return { seed, values: {}, tag };
  const values = combinations(spec)[Number(m[2])];
  return values ? { seed, values, tag } : null;
}

/** The distinct teachers of these jobs, in job order. */
export function teachersOf(spec: SweepSpec, jobs: { seed: number; values: Record<string, string> }[]): TeacherJob[] {
  const seen = new Map<string, TeacherJob>();
  for (const j of jobs) {
    const t = teacherOf(spec, j);
    if (!seen.has(t.tag)) seen.set(t.tag, t);
  }
  return [...seen.values()];
}

/** How messages name a teacher: "the teacher of seed 3", plus its values when it has some. */
export const teacherName = (t: TeacherJob) => `the teacher of seed ${t.seed}${Object.keys(t.values).length ? ` at ${Object.entries(t.values).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`;
