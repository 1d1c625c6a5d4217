// EBR's adversarial update rules, checked group by group on a tiny model against gradients
// computed separately: ψ descends L_md; f_i, h_i descend L_sem − λ·L_md; h_i⁻¹ and the head L_sem.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { tinyEbr, useBackend } from '../../test-support.js';
import { softmaxCrossEntropy } from '../losses.js';
import type { FusionModel } from '../model.js';
import { adversarialTerm, discriminationLoss, gradientReversal } from './adversary.js';

before(() => useBackend('wasm'));

async function setup() {
  const t = await tinyEbr({ modalities: 2, n: 6, seed: 21 });
  return { ...t, y: tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32') };
}

type Grads = Record<string, Float32Array>;
function gradsOf(model: FusionModel, f: () => tf.Scalar): Grads {
  const { value, grads } = tf.variableGrads(f, model.trainable);
  const out: Grads = {};
  for (const [name, v] of model.params) out[name] = grads[v.name] ? (grads[v.name].dataSync() as Float32Array) : new Float32Array(v.size);
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

function assertClose(a: Float32Array, b: ArrayLike<number>, what: string) {
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5 + 1e-4 * Math.abs(b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test('gradient reversal: identity forward, −λ × gradient backward', () => {
  const x = tf.tensor2d([[1, -2], [3, 4]]);
  const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(gradientReversal(xi as tf.Tensor2D, 0.5), tf.tensor2d([[1, 2], [3, 4]]))))(x);
  assert.deepEqual(Array.from(gradientReversal(x, 0.5).dataSync()), [1, -2, 3, 4]);
  assert.deepEqual(Array.from(g.dataSync()), [-0.5, -1, -1.5, -2]);
});

test('reversal form: each parameter group gets exactly its rule (sign and scale)', async () => {
  const { model, xs, y, dispose } = await setup();
  const lambda = 0.7;
  const sem = gradsOf(model, () => softmaxCrossEntropy(model.forward(xs).logits, y));
  const md = gradsOf(model, () => discriminationLoss(model, model.forward(xs).g!));
  const total = gradsOf(model, () => {
    const out = model.forward(xs);
    return tf.add(softmaxCrossEntropy(out.logits, y), adversarialTerm(model, out.g!, 'reversal', lambda)) as tf.Scalar;
  });
  const seen = new Set<string>();
  for (const name of model.params.keys()) {
    const group = model.paramGroup(name);
    seen.add(group);
    if (group === 'psi') assertClose(total[name], md[name], `${name} (ψ: ∇L_md)`);
    else if (group === 'encoder' || group === 'h') assertClose(total[name], sem[name].map((v, i) => v - lambda * md[name][i]), `${name} (f, h: ∇L_sem − λ∇L_md)`);
    else assertClose(total[name], sem[name], `${name} (h⁻¹, head: ∇L_sem)`);
  }
  assert.deepEqual([...seen].sort(), ['encoder', 'h', 'head', 'hinv', 'psi']);
  // The rule is not vacuous: L_md really moves ψ, f and h, and L_sem really moves h⁻¹.
  for (const name of ['ebr/psi/dense0/kernel', 'ebr/h/a/dense1/kernel', 'enc/b/dense0/kernel']) assert.ok(md[name].some((v) => Math.abs(v) > 1e-6), name);
  assert.ok(sem['ebr/hinv/a/dense1/kernel'].some((v) => Math.abs(v) > 1e-6));
  y.dispose();
  dispose();
});

test('confusion form: ψ learns L_md on detached g; f and h get no ψ-descent gradient, only the confusion push', async () => {
  const { model, xs, y, dispose } = await setup();
  const md = gradsOf(model, () => discriminationLoss(model, model.forward(xs).g!));
  const adv = gradsOf(model, () => adversarialTerm(model, model.forward(xs).g!, 'confusion', 0.5));
  for (const name of model.params.keys()) {
    const group = model.paramGroup(name);
    if (group === 'psi') assertClose(adv[name], md[name], `${name} (ψ: ∇L_md only)`);
    if (group === 'hinv' || group === 'head') assertClose(adv[name], new Float32Array(adv[name].length), `${name} (untouched)`);
  }
  // f and h move, and not along −∇L_md (that would be the reversal form).
  const h = 'ebr/h/a/dense1/kernel';
  assert.ok(adv[h].some((v) => Math.abs(v) > 1e-6));
  assert.ok(adv[h].some((v, i) => Math.abs(v + 0.5 * md[h][i]) > 1e-6));
  y.dispose();
  dispose();
});

const col = (v: number[]) => tf.tensor2d(v, [v.length, 1]);

/** Per modality, over its present rows: mean CE of ψ on the true label, and mean CE against the uniform distribution. */
function terms(logits: number[][], k: number, present?: number[]) {
  const ce: number[] = [];
  const uni: number[] = [];
  logits.forEach((z, i) => {
    if (present && present[i] === 0) return;
    const max = Math.max(...z);
    const lse = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0));
    ce.push(lse - z[k]);
    uni.push(z.reduce((s, v) => s + (lse - v), 0) / z.length);
  });
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return ce.length ? { ce: mean(ce), uniform: mean(uni) } : null;
}

test('L_md and both adversarial forms count each modality’s present samples only; a modality absent from the batch drops out', async () => {
  const { model, xs, dispose } = await tinyEbr({ modalities: 3, n: 6, seed: 51 });
  const lambda = 0.7;
  for (const p of [{ b: [1, 0, 1, 0, 1, 1], c: [0, 1, 1, 1, 1, 0] }, { b: [0, 0, 0, 0, 0, 0] }] as Record<string, number[]>[]) {
    tf.tidy(() => {
      const g = model.forward(xs).g!;
      const present = Object.fromEntries(Object.entries(p).map(([m, v]) => [m, col(v)]));
      const per = model.modalityNames.map((m, k) => terms(model.discriminate(g[m]).arraySync(), k, p[m])).filter((t) => t !== null);
      const lmd = per.reduce((s, t) => s + t.ce, 0) / per.length;
      const confusion = lmd + (lambda * per.reduce((s, t) => s + t.uniform, 0)) / per.length;
      const check = (what: string, t: tf.Scalar, want: number) => assert.ok(Math.abs(t.dataSync()[0] - want) < 1e-5, `${what} with ${JSON.stringify(p)}: ${t.dataSync()[0]} vs ${want}`);
      check('reversal', adversarialTerm(model, g, 'reversal', lambda, present), lmd);
      check('confusion', adversarialTerm(model, g, 'confusion', lambda, present), confusion);
      check('L_md', discriminationLoss(model, g, present), lmd);
    });
  }
  dispose();
});
