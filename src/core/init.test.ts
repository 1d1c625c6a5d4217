import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, test } from 'node:test';
import { configSchema } from '../config/schema.js';
import { useBackend } from '../test-support.js';
import { initLayer, type InitScheme } from './init.js';
import { FusionModel, type ModelSpec } from './model.js';
import { Rng } from './rng.js';

before(() => useBackend('wasm'));

function moments(a: Float32Array): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of a) {
    s += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = s / a.length;
  let ss = 0;
  for (const v of a) ss += (v - mean) ** 2;
  return { mean, std: Math.sqrt(ss / a.length), min, max };
}

// Tolerances from the sample size n (each check is 5 standard errors, or an event of probability
// below e^-25): the sample mean of i.i.d. values with sd σ has standard error σ/√n; the sample sd has
// relative standard error √((κ−1)/4n) with kurtosis κ (1.8 uniform, 3 normal).
function checkUniform(a: Float32Array, bound: number, what: string): void {
  const n = a.length;
  const m = moments(a);
  const sd = bound / Math.sqrt(3);
  assert.ok(Math.abs(m.mean) < (5 * sd) / Math.sqrt(n), `${what}: mean ${m.mean}`);
  assert.ok(Math.abs(m.std / sd - 1) < 5 * Math.sqrt(0.8 / (4 * n)), `${what}: sd ${m.std}, expected ${sd}`);
  // Within the bound (float32 rounding aside), and reaching it: the chance that no value lies within
  // 50/n of the bound on a side is (1 − 25/n)^n ≈ e^-25.
  assert.ok(m.min >= -bound * (1 + 1e-6) && m.max <= bound * (1 + 1e-6), `${what}: [${m.min}, ${m.max}] outside ±${bound}`);
  assert.ok(m.min < -bound * (1 - 50 / n) && m.max > bound * (1 - 50 / n), `${what}: [${m.min}, ${m.max}] does not reach ±${bound}`);
}

function checkNormal(a: Float32Array, sd: number, what: string): void {
  const n = a.length;
  const m = moments(a);
  assert.ok(Math.abs(m.mean) < (5 * sd) / Math.sqrt(n), `${what}: mean ${m.mean}`);
  assert.ok(Math.abs(m.std / sd - 1) < 5 * Math.sqrt(2 / (4 * n)), `${what}: sd ${m.std}, expected ${sd}`);
  // Unbounded: for n = 131,072 the extremes lie near ±4.3 sd; P(beyond 6 sd anywhere) ≈ 2.6e-4.
  assert.ok(m.min > -6 * sd && m.max < 6 * sd, `${what}: [${m.min}, ${m.max}]`);
  assert.ok(m.min < -3.5 * sd && m.max > 3.5 * sd, `${what}: [${m.min}, ${m.max}] too narrow for ${n} normals`);
}

const zeros = (a: Float32Array) => a.every((v) => v === 0);

// A large layer: 256 inputs, 512 outputs (131,072 weights).
const big = { fanIn: 256, fanOut: 512, units: 512 };

test('torch: weights and biases U(±1/√fan_in), as PyTorch nn.Linear (kaiming_uniform, a=√5)', () => {
  const w = initLayer('torch', new Rng(1), { ...big, relu: true });
  checkUniform(w.kernel, 1 / 16, 'kernel');
  assert.equal(w.kernel.length, 256 * 512);
  // Biases: a layer with many units (fan_in 4: bound 1/2).
  const b = initLayer('torch', new Rng(2), { fanIn: 4, fanOut: 50_000, units: 50_000, relu: false });
  checkUniform(b.bias, 0.5, 'bias');
  checkUniform(b.kernel, 0.5, 'kernel (fan_in 4)');
});

test('he: He-normal N(0, 2/fan_in) before a ReLU, LeCun-normal N(0, 1/fan_in) for a linear layer; zero biases', () => {
  const r = initLayer('he', new Rng(3), { ...big, relu: true });
  checkNormal(r.kernel, Math.sqrt(2 / 256), 'relu kernel');
  assert.ok(zeros(r.bias));
  const l = initLayer('he', new Rng(4), { ...big, relu: false });
  checkNormal(l.kernel, Math.sqrt(1 / 256), 'linear kernel');
  assert.ok(zeros(l.bias));
});

test('glorot: weights U(±√(6/(fan_in+fan_out))); zero biases', () => {
  const w = initLayer('glorot', new Rng(5), { ...big, relu: true });
  checkUniform(w.kernel, Math.sqrt(6 / (256 + 512)), 'kernel');
  assert.ok(zeros(w.bias));
  // A conv kernel: fan_in = k·k·cin, fan_out = k·k·cout (5×5, 16 → 64 channels).
  const c = initLayer('glorot', new Rng(6), { fanIn: 25 * 16, fanOut: 25 * 64, units: 64, relu: true });
  checkUniform(c.kernel, Math.sqrt(6 / (25 * 16 + 25 * 64)), 'conv kernel');
});

// ---- In the model: every dense and conv layer, EBR maps and distillation projectors included. ----

const fullSpec = (init?: InitScheme): ModelSpec => ({
  modalities: [
    { name: 'img', inputDim: 64, encoder: { type: 'conv', inputShape: [8, 8, 1], channels: [3, 4], kernelSize: 3, pool: 2, hidden: [5], outDim: 6 } },
    { name: 'b', inputDim: 5, encoder: { type: 'mlp', hidden: [9], outDim: 6 } },
  ],
  numClasses: 4,
  fusion: { type: 'late', hidden: [7] },
  ebr: { gDim: 4, hidden: 5, psiHidden: 3 },
  ...(init ? { init } : {}),
});
const mlpSpec = (init?: InitScheme): ModelSpec => ({
  modalities: [
    { name: 'a', inputDim: 7, encoder: { type: 'mlp', hidden: [16], outDim: 8 } },
    { name: 'b', inputDim: 5, encoder: { type: 'mlp', hidden: [], outDim: 4 } },
  ],
  numClasses: 3,
  fusion: { type: 'concat', hidden: [6] },
  ...(init ? { init } : {}),
});

async function weightsHash(spec: ModelSpec): Promise<string> {
  const m = new FusionModel(spec, new Rng(42));
  m.addAux('kd', 6, 3, new Rng(43));
  const h = createHash('sha256');
  for (const w of await m.weightValues()) {
    h.update(w.name + w.shape.join('x'));
    h.update(Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength));
  }
  m.dispose();
  return h.digest('hex');
}

test('he reproduces the weights of mmc before model.init, byte for byte', async () => {
  // Hashes computed with the same function on the build of commit fbddc8e (He-normal only, no model.init).
  assert.equal(await weightsHash(mlpSpec('he')), 'e3e69fd02bf44808e96e6936c9b38cdc5964a7e5c69eb42947de820ad808d58d');
  assert.equal(await weightsHash(fullSpec('he')), '56ac55b31ee1227ee185f4ebea53626dc21b55804127b541d44f7a58c1813628');
});

/** fan_in and fan_out of a kernel: [in, out] dense, [k, k, cin, cout] conv. */
function fans(shape: number[]): [number, number] {
  if (shape.length === 2) return [shape[0], shape[1]];
  const k2 = shape[0] * shape[1];
  return [k2 * shape[2], k2 * shape[3]];
}

test('every layer of a model (conv, MLP, head, classifier, EBR h, h⁻¹, ψ, aux) follows model.init; absent: torch', async () => {
  const groups = new Set<string>();
  for (const init of ['torch', 'glorot', undefined] as const) {
    const m = new FusionModel(fullSpec(init), new Rng(7));
    m.addAux('kd', 6, 3, new Rng(8));
    const ws = new Map((await m.weightValues()).map((w) => [w.name, w]));
    const kernels = [...ws.keys()].filter((n) => n.endsWith('/kernel'));
    // 2 convs + 2 dense (img), 2 dense (b), 2 late heads + 2 classifiers, h and h⁻¹ (2 layers each, per modality), ψ (2), aux.
    assert.equal(kernels.length, 2 + 2 + 2 + 2 + 2 + 2 * 2 * 2 + 2 + 1);
    for (const k of kernels) {
      groups.add(m.paramGroup(k));
      const w = ws.get(k)!;
      const bias = ws.get(k.replace(/kernel$/, 'bias'))!;
      const [fanIn, fanOut] = fans(w.shape);
      const bound = init === 'glorot' ? Math.sqrt(6 / (fanIn + fanOut)) : 1 / Math.sqrt(fanIn);
      const { min, max } = moments(w.data);
      assert.ok(min >= -bound * (1 + 1e-6) && max <= bound * (1 + 1e-6), `${init} ${k}: [${min}, ${max}] outside ±${bound}`);
      // Drawn at that scale, not near zero: some |w| above bound/4 (the smallest layer, ψ's output, has 6
      // weights: all below by chance with P = 4^-6 ≈ 2e-4; the seed is fixed).
      assert.ok(Math.max(-min, max) > bound / 4, `${init} ${k}: too small`);
      if (init === 'glorot') assert.ok(zeros(bias.data), `${k}: bias not zero`);
      else {
        const b = moments(bias.data);
        assert.ok(b.min >= -1 / Math.sqrt(fanIn) && b.max <= 1 / Math.sqrt(fanIn) && !zeros(bias.data), `${init} ${k}: bias [${b.min}, ${b.max}]`);
      }
    }
    m.dispose();
  }
  assert.deepEqual([...groups].sort(), ['aux', 'encoder', 'h', 'head', 'hinv', 'psi']);
});

test('config: model.init defaults to torch and accepts he and glorot only', () => {
  const base = { dataset: { name: 'synthetic', modalities: [{ name: 'a' }] } };
  assert.equal(configSchema.parse(base).model.init, 'torch');
  assert.equal(configSchema.parse({ ...base, model: { init: 'he' } }).model.init, 'he');
  assert.equal(configSchema.parse({ ...base, model: { init: 'glorot' } }).model.init, 'glorot');
  assert.equal(configSchema.safeParse({ ...base, model: { init: 'xavier' } }).success, false);
});
