#!/usr/bin/env node
// Long-run check: one `mmc train` of STEPS optimiser steps (default 20,000) on a tiny MLP config,
// sampling the process's RSS every few seconds (ps -o rss=) and reading num_tensors from
// metrics.jsonl (one line per epoch). Prints a summary; exits 1 if the tensor count grows.
//   node scripts/long-run.mjs [STEPS] [--runs-dir DIR] [--interval SECONDS]
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const runsDir = opt('--runs-dir', mkdtempSync(join(tmpdir(), 'mmc-long-')));
const interval = Number(opt('--interval', '3'));
const steps = Number(args[0] ?? 20000);
const trainSize = 2000;
const batch = 10; // 200 steps per epoch
const epochs = Math.ceil(steps / Math.ceil(trainSize / batch));
const sets = [`dataset.train_size=${trainSize}`, `train.batch_size=${batch}`, `train.epochs=${epochs}`, 'name=long-run'];
const cmd = [join(root, 'bin/mmc'), 'train', '--config', join(root, 'configs/synthetic/quick.yaml'), ...sets.flatMap((s) => ['--set', s]), '--runs-dir', runsDir, '--json', '-q', '--no-progress', '--backend', 'wasm'];

const t0 = Date.now();
const child = spawn(process.execPath, cmd, { stdio: ['ignore', 'pipe', 'inherit'] });
let stdout = '';
child.stdout.on('data', (d) => (stdout += d));
const samples = []; // { t, rss_mb }
const sample = () => {
  try {
    const kb = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(child.pid)], { encoding: 'utf8' }).trim());
    if (kb > 0) samples.push({ t: (Date.now() - t0) / 1000, rss_mb: kb / 1024 });
  } catch {
    /* the process has ended */
  }
};
const timer = setInterval(sample, interval * 1000);
setTimeout(sample, 500);
const code = await new Promise((r) => child.on('close', r));
clearInterval(timer);
const wall = (Date.now() - t0) / 1000;
if (code !== 0) {
  console.error(`long-run: mmc train exited ${code}`);
  process.exit(1);
}
const run = JSON.parse(stdout).run;
const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const tensors = metrics.map((m) => m.num_tensors);
const rss = samples.map((s) => s.rss_mb);
const mid = rss.slice(Math.floor(rss.length / 4)); // after warm-up
const summary = {
  run,
  steps: epochs * Math.ceil(trainSize / batch),
  epochs,
  batch_size: batch,
  wall_s: Math.round(wall),
  rss_samples: rss.length,
  rss_mb: { start: round(rss[0]), after_warmup: round(mid[0]), end: round(rss.at(-1)), peak: round(Math.max(...rss)) },
  num_tensors: { first_epoch: tensors[0], last_epoch: tensors.at(-1), max: Math.max(...tensors) },
  final: { train_loss: round(metrics.at(-1).train_loss, 4), val_acc: round(metrics.at(-1).val_acc, 4) },
};
writeFileSync(join(run, 'long-run.json'), JSON.stringify({ ...summary, samples }, null, 2) + '\n');
console.log(`long run: ${summary.steps} steps (${epochs} epochs × ${Math.ceil(trainSize / batch)}, batch ${batch}) in ${summary.wall_s} s`);
console.log(`RSS MB: start ${summary.rss_mb.start}, after warm-up ${summary.rss_mb.after_warmup}, end ${summary.rss_mb.end}, peak ${summary.rss_mb.peak} (${rss.length} samples every ${interval} s)`);
console.log(`numTensors: first epoch ${summary.num_tensors.first_epoch}, last epoch ${summary.num_tensors.last_epoch}, max ${summary.num_tensors.max}`);
console.log(JSON.stringify(summary));
if (summary.num_tensors.last_epoch > summary.num_tensors.first_epoch) {
  console.error('long-run: the tensor count grew over the run (a leak)');
  process.exit(1);
}
function round(x, d = 1) {
  return x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d;
}
