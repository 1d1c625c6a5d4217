import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../test-support.js';
import { softmaxCrossEntropy } from './losses.js';
import { FusionModel, type AttentionSpec, type FusionType, type ModelSpec } from './model.js';
import { Rng } from './rng.js';

before(() => useBackend('wasm'));

const mlpEnc = { type: 'mlp' as const, hidden: [4], outDim: 3 };
const spec = (type: FusionType): ModelSpec => ({
  modalities: [
    { name: 'a', inputDim: 3, encoder: mlpEnc },
    { name: 'b', inputDim: 2, encoder: mlpEnc },
  ],
  numClasses: 3,
  fusion: { type, hidden: [5] },
});

// ---- An independent float64 implementation of the same network (the oracle). ----
type W = Map<string, { shape: number[]; data: Float64Array }>;
const relu = (v: number) => Math.max(0, v);
function dense(W: W, prefix: string, x: number[], act: boolean): number[] {
  const k = W.get(`${prefix}/kernel`)!;
  const b = W.get(`${prefix}/bias`)!;
  const [n, m] = k.shape;
  const out: number[] = [];
  for (let j = 0; j < m; j++) {
    let s = b.data[j];
    for (let i = 0; i < n; i++) s += x[i] * k.data[i * m + j];
    out.push(act ? relu(s) : s);
  }
  return out;
}
// Attention fusion in float64, one sample: tokens, blocks, mean over present tokens (core/attention.ts).
function layerNormF64(W: W, prefix: string, x: number[]): number[] {
  const mu = x.reduce((a, v) => a + v, 0) / x.length;
  const v = x.reduce((a, xi) => a + (xi - mu) ** 2, 0) / x.length;
  const g = W.get(`${prefix}/gamma`)!.data;
  const b = W.get(`${prefix}/beta`)!.data;
  return x.map((xi, j) => ((xi - mu) / Math.sqrt(v + 1e-5)) * g[j] + b[j]);
}
function attentionF64(W: W, att: AttentionSpec, feats: Record<string, number[]>, keep: Record<string, boolean>): number[] {
  const names = Object.keys(feats);
  const D = att.dModel;
  const dh = D / att.heads;
  let x = names.map((m) => {
    const f = keep[m] ? feats[m] : feats[m].map(() => 0);
    const t = W.has(`fusion/in/${m}/kernel`) ? dense(W, `fusion/in/${m}`, f, false) : f;
    return t.map((v, j) => v + W.get(`fusion/embed/${m}`)!.data[j]);
  });
  const add = (a: number[][], b: number[][]) => a.map((r, i) => r.map((v, j) => v + b[i][j]));
  const mha = (p: string, h: number[][]) => {
    const qkv = h.map((t) => dense(W, `${p}/qkv`, t, false)); // [q | k | v]
    const [q, k, v] = [0, 1, 2].map((part) => qkv.map((t) => t.slice(part * D, (part + 1) * D)));
    const mixed = h.map((_, i) => {
      const out: number[] = [];
      for (let hd = 0; hd < att.heads; hd++) {
        const cols = Array.from({ length: dh }, (_, c) => hd * dh + c);
        const live = names.map((m) => keep[m]);
        const anyLive = live.some(Boolean);
        const s = k.map((kj, j) => (anyLive && !live[j] ? -Infinity : cols.reduce((a, c) => a + q[i][c] * kj[c], 0) / Math.sqrt(dh)));
        const mx = Math.max(...s);
        const e = s.map((sj) => Math.exp(sj - mx));
        const z = e.reduce((a, b) => a + b, 0);
        for (const c of cols) out.push(e.reduce((a, ej, j) => a + (ej / z) * v[j][c], 0));
      }
      return out;
    });
    return mixed.map((t) => dense(W, `${p}/o`, t, false));
  };
  const ffn = (p: string, h: number[][]) => h.map((t) => dense(W, `${p}/ff1`, dense(W, `${p}/ff0`, t, true), false));
  for (let l = 0; l < att.layers; l++) {
    const p = `fusion/layer${l}`;
    const ln = (name: string, h: number[][]) => h.map((t) => layerNormF64(W, `${p}/${name}`, t));
    if (att.norm === 'pre') {
      x = add(x, mha(p, ln('norm1', x)));
      x = add(x, ffn(p, ln('norm2', x)));
    } else {
      x = ln('norm1', add(x, mha(p, x)));
      x = ln('norm2', add(x, ffn(p, x)));
    }
  }
  if (att.norm === 'pre') x = x.map((t) => layerNormF64(W, 'fusion/norm', t));
  const live = x.filter((_, i) => keep[names[i]]);
  return Array.from({ length: D }, (_, j) => live.reduce((a, t) => a + t[j], 0) / Math.max(live.length, 1));
}
function lossF64(W: W, type: FusionType, xs: Record<string, number[][]>, y: number[], att?: AttentionSpec, present?: Record<string, number[]>): number {
  let total = 0;
  for (let r = 0; r < y.length; r++) {
    const feats: Record<string, number[]> = {};
    for (const m of ['a', 'b']) feats[m] = dense(W, `enc/${m}/dense1`, dense(W, `enc/${m}/dense0`, xs[m][r], true), true);
    let logits: number[];
    if (type === 'attention') {
      const keep = { a: (present?.a[r] ?? 1) === 1, b: (present?.b[r] ?? 1) === 1 };
      logits = dense(W, 'head/out', dense(W, 'head/dense0', attentionF64(W, att!, feats, keep), true), false);
    } else if (type === 'late') {
      const per = ['a', 'b'].map((m) => dense(W, `head/${m}/out`, dense(W, `head/${m}/dense0`, feats[m], true), false));
      logits = per[0].map((v, j) => (v + per[1][j]) / 2);
    } else {
      const z = type === 'concat' ? [...feats.a, ...feats.b] : feats.a.map((v, j) => v + feats.b[j]);
      logits = dense(W, 'head/out', dense(W, 'head/dense0', z, true), false);
    }
    const mx = Math.max(...logits);
    const lse = mx + Math.log(logits.reduce((s, v) => s + Math.exp(v - mx), 0));
    total += lse - logits[y[r]];
  }
  return total / y.length;
}

// Attention: two pre-norm blocks, and one post-norm block; both project the 3-wide features to d_model 4.
// With presence masks: row 1 lacks b, row 2 lacks a, row 3 lacks both (its pooled vector is zero).
const ATTENTION: Record<string, AttentionSpec> = { 'attention (pre-norm, 2 blocks)': { dModel: 4, layers: 2, heads: 2, ffDim: 5, norm: 'pre' }, 'attention (post-norm)': { dModel: 4, layers: 1, heads: 2, ffDim: 5, norm: 'post' } };
const PRESENT = { a: [1, 1, 0, 0], b: [1, 0, 1, 0] };
const CASES: { label: string; type: FusionType; att?: AttentionSpec; masked?: boolean }[] = [
  ...(['concat', 'sum', 'late'] as FusionType[]).map((type) => ({ label: type, type })),
  ...Object.entries(ATTENTION).flatMap(([label, att]) => [false, true].map((masked) => ({ label: `${label}${masked ? ', masked' : ''}`, type: 'attention' as FusionType, att, masked }))),
];

for (const { label, type, att, masked } of CASES) {
  test(`${label} fusion: loss and gradients match a float64 oracle (finite differences)`, async () => {
    const model = new FusionModel({ ...spec(type), fusion: { type, hidden: [5], ...(att ? { attention: att } : {}) } }, new Rng(11));
    const rng = new Rng(5);
    // Non-zero biases: with zero biases and dead inputs a pre-activation sits exactly on ReLU's kink,
    // where finite differences and the subgradient legitimately disagree. Layer norms: gains and offsets away from 1 and 0.
    model.setWeights(
      (await model.weightValues()).map((w) =>
        w.name.endsWith('bias') || w.name.endsWith('beta') ? { ...w, data: rng.normals(w.data.length, 0.3) } : w.name.endsWith('gamma') ? { ...w, data: rng.normals(w.data.length, 0.3).map((v) => 1 + v) } : w,
      ),
    );
    const n = 4;
    const xa = Array.from({ length: n }, () => Array.from(rng.normals(3)));
    const xb = Array.from({ length: n }, () => Array.from(rng.normals(2)));
    const y = [0, 2, 1, 2];
    const W: W = new Map((await model.weightValues()).map((w) => [w.name, { shape: w.shape, data: Float64Array.from(w.data) }]));

    const xs = { a: tf.tensor2d(xa), b: tf.tensor2d(xb) };
    const yt = tf.tensor1d(y, 'int32');
    const presence = masked ? { a: tf.tensor2d(PRESENT.a, [n, 1]), b: tf.tensor2d(PRESENT.b, [n, 1]) } : undefined;
    const present = masked ? PRESENT : undefined;
    const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy(model.forward(xs, presence ? { presence } : {}).logits, yt), model.trainable);
    const loss = (await value.data())[0];
    assert.ok(Math.abs(loss - lossF64(W, type, { a: xa, b: xb }, y, att, present)) < 1e-5, 'forward loss');

    const h = 1e-6;
    let checked = 0;
    for (const [name, v] of model.params) {
      const g = (await grads[v.name].data()) as Float32Array;
      const w = W.get(name)!;
      for (let i = 0; i < w.data.length; i++) {
        const orig = w.data[i];
        w.data[i] = orig + h;
        const up = lossF64(W, type, { a: xa, b: xb }, y, att, present);
        w.data[i] = orig - h;
        const down = lossF64(W, type, { a: xa, b: xb }, y, att, present);
        w.data[i] = orig;
        const fd = (up - down) / (2 * h);
        assert.ok(Math.abs(fd - g[i]) < 1e-4 + 1e-3 * Math.abs(fd), `${name}[${i}]: autodiff ${g[i]} vs finite difference ${fd}`);
        checked++;
      }
    }
    assert.ok(checked > 50);
    tf.dispose([value, ...Object.values(grads), xs.a, xs.b, yt, ...Object.values(presence ?? {})]);
    model.dispose();
  });
}

test('absent modalities: zero protocol zeroes features, mean protocol substitutes the fill row', () => {
  const model = new FusionModel(spec('concat'), new Rng(1));
  tf.tidy(() => {
    const xs = { a: tf.randomNormal([2, 3], 0, 1, 'float32', 1) as tf.Tensor2D, b: tf.randomNormal([2, 2], 0, 1, 'float32', 2) as tf.Tensor2D };
    const presence = { b: tf.tensor2d([[1], [0]]) };
    const fill = { b: tf.tensor2d([[0.5, -1, 2]]) };
    const full = model.forward(xs);
    const zero = model.forward(xs, { presence });
    const mean = model.forward(xs, { presence, fill });
    const f = (t: tf.Tensor) => Array.from(t.dataSync());
    assert.deepEqual(f(zero.features.b).slice(0, 3), f(full.features.b).slice(0, 3)); // row 0 present
    assert.deepEqual(f(zero.features.b).slice(3), [0, 0, 0]);
    assert.deepEqual(f(mean.features.b).slice(3), [0.5, -1, 2]);
    assert.deepEqual(f(zero.features.a), f(full.features.a));
    // Changing b's input must not change the output of a row where b is absent.
    const xs2 = { a: xs.a, b: tf.add(xs.b, 10) as tf.Tensor2D };
    assert.deepEqual(f(model.forward(xs2, { presence }).logits).slice(3), f(zero.logits).slice(3));
  });
  model.dispose();
});

test('late fusion, zero protocol: an absent modality leaves the logit average', () => {
  const model = new FusionModel(spec('late'), new Rng(2));
  const onlyA = new FusionModel({ ...spec('late'), modalities: [{ name: 'a', inputDim: 3, encoder: mlpEnc }] }, new Rng(99));
  tf.tidy(() => {
    const xs = { a: tf.randomNormal([3, 3], 0, 1, 'float32', 3) as tf.Tensor2D, b: tf.randomNormal([3, 2], 0, 1, 'float32', 4) as tf.Tensor2D };
    const out = model.forward(xs, { presence: { b: tf.zeros([3, 1]) } }).logits;
    // Expected: a's own head logits alone.
    const feats = model.encode(xs);
    const expect = model.fuse({ a: feats.a, b: feats.b }, { presence: { b: tf.zeros([3, 1]) } }).logits;
    assert.deepEqual(Array.from(out.dataSync()), Array.from(expect.dataSync()));
    const both = model.forward(xs).logits;
    assert.notDeepEqual(Array.from(both.dataSync()), Array.from(out.dataSync()));
  });
  model.dispose();
  onlyA.dispose();
});

test('the same seed gives the same initial weights; shapes follow the spec', async () => {
  const a = new FusionModel(spec('concat'), new Rng(3));
  const b = new FusionModel(spec('concat'), new Rng(3));
  const wa = await a.weightValues();
  const wb = await b.weightValues();
  assert.deepEqual(wa.map((w) => Array.from(w.data)), wb.map((w) => Array.from(w.data)));
  assert.deepEqual(wa.find((w) => w.name === 'head/dense0/kernel')!.shape, [6, 5]); // concat of two 3-d features
  assert.deepEqual(wa.find((w) => w.name === 'head/out/kernel')!.shape, [5, 3]);
  tf.tidy(() => {
    const out = a.forward({ a: tf.zeros([7, 3]), b: tf.zeros([7, 2]) });
    assert.deepEqual(out.fused.shape, [7, 5]);
    assert.deepEqual(out.logits.shape, [7, 3]);
  });
  a.dispose();
  b.dispose();
});
