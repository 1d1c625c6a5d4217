// `mmc bench` end to end, with tiny step counts (the figures themselves are in docs/performance.md).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { MMC_BIN, REPO_ROOT } from '../src/test-support.js';

function mmc(args: string[]) {
  const r = spawnSync(process.execPath, [MMC_BIN, 'bench', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('bench mlp --reference --json reports mmc, the numpy reference and their ratio', () => {
  const r = mmc(['--model', 'mlp', '--steps', '3', '--warmup', '1', '--batch', '32', '--reference', '--json', '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.mmc.model, 'mlp');
  assert.equal(out.mmc.backend, 'wasm');
  assert.equal(out.mmc.fast_ops, true);
  assert.equal(out.mmc.params, 784 * 256 + 256 + 256 * 128 + 128 + 400 * 256 + 256 + 256 * 128 + 128 + 256 * 128 + 128 + 128 * 10 + 10);
  assert.equal(out.mmc.num_tensors.start, out.mmc.num_tensors.end);
  assert.ok(out.mmc.samples_per_s > 0 && out.mmc.rss_mb.peak > 0);
  assert.equal(out.reference.length, 2);
  assert.equal(out.reference[0].impl, 'numpy-reference');
  assert.equal(out.reference[0].blas_threads, '1');
  const refRate = (out.reference[0].samples_per_s + out.reference[1].samples_per_s) / 2;
  assert.ok(Math.abs(out.ratio - out.mmc.samples_per_s / refRate) < 1e-3);
});

test('bench conv --profile trains the LeNet-style encoder on wasm and lists kernels', () => {
  const r = mmc(['--model', 'conv', '--steps', '2', '--warmup', '1', '--batch', '8', '--profile', '--backend', 'wasm']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /mmc conv on wasm \(fast kernels\)/);
  assert.match(r.stdout, /Conv2DBackpropFilter/);
  assert.match(r.stdout, /numTensors (\d+) → \1;/);
});

test('bench --workers 2 runs two processes and adds their throughput; bad flags exit 2', () => {
  const r = mmc(['--steps', '2', '--warmup', '1', '--batch', '16', '--workers', '2', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.workers.each.length, 2);
  assert.equal(out.workers.total_samples_per_s, out.workers.each[0].samples_per_s + out.workers.each[1].samples_per_s);
  const bad = mmc(['--model', 'conv', '--reference']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--reference exists for --model mlp only/);
  const badSteps = mmc(['--steps', '0']);
  assert.equal(badSteps.code, 2);
  assert.match(badSteps.stderr, /--steps 0: expected a positive integer/);
});
