// The native backend end to end: training on it matches wasm, repeats byte for byte, leaks neither
// tensors nor memory, is recorded in env.json; and when it is off, auto runs on wasm and asking for
// it is a usage error.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend.js';
import { Adam } from '../src/core/adam.js';
import { trainStep } from '../src/core/fit.js';
import { FusionModel } from '../src/core/model.js';
import { Rng } from '../src/core/rng.js';
import { nativeSkipReason } from '../src/native/test-gate.js';
import { MMC_BIN, QUICK_CONFIG, REPO_ROOT } from '../src/test-support.js';

const skip = nativeSkipReason();
const tmp = () => mkdtempSync(join(tmpdir(), 'mmc-native-'));

function mmc(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [MMC_BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Summary {
  final: { train_loss: number; train_acc: number; val_loss: number; val_acc: number };
  test: { n: number; accuracy: number; cross_entropy: number };
}

/** `mmc train` on the quick config; the run folder and its summary. */
function train(backend: string, runs: string, extra: string[] = []): { dir: string; summary: Summary } {
  const r = mmc(['train', '--config', QUICK_CONFIG, '--runs-dir', runs, '--backend', backend, '--json', '-q', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  return { dir: out.run, summary: out.summary };
}

const weights = (dir: string) => readFileSync(join(dir, 'checkpoints', 'last', 'weights.bin'));

test('quick training on native and on wasm: the same losses, accuracies and weights up to float32 drift', { skip }, (t) => {
  const runs = tmp();
  const nat = train('native', runs);
  const wasm = train('wasm', runs);
  assert.equal(JSON.parse(readFileSync(join(nat.dir, 'env.json'), 'utf8')).backend.name, 'native');
  assert.equal(JSON.parse(readFileSync(join(wasm.dir, 'env.json'), 'utf8')).backend.name, 'wasm');
  // Same maths, different summation order (BLAS GEMM blocks vs XNNPACK) and rounding of a few
  // kernels: per step a few ulps (~1e-7 relative), which 24 Adam steps carry forward without
  // amplifying much (measured: 3e-7 on the losses). 1e-4 relative is 300× that, and far below any
  // real difference (a wrong gradient or update changes the losses in the first or second digit).
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
  const [a, b] = [nat.summary, wasm.summary];
  for (const [what, x, y] of [
    ['train_loss', a.final.train_loss, b.final.train_loss],
    ['val_loss', a.final.val_loss, b.final.val_loss],
    ['test cross_entropy', a.test.cross_entropy, b.test.cross_entropy],
  ] as const) {
    assert.ok(rel(x, y) < 1e-4, `${what}: native ${x} vs wasm ${y}`);
    t.diagnostic(`${what}: relative difference ${rel(x, y).toExponential(1)}`);
  }
  // An accuracy moves in steps of one sample; drift of 1e-7 can flip only a sample that sits on a
  // decision boundary, so allow one sample either way (train 512, val 128, test 256).
  assert.ok(Math.abs(a.final.train_acc - b.final.train_acc) <= 1 / 512 + 1e-12, `train_acc ${a.final.train_acc} vs ${b.final.train_acc}`);
  assert.ok(Math.abs(a.final.val_acc - b.final.val_acc) <= 1 / 128 + 1e-12, `val_acc ${a.final.val_acc} vs ${b.final.val_acc}`);
  assert.ok(Math.abs(a.test.accuracy - b.test.accuracy) <= 1 / 256 + 1e-12, `test accuracy ${a.test.accuracy} vs ${b.test.accuracy}`);
  // The weights themselves (the same order of parameters in both files): within 1e-4 of the largest.
  const [wn, ww] = [weights(nat.dir), weights(wasm.dir)].map((buf) => new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4));
  assert.equal(wn.length, ww.length);
  const scale = ww.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  let worst = 0;
  for (let i = 0; i < ww.length; i++) worst = Math.max(worst, Math.abs(wn[i] - ww[i]) / scale);
  assert.ok(worst < 1e-4, `weights differ by ${worst} of the largest`);
  t.diagnostic(`weights: largest difference ${worst.toExponential(1)} of the largest weight`);
});

test('the same seed on native (one BLAS thread) gives byte-identical weights and optimiser state', { skip }, () => {
  const runs = tmp();
  const [r1, r2] = [train('native', runs), train('native', runs)];
  assert.notEqual(r1.dir, r2.dir);
  for (const f of ['weights.bin', 'optimizer.bin']) {
    const [x, y] = [r1.dir, r2.dir].map((d) => readFileSync(join(d, 'checkpoints', 'last', f)));
    assert.ok(x.length > 0 && x.equals(y), `${f} differs between two runs of the same seed`);
  }
  assert.deepEqual(r1.summary.final, r2.summary.final);
  // A different seed gives different weights (the comparison above can fail).
  const r3 = train('native', runs, ['--seed', '1']);
  assert.ok(!weights(r3.dir).equals(weights(r1.dir)));
});

test('20,000 training steps on native: tensors and memory stay flat', { skip, timeout: 120_000 }, async (t) => {
  await selectBackend('native');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const rng = new Rng(5);
  const [n, d, batch, batches] = [2, 8, 16, 8];
  const names = ['a', 'b'].slice(0, n);
  const model = new FusionModel(
    { modalities: names.map((name) => ({ name, inputDim: d, encoder: { type: 'mlp' as const, hidden: [8], outDim: 8 } })), numClasses: 3, fusion: { type: 'concat', hidden: [8] } },
    rng.fork(),
  );
  assert.equal(model.trainable.reduce((a, v) => a + v.size, 0), 451);
  const opt = new Adam(model.params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4 });
  const data = Array.from({ length: batches }, () => ({
    xs: Object.fromEntries(names.map((m) => [m, tf.tensor2d(rng.normals(batch * d), [batch, d])])) as Record<string, tf.Tensor2D>,
    y: tf.tensor1d(Array.from({ length: batch }, () => rng.int(3)), 'int32'),
  }));
  const steps = (count: number, from: number) => {
    let loss = 0;
    for (let s = from; s < from + count; s++) {
      const { xs, y } = data[s % batches];
      const stats = trainStep({ model, opt, xs, y, lr: 1e-3, trainable: model.trainable });
      if (s % 1000 === 999) loss = stats.dataSync()[0] / batch;
      stats.dispose();
      if (s % 1000 === 999) gc(); // keeps garbage tensor data from setting the high-water mark (see below)
    }
    return loss;
  };
  // Warm-up: tfjs's and the addon's first allocations, V8's code, the malloc arena reaching its size.
  steps(1000, 0);
  const sample = () => {
    gc();
    const m = process.memoryUsage();
    return { tensors: tf.memory().numTensors, rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers };
  };
  const m0 = sample();
  const started = Date.now();
  const loss = steps(19_000, 1000);
  const m1 = sample();
  const mib = (x: number) => (x / 2 ** 20).toFixed(1);
  t.diagnostic(
    `19,000 steps in ${((Date.now() - started) / 1000).toFixed(1)} s; numTensors ${m0.tensors} → ${m1.tensors}; RSS ${mib(m0.rss)} → ${mib(m1.rss)} MiB, ` +
      `live ArrayBuffers ${mib(m0.arrayBuffers)} → ${mib(m1.arrayBuffers)} MiB; V8 heap in use ${mib(m0.heapUsed)} → ${mib(m1.heapUsed)} MiB`,
  );
  assert.ok(Number.isFinite(loss));
  assert.equal(m1.tensors, m0.tensors, 'numTensors after the warm-up equals numTensors at the end');
  // The model has 451 parameters; a step's kernel outputs are ~60 Float32Arrays of at most 16×16
  // floats, ~30 KiB in all. Keeping even one 16×8 output (512 bytes) a step would add 9.3 MiB over
  // 19,000 steps; keeping a step's outputs, ~560 MiB.
  // - Tensor data kept alive shows in the live ArrayBuffers after a collection: at most 1 MiB more.
  // - Other JS objects kept alive show in the V8 heap in use after a collection: at most 4 MiB more.
  // - Leaks in C (the addon, OpenBLAS) show in RSS only. RSS also holds the highest pile of garbage
  //   tensor data there has been between two collections, as the addon keeps freed blocks in the
  //   malloc arena (mallopt M_TRIM_THRESHOLD, native/addon.cc): with the full collection every 1000
  //   steps above, up to 1000 × 30 KiB ≈ 30 MiB in principle; a flat process grew by 3–10 MiB here
  //   (and by up to 65 MiB with no forced collections). 32 MiB fails a C leak of 1.7 KiB a step,
  //   ~30 bytes for each of a step's ~60 native calls.
  assert.ok(m1.arrayBuffers - m0.arrayBuffers < 2 ** 20, `live ArrayBuffers grew by ${mib(m1.arrayBuffers - m0.arrayBuffers)} MiB`);
  assert.ok(m1.heapUsed - m0.heapUsed < 4 * 2 ** 20, `V8 heap in use grew by ${mib(m1.heapUsed - m0.heapUsed)} MiB`);
  assert.ok(m1.rss - m0.rss < 32 * 2 ** 20, `RSS grew by ${mib(m1.rss - m0.rss)} MiB`);
  for (const { xs, y } of data) tf.dispose([...Object.values(xs), y]);
  opt.dispose();
  model.dispose();
  await selectBackend('wasm');
});

test('MMC_NATIVE=off: --backend auto trains on wasm, and --backend native exits 2 with one line', () => {
  const bench = mmc(['bench', '--steps', '2', '--warmup', '1', '--batch', '8', '--backend', 'auto', '--json'], { MMC_NATIVE: 'off' });
  assert.equal(bench.code, 0, bench.stderr);
  assert.equal(JSON.parse(bench.stdout).mmc.backend, 'wasm');
  assert.doesNotMatch(bench.stderr, /running on wasm, the slower backend/, 'MMC_NATIVE=off is asked for, so no hint');
  const runs = tmp();
  const off = mmc(['train', '--config', QUICK_CONFIG, '--runs-dir', runs, '--backend', 'auto', '--json', '-q'], { MMC_NATIVE: 'off' });
  assert.equal(off.code, 0, off.stderr);
  const env = JSON.parse(readFileSync(join(JSON.parse(off.stdout).run, 'env.json'), 'utf8'));
  assert.equal(env.backend.name, 'wasm');
  assert.equal(env.backend.requested, 'auto');
  assert.ok(env.backend.skipped.some((s: { package: string; error: string }) => s.package.startsWith('mmc native') && s.error === 'MMC_NATIVE=off'));
  const refused = mmc(['train', '--config', QUICK_CONFIG, '--runs-dir', runs, '--backend', 'native'], { MMC_NATIVE: 'off' });
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /^mmc: error: backend "native" is not available: MMC_NATIVE=off; .*or use --backend wasm\.\n$/);
  assert.equal(refused.stderr.trimEnd().split('\n').length, 1, `one line: ${refused.stderr}`);
});

test('where native is available, --backend auto picks it', { skip }, () => {
  const { dir } = train('auto', tmp());
  const env = JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8'));
  assert.equal(env.backend.requested, 'auto');
  assert.equal(env.backend.name, 'native');
});

test('a machine without OpenBLAS: auto trains on wasm and says once, in one line, why and how to get the native path', () => {
  // MMC_OPENBLAS names the library to load; a path that does not exist is a machine without it.
  const env = { MMC_OPENBLAS: '/nonexistent/libopenblas.so.0', MMC_NATIVE_HINTED: '' };
  const runs = tmp();
  const t = mmc(['train', '--config', QUICK_CONFIG, '--runs-dir', runs, '--json', '-q'], env);
  assert.equal(t.code, 0, t.stderr);
  const hints = t.stderr.split('\n').filter((l) => l.includes('running on wasm'));
  assert.equal(hints.length, 1, t.stderr);
  assert.match(hints[0], /^mmc: running on wasm, the slower backend: OpenBLAS not found \(cannot load \/nonexistent\/libopenblas\.so\.0: .*\); for the native backend install OpenBLAS \(Debian\/Ubuntu: apt-get install libopenblas0\)/);
  const envJson = JSON.parse(readFileSync(join(JSON.parse(t.stdout).run, 'env.json'), 'utf8'));
  assert.equal(envJson.backend.name, 'wasm');
  assert.equal(envJson.backend.native, undefined);
  // A sweep's workers inherit the mark and stay quiet.
  const quiet = mmc(['train', '--config', QUICK_CONFIG, '--runs-dir', runs, '--json', '-q'], { ...env, MMC_NATIVE_HINTED: '1' });
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /running on wasm/);
  // --threads is checked like any other number.
  const bad = mmc(['train', '--config', QUICK_CONFIG, '--runs-dir', runs, '--threads', '0'], env);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, 'mmc: error: --threads 0: expected a whole number from 1 to 256\n');
});

test('without a compiler npm ci still succeeds: the addon build says why and exits 0 (exit 1 only with --strict)', () => {
  const build = (args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-native.mjs'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, CXX: '/nonexistent/g++' } });
  const soft = build([]);
  assert.equal(soft.status, 0, soft.stderr);
  assert.match(soft.stderr, /^mmc: native addon not built: \/nonexistent\/g\+\+ failed .*mmc runs on the wasm backend; see docs\/backends\.md/m);
  const strict = build(['--strict']);
  assert.equal(strict.status, 1);
});

test('--threads 2 on native: env.json says two BLAS threads ran, and which kernels', { skip }, () => {
  const runs = tmp();
  const t = mmc(['train', '--config', QUICK_CONFIG, '--runs-dir', runs, '--backend', 'native', '--threads', '2', '--json', '-q']);
  assert.equal(t.code, 0, t.stderr);
  const env = JSON.parse(readFileSync(join(JSON.parse(t.stdout).run, 'env.json'), 'utf8'));
  assert.equal(env.backend.native.threads, 2);
  assert.match(env.backend.native.blas_config, /^OpenBLAS \d/);
  assert.equal(typeof env.backend.native.blas_core, 'string');
});

test('a reference BLAS (no openblas_get_corename) is refused with the reason', { skip }, () => {
  // A stand-in library that has cblas_sgemm but is not OpenBLAS, built here with the compiler
  // that built the addon.
  const dir = tmp();
  writeFileSync(join(dir, 'fake.cc'), 'extern "C" void cblas_sgemm() {}\n');
  const cc = spawnSync(process.env.CXX || 'g++', ['-shared', '-fPIC', '-o', join(dir, 'libfakeblas.so'), join(dir, 'fake.cc')], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const r = mmc(['train', '--config', QUICK_CONFIG, '--runs-dir', dir, '--backend', 'native'], { MMC_OPENBLAS: join(dir, 'libfakeblas.so') });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^mmc: error: backend "native" is not available: OpenBLAS not found \(.*libfakeblas\.so is not OpenBLAS \(openblas_get_corename missing\); a reference BLAS is slower than the wasm backend\)/);
});

test('bench --reference, where the machine sets OPENBLAS_L2_SIZE: the ratio with it and again with it unset', { skip }, () => {
  const r = mmc(['bench', '--backend', 'native', '--steps', '2', '--warmup', '1', '--batch', '16', '--reference', '--json'], { OPENBLAS_L2_SIZE: '524288' });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.blas_env, { OPENBLAS_L2_SIZE: '524288' });
  assert.equal(out.mmc.backend, 'native');
  assert.equal(out.blas.threads, 1);
  assert.equal(out.unset.mmc.backend, 'native');
  assert.equal(out.unset.reference.length, 2);
  assert.ok(out.ratio > 0 && out.unset.ratio > 0);
});

test("loading native leaves the process's OPENBLAS_CORETYPE as it was, so child processes see the user's setting", { skip }, () => {
  const addonJs = join(REPO_ROOT, 'dist', 'src', 'native', 'addon.js');
  const script = `const { loadNative } = await import(${JSON.stringify(addonJs)}); const { info } = loadNative(1); console.log(JSON.stringify({ after: process.env.OPENBLAS_CORETYPE ?? null, ran: info.coretype }));`;
  const load = (coretype: string | undefined) => {
    const env = { ...process.env, OPENBLAS_CORETYPE: coretype };
    if (coretype === undefined) delete env.OPENBLAS_CORETYPE;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { after: string | null; ran: { value: string | null; source: string } };
  };
  const unset = load(undefined);
  assert.equal(unset.after, null, `mmc chose ${unset.ran.value} for the load only`);
  assert.ok(unset.ran.source === 'mmc' || unset.ran.source === 'openblas');
  // Haswell kernels run on every AVX2 CPU, so this holds on any machine the suite runs on.
  assert.deepEqual(load('Haswell'), { after: 'Haswell', ran: { value: 'Haswell', source: 'environment' } });
});
