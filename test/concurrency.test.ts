// Concurrent runs never collide: 8 `mmc train` processes with one config and name on one runs
// directory get 8 distinct, self-consistent run folders; a `mmc sweep --workers 2` killed with
// SIGKILL mid-way and resumed ends with exactly one finished result per job.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { MMC_BIN, QUICK_CONFIG, REPO_ROOT } from '../src/test-support.js';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const TINY = ['--set', 'train.epochs=2', '--set', 'dataset.train_size=128', '--set', 'dataset.val_size=64', '--set', 'dataset.test_size=64'];

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; child: ChildProcess }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MMC_BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr, child }));
  });
}

test('8 concurrent mmc train with the same config and name: 8 distinct folders, each its own', async () => {
  const runs = tmp('mmc-conc-');
  const N = 8;
  // Different seeds make each run's metrics its own, so a cross-written file would show.
  const results = await Promise.all(Array.from({ length: N }, (_, i) => run(['train', '--config', QUICK_CONFIG, ...TINY, '--seed', String(i), '--name', 'same', '--runs-dir', runs, '--json', '-q', '--no-progress'])));
  const dirs = results.map((r, i) => {
    assert.equal(r.code, 0, `run ${i}: ${r.stderr}`);
    return JSON.parse(r.stdout).run as string;
  });
  assert.equal(new Set(dirs).size, N, 'two runs shared a folder');
  assert.deepEqual(readdirSync(runs).sort(), dirs.map((d) => d.split('/').at(-1)).sort());
  const finalLoss = new Set<number>();
  dirs.forEach((dir, i) => {
    const rj = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    assert.equal(rj.id, dir.split('/').at(-1));
    assert.equal(rj.status, 'finished');
    assert.equal(rj.argv[rj.argv.indexOf('--seed') + 1], String(i), `run.json of ${dir} has another process's argv`);
    if ('pid' in rj) assert.equal(rj.pid, results[i].child.pid);
    const cfg = parse(readFileSync(join(dir, 'config.yaml'), 'utf8'));
    assert.equal(cfg.seed, i, `config.yaml of ${dir}`);
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(metrics.map((m) => m.epoch), [0, 1].map((e) => metrics[0].epoch + e), `metrics.jsonl of ${dir}`);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    assert.ok(summary.test, `summary.json of ${dir}`);
    finalLoss.add(metrics.at(-1).train_loss);
    for (const f of ['checkpoints/last/weights.bin', 'checkpoints/best/weights.bin', 'env.json', 'log.jsonl']) assert.ok(existsSync(join(dir, f)), `${dir}: ${f}`);
    assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tmp')).length, 0);
  });
  assert.equal(finalLoss.size, N, 'two runs ended with identical metrics (one wrote into the other?)');
});

test('a sweep killed with SIGKILL mid-way and resumed: one finished result per job, no job counted twice', async () => {
  const runs = tmp('mmc-sweepkill-');
  const args = ['sweep', '--config', QUICK_CONFIG, ...TINY, '--grid', 'train.optimizer.lr=0.01,0.02,0.03', '--seeds', '2', '--workers', '2', '--no-analyze', '--name', 'k', '--runs-dir', runs, '-q'];
  const child = spawn(process.execPath, [MMC_BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((r) => child.on('close', r));
  // Kill it once at least one job has a result line and others are under way.
  const deadline = Date.now() + 40_000;
  let sweepDir = '';
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const d = readdirSync(runs).find((f) => f.includes('-sweep-k-'));
    if (!d) continue;
    sweepDir = join(runs, d);
    const res = join(sweepDir, 'results.jsonl');
    if (existsSync(res) && readFileSync(res, 'utf8').trim().split('\n').length >= 1) break;
  }
  child.kill('SIGKILL');
  await exited;
  assert.ok(sweepDir, 'the sweep made no folder');
  const before = readFileSync(join(sweepDir, 'results.jsonl'), 'utf8').trim().split('\n').length;
  assert.ok(before < 6, `the sweep finished (${before} results) before it could be killed`);
  // Orphaned `mmc train` children of the killed sweep may still be running; resume regardless.
  const r = spawnSync(process.execPath, [MMC_BIN, 'sweep', '--resume', sweepDir, '--workers', '2', '--runs-dir', runs, '--json', '-q'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 90_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = readFileSync(join(sweepDir, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const finished = lines.filter((l) => l.status === 'finished');
  const spec = JSON.parse(readFileSync(join(sweepDir, 'sweep.json'), 'utf8'));
  assert.equal(spec.jobs.length, 6);
  for (const j of spec.jobs) assert.equal(finished.filter((l) => l.job === j.id).length, 1, `job ${j.id}: ${finished.filter((l) => l.job === j.id).length} finished lines`);
  assert.equal(new Set(finished.map((l) => l.run)).size, 6, 'two jobs counted one run');
  for (const l of finished) assert.equal(JSON.parse(readFileSync(join(l.run, 'run.json'), 'utf8')).status, 'finished');
  const rows = JSON.parse(readFileSync(join(sweepDir, 'results.json'), 'utf8'));
  assert.equal(rows.length, 6);
});
