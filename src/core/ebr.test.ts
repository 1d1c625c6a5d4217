// EBR's adversarial update rules, checked group by group on a tiny model against gradients
// computed separately: ψ descends L_md; f_i, h_i descend L_sem − λ·L_md; h_i⁻¹ and the head L_sem.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../test-support.js';
import { adversarialTerm, discriminationLoss, gradientReversal } from './ebr.js';
import { softmaxCrossEntropy } from './losses.js';
import { FusionModel, type ModelSpec } from './model.js';
import { Rng } from './rng.js';

before(() => useBackend('wasm'));

const spec: ModelSpec = {
  modalities: [
    { name: 'a', inputDim: 5, encoder: { type: 'mlp', hidden: [6], outDim: 4 } },
    { name: 'b', inputDim: 3, encoder: { type: 'mlp', hidden: [6], outDim: 4 } },
  ],
  numClasses: 3,
  fusion: { type: 'concat', hidden: [5] },
  ebr: { gDim: 3, hidden: 4, psiHidden: 5 },
  // The not-vacuous checks below need L_md to reach both encoders on these six samples. With seed 21's
  // torch draw (weights U(±1/√fan_in), smaller than He's) and setup()'s N(0, 0.3) biases, ψ's hidden
  // layer is off for every row of g_b, so b's encoder would get an exactly zero ∇L_md and the rule
  // would be checked on zeros; the He draw keeps those paths live, as the test was written for.
  init: 'he',
};

async function setup() {
  const rng = new Rng(21);
  const model = new FusionModel(spec, rng.fork());
  model.setWeights((await model.weightValues()).map((w) => (w.name.endsWith('bias') ? { ...w, data: rng.normals(w.data.length, 0.3) } : w)));
  const n = 6;
  const xs = { a: tf.tensor2d(rng.normals(n * 5), [n, 5]), b: tf.tensor2d(rng.normals(n * 3), [n, 3]) };
  const y = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
  return { model, xs, y };
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
  const { model, xs, y } = await setup();
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
  tf.dispose([xs.a, xs.b, y]);
  model.dispose();
});

test('confusion form: ψ learns L_md on detached g; f and h get no ψ-descent gradient, only the confusion push', async () => {
  const { model, xs, y } = await setup();
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
  tf.dispose([xs.a, xs.b, y]);
  model.dispose();
});

test('substitution: an absent modality is replaced by h_m⁻¹(g_k) of the substitute', async () => {
  const { model, xs, y } = await setup();
  tf.tidy(() => {
    const presence = { b: tf.tensor2d([[1], [0], [1], [0], [1], [0]]) };
    const sub = model.forward(xs, { presence, substitute: { b: 'a' } });
    const full = model.forward(xs);
    const expected = model.fromG('b', full.g!.a).arraySync();
    const seen = sub.features.b.arraySync();
    const orig = full.features.b.arraySync();
    for (let i = 0; i < 6; i++) assert.deepEqual(seen[i], i % 2 ? expected[i] : orig[i], `row ${i}`);
  });
  tf.dispose([xs.a, xs.b, y]);
  model.dispose();
});
