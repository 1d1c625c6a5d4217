#!/usr/bin/env node
// The same sweep job N times (default 4) in one process, as a job worker runs them: wall and CPU
// seconds of each (docs/performance.md, "Job workers"). The first job pays V8's warm-up; the later
// ones show what a warm worker costs per job. Build first (npx tsc). Usage: node scripts/bench-warm-jobs.mjs [N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../dist/src/cli/main.js';

const runs = mkdtempSync(join(tmpdir(), 'mmc-warm-'));
const n = Number(process.argv[2] ?? 4);
const ownWrite = process.stdout.write.bind(process.stdout);
for (let seed = 1; seed <= n; seed++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  process.stdout.write = () => true; // the job's result line
  await main(['node', 'mmc', 'train', '--config', 'configs/synthetic/unsaturated.yaml', '--set', 'train.missing_rate.image=0.3', '--seed', String(seed), '--backend', 'native', '--runs-dir', runs, '--json', '-q', '--no-progress', '--analyze']);
  process.stdout.write = ownWrite;
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ job: seed, wall_s: +((performance.now() - t0) / 1000).toFixed(2), cpu_s: +((c.user + c.system) / 1e6).toFixed(2), exit: process.exitCode ?? 0 }));
}
rmSync(runs, { recursive: true, force: true });
