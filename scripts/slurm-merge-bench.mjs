#!/usr/bin/env node
// How long merging a Slurm sweep's results takes: N generated run folders (copies of one real quick
// run's merge files), then mergeFromRuns. Usage: node scripts/slurm-merge-bench.mjs [N=10000]
// (after npm run build). Prints one JSON line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeFromRuns } from '../dist/src/commands/sweep.js';
import { fakeSweep } from '../dist/src/slurm/merge-fixture.js';

const n = Number(process.argv[2] ?? 10000);
const root = mkdtempSync(join(tmpdir(), 'mmc-merge-bench-'));
const mmc = (args) => {
  const r = spawnSync(process.execPath, ['bin/mmc', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
};
const run = JSON.parse(mmc(['train', '--config', 'configs/synthetic/quick.yaml', '--runs-dir', join(root, 'template'), '--json', '-q'])).run;
mmc(['analyze', '--run', run, '-q']);
const dir = join(root, 'sweep');
let t = Date.now();
const spec = fakeSweep({ dir, template: run, jobs: n });
const made = (Date.now() - t) / 1000;
t = Date.now();
const rows = mergeFromRuns(dir, spec);
const merged = (Date.now() - t) / 1000;
console.log(JSON.stringify({ runs: n, rows: rows.length, generate_s: made, merge_s: merged }));
rmSync(root, { recursive: true, force: true });
