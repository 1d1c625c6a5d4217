import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../test-support.js';
import { cosineLoss, featureMse, kdTerm, lambdaAt, logitKl, projectorName, studentAloneLogits } from './kd.js';
import { FusionModel } from './model.js';
import { Rng } from './rng.js';

before(() => useBackend('wasm'));
const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('feature MSE: mean squared difference over all entries', () => {
  const v = featureMse(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[0, 2], [5, 1]]));
  close(v.dataSync()[0], (1 + 0 + 4 + 9) / 4);
});

test('cosine loss: 1 − cos per row, averaged', () => {
  // Row 1 parallel (cos 1), row 2 orthogonal (cos 0), row 3 opposite (cos −1): mean of 0, 1, 2.
  const v = cosineLoss(tf.tensor2d([[1, 0], [0, 2], [1, 1]]), tf.tensor2d([[3, 0], [1, 0], [-2, -2]]));
  close(v.dataSync()[0], 1);
});

test('logit KL with temperature against a hand computation', () => {
  const zs = [[1, 0, -1]];
  const zt = [[0.5, 0.5, 2]];
  const T = 2;
  const soft = (z: number[]) => {
    const e = z.map((x) => Math.exp(x / T));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
  };
  const ps = soft(zs[0]);
  const pt = soft(zt[0]);
  const kl = pt.reduce((a, p, i) => a + p * Math.log(p / ps[i]), 0);
  close(logitKl(tf.tensor2d(zs), tf.tensor2d(zt), T).dataSync()[0], T * T * kl, 1e-5);
  close(logitKl(tf.tensor2d(zt), tf.tensor2d(zt), T).dataSync()[0], 0, 1e-6);
});

test('KD terms with an observed mask average over the observed samples only (none observed: 0)', () => {
  const a = tf.tensor2d([[1, 2], [3, 4], [0, 0]]);
  const b = tf.tensor2d([[0, 2], [5, 1], [9, 9]]);
  const w = tf.tensor2d([[1], [1], [0]]);
  close(featureMse(a, b, w).dataSync()[0], ((1 + 0) / 2 + (4 + 9) / 2) / 2);
  close(featureMse(a, b, tf.tensor2d([[0], [0], [0]])).dataSync()[0], 0);
  // Row 1 parallel (loss 0), row 2 orthogonal (1), row 3 opposite but not observed.
  close(cosineLoss(tf.tensor2d([[1, 0], [0, 2], [1, 1]]), tf.tensor2d([[3, 0], [1, 0], [-2, -2]]), 1e-8, tf.tensor2d([[1], [1], [0]])).dataSync()[0], 0.5);
  const zs = tf.tensor2d([[1, 0, -1], [0, 0, 0]]);
  const zt = tf.tensor2d([[0.5, 0.5, 2], [5, -5, 0]]);
  close(logitKl(zs, zt, 2, tf.tensor2d([[1], [0]])).dataSync()[0], logitKl(zs.slice([0, 0], [1, 3]), zt.slice([0, 0], [1, 3]), 2).dataSync()[0], 1e-6);
});

test('λ schedules', () => {
  const s = (type: 'constant' | 'warmup' | 'decay') => ({ type, epochs: 4 });
  assert.deepEqual([0, 1, 3, 9].map((e) => lambdaAt(2, s('constant'), e, 10)), [2, 2, 2, 2]);
  assert.deepEqual([0, 1, 3, 9].map((e) => lambdaAt(2, s('warmup'), e, 10)), [0.5, 1, 2, 2]);
  assert.deepEqual([0, 5, 6, 7, 9].map((e) => lambdaAt(2, s('decay'), e, 10)), [2, 2, 1.5, 1, 0]);
});

// A hand-set model: encoders a, b are identity maps (2 → 2, ReLU of non-negative inputs), the fusion
// head one linear layer (no hidden layer), so every term below is a few lines of arithmetic.
function handModel(fusion: 'concat' | 'late') {
  const enc = { type: 'mlp' as const, hidden: [], outDim: 2 };
  const model = new FusionModel({ modalities: [{ name: 'a', inputDim: 2, encoder: enc }, { name: 'b', inputDim: 2, encoder: enc }], numClasses: 3, fusion: { type: fusion, hidden: [] } }, new Rng(1));
  const set = (name: string, values: number[][] | number[]) => tf.tidy(() => model.params.get(name)!.assign(tf.tensor(values.flat(), model.params.get(name)!.shape)));
  for (const m of ['a', 'b']) {
    set(`enc/${m}/dense0/kernel`, [[1, 0], [0, 1]]);
    set(`enc/${m}/dense0/bias`, [0, 0]);
  }
  return { model, set };
}
const xa = [[1, 2], [0, 1]];
const xb = [[3, 1], [2, 0.5]];
const W = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [0.7, -0.8, 0.9], [-1, 1.1, 0.2]]; // rows: a0, a1, b0, b1
const bias = [0.05, -0.1, 0.2];
const T = 2;
const zt = [[1, 0, -1], [0.5, 2, 0]];
const handKl = (zs: number[][]) => {
  const soft = (z: number[]) => {
    const e = z.map((x) => Math.exp(x / T));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
  };
  const kls = zs.map((z, i) => {
    const pt = soft(zt[i]);
    const ps = soft(z);
    return pt.reduce((a, p, k) => a + p * Math.log(p / ps[k]), 0);
  });
  return (T * T * kls.reduce((a, b) => a + b, 0)) / kls.length;
};
const value = (f: () => tf.Scalar) => tf.tidy(() => f().dataSync()[0]);

test('projector none, logit: KL against the model’s own logits with only the student present (concat and late fusion)', () => {
  const { model, set } = handModel('concat');
  set('head/out/kernel', W);
  set('head/out/bias', bias);
  // concat: [0, 0, x_b] · W + c, i.e. x_b · W[b rows] + c.
  const zs = xb.map((x) => bias.map((c, k) => c + x[0] * W[2][k] + x[1] * W[3][k]));
  const xs = () => ({ a: tf.tensor2d(xa), b: tf.tensor2d(xb) });
  tf.tidy(() => {
    const got = studentAloneLogits(model, model.encode(xs()), 'b').arraySync();
    zs.forEach((row, i) => row.forEach((z, k) => close(got[i][k], z, 1e-5)));
  });
  close(value(() => kdTerm(model, model.forward(xs()), { from: 'a', to: 'b' }, tf.tensor2d(zt), { loss: 'logit', projector: 'none', temperature: T })), handKl(zs), 1e-5);
  model.dispose();

  // late: each modality has its own classifier; alone, the logit average is the student's own.
  const late = handModel('late');
  const Wb = [[0.3, -0.1, 0.2], [0.6, 0.4, -0.5]];
  late.set('head/b/out/kernel', Wb);
  late.set('head/b/out/bias', bias);
  const zsLate = xb.map((x) => bias.map((c, k) => c + x[0] * Wb[0][k] + x[1] * Wb[1][k]));
  close(value(() => kdTerm(late.model, late.model.forward(xs()), { from: 'a', to: 'b' }, tf.tensor2d(zt), { loss: 'logit', projector: 'none', temperature: T })), handKl(zsLate), 1e-5);
  late.model.dispose();
});

test('projector none, feature and cosine: the student’s encoder output against the teacher’s feature as it is; linear: through P', () => {
  const { model } = handModel('concat');
  const ft = [[1, 1], [4, -2]];
  const run = (loss: 'feature' | 'cosine', projector: 'linear' | 'none') =>
    value(() => kdTerm(model, model.forward({ a: tf.tensor2d(xa), b: tf.tensor2d(xb) }), { from: 'a', to: 'b' }, tf.tensor2d(ft), { loss, projector, temperature: T }));
  const mse = (p: number[][]) => p.flatMap((r, i) => r.map((v, k) => (v - ft[i][k]) ** 2)).reduce((a, b) => a + b, 0) / 4;
  const cos = (p: number[][]) => p.map((r, i) => 1 - (r[0] * ft[i][0] + r[1] * ft[i][1]) / (Math.hypot(...r) * Math.hypot(...ft[i]))).reduce((a, b) => a + b, 0) / p.length;
  close(run('feature', 'none'), mse(xb), 1e-5); // (0 + 0 + 4 + 6.25) / 4
  close(run('cosine', 'none'), cos(xb), 1e-6);
  // linear: P f_s + b_P with a hand-set P.
  model.addAux(projectorName({ from: 'a', to: 'b' }), 2, 2, new Rng(2));
  const P = [[0.5, -1], [2, 0.25]];
  const bP = [0.1, -0.3];
  tf.tidy(() => {
    model.params.get('aux/kd-b-a/kernel')!.assign(tf.tensor2d(P));
    model.params.get('aux/kd-b-a/bias')!.assign(tf.tensor1d(bP));
  });
  const projected = xb.map((x) => [0, 1].map((k) => bP[k] + x[0] * P[0][k] + x[1] * P[1][k]));
  close(run('feature', 'linear'), mse(projected), 1e-5);
  close(run('cosine', 'linear'), cos(projected), 1e-6);
  model.dispose();
});
