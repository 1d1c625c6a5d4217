// Many finished run folders made from one real one, for the merge test and its benchmark
// (scripts/slurm-merge-bench.mjs): a sweep of n jobs whose run folders hold the files the merge reads.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../run/atomic.js';
import type { SweepSpec } from '../run/records/index.js';

const READ_BY_MERGE = ['run.json', 'summary.json', join('eval', 'analysis.json')];

/** A Slurm sweep folder at `dir` with n jobs (j000 …), each with a copy of `template`'s merge files as its run. */
export function fakeSweep(o: { dir: string; template: string; jobs: number }): SweepSpec {
  const jobs = Array.from({ length: o.jobs }, (_, i) => ({ id: `j${String(i).padStart(3, '0')}`, values: { 'train.lr': String(i) }, seed: 0 }));
  const spec: SweepSpec = { id: 'fake', name: 'fake', command: 'train', config: 'base-config.yaml', sets: [], grid: [{ key: 'train.lr', values: jobs.map((j) => j.values['train.lr']) }], seeds: 1, vary_data_seed: false, analyze: true, jobs, created: new Date(0).toISOString(), executor: 'slurm' };
  mkdirSync(join(o.dir, 'tasks'), { recursive: true });
  for (const job of jobs) {
    const run = join(o.dir, 'runs', `20261202-120000-train-fake-${job.id}-abcdef`);
    mkdirSync(join(run, 'eval'), { recursive: true });
    for (const f of READ_BY_MERGE) copyFileSync(join(o.template, f), join(run, f));
  }
  writeJsonAtomic(join(o.dir, 'sweep.json'), spec);
  return spec;
}
