// Attention fusion (core/attention.ts): masking of absent modalities, the protocols, modality
// order, EBR, memory, and the size count that limits.ts uses. Gradients: model.test.ts's float64 oracle.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { attentionParams } from '../config/limits.js';
import { tinyEbr, useBackend } from '../test-support.js';
import { Adam } from './adam.js';
import { trainStep } from './fit.js';
import { FusionModel, type AttentionSpec, type ModelSpec } from './model.js';
import { Rng } from './rng.js';

before(() => useBackend('wasm'));

const ATT: AttentionSpec = { dModel: 6, layers: 2, heads: 3, ffDim: 7, norm: 'pre' };
// a: 4-wide features, b: 6-wide (d_model: no projection), c: 5-wide.
const MODS = [
  { name: 'a', inputDim: 3, encoder: { type: 'mlp' as const, hidden: [5], outDim: 4 } },
  { name: 'b', inputDim: 2, encoder: { type: 'mlp' as const, hidden: [5], outDim: 6 } },
  { name: 'c', inputDim: 4, encoder: { type: 'mlp' as const, hidden: [5], outDim: 5 } },
];
const spec = (names = ['a', 'b', 'c'], att: AttentionSpec = ATT): ModelSpec => ({
  modalities: names.map((n) => MODS.find((m) => m.name === n)!),
  numClasses: 3,
  fusion: { type: 'attention', hidden: [5], attention: att },
});

const N = 6;
function inputs(seed: number, names = ['a', 'b', 'c']): Record<string, tf.Tensor2D> {
  const rng = new Rng(seed);
  return Object.fromEntries(names.map((n) => [n, tf.tensor2d(rng.normals(N * MODS.find((m) => m.name === n)!.inputDim), [N, MODS.find((m) => m.name === n)!.inputDim])]));
}
const col = (v: number[]) => tf.tensor2d(v, [v.length, 1]);
const bytes = (t: tf.Tensor) => Buffer.from((t.dataSync() as Float32Array).buffer).toString('hex');
const close = (a: tf.Tensor, b: tf.Tensor, tol: number, what: string) => {
  const x = a.dataSync();
  const y = b.dataSync();
  assert.equal(x.length, y.length, what);
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i] - y[i]) <= tol, `${what}[${i}]: ${x[i]} vs ${y[i]}`);
};

/** A model whose biases, embeddings and layer norms are drawn away from their initial values (no idle ReLU, no trivial norm). */
async function drawn(s: ModelSpec, seed: number): Promise<FusionModel> {
  const model = new FusionModel(s, new Rng(seed));
  const rng = new Rng(seed + 1000);
  model.setWeights((await model.weightValues()).map((w) => (/(bias|beta|gamma)$/.test(w.name) ? { ...w, data: rng.normals(w.data.length, 0.3).map((v) => v + (w.name.endsWith('gamma') ? 1 : 0)) } : w)));
  return model;
}

test('an absent modality’s input does not change the output at all: any junk (NaN and ±Inf included) gives the same bytes', async () => {
  const model = await drawn(spec(), 1);
  tf.tidy(() => {
    const xs = inputs(2);
    // Rows: 0 all present; 1 b absent; 2 a and c absent; 3 all absent; 4 c absent; 5 a absent.
    const presence = { a: col([1, 1, 0, 0, 1, 0]), b: col([1, 0, 1, 0, 1, 1]), c: col([1, 1, 0, 0, 0, 1]) };
    const junk = (t: tf.Tensor2D, p: tf.Tensor2D, v: tf.Tensor) => tf.where(tf.greater(p, 0), t, tf.broadcastTo(v, t.shape)) as tf.Tensor2D;
    const one = { a: junk(xs.a, presence.a, tf.scalar(1e6)), b: junk(xs.b, presence.b, tf.scalar(-123.25)), c: junk(xs.c, presence.c, tf.randomNormal(xs.c.shape, 0, 50, 'float32', 3)) };
    const two = { a: junk(xs.a, presence.a, tf.scalar(NaN)), b: junk(xs.b, presence.b, tf.scalar(Infinity)), c: junk(xs.c, presence.c, tf.scalar(-Infinity)) };
    const o1 = model.forward(one, { presence });
    const o2 = model.forward(two, { presence });
    assert.equal(bytes(o1.logits), bytes(o2.logits));
    assert.equal(bytes(o1.pooled!), bytes(o2.pooled!));
    assert.equal(bytes(o1.logits), bytes(model.forward(xs, { presence }).logits));
    const logits = o1.logits.arraySync() as number[][];
    assert.ok(logits.flat().every(Number.isFinite), 'finite everywhere');
    // All absent (row 3): the pooled vector is zero, and the head gives what it gives for zeros.
    assert.deepEqual((o1.pooled!.arraySync() as number[][])[3], [0, 0, 0, 0, 0, 0]);
    // Masked is not zero-filled: a present zero row (the mean protocol with a zero fill row) is a token, and changes the output.
    const zeroToken = model.forward(xs, { presence, fill: { b: tf.zeros([1, 6]) } });
    assert.notDeepEqual((zeroToken.logits.arraySync() as number[][])[1], logits[1]);
  });
  model.dispose();
});

test('all but one modality absent: the output is that of a one-modality model with the same weights', async () => {
  const full = await drawn(spec(), 4);
  const weights = await full.weightValues();
  for (const only of ['a', 'b', 'c']) {
    const alone = new FusionModel(spec([only]), new Rng(99));
    alone.setWeights(weights); // by name: its encoder, token map, embedding, blocks and head
    tf.tidy(() => {
      const xs = inputs(5);
      const presence = Object.fromEntries(['a', 'b', 'c'].filter((m) => m !== only).map((m) => [m, tf.zeros([N, 1])])) as Record<string, tf.Tensor2D>;
      const masked = full.forward(xs, { presence });
      const single = alone.forward({ [only]: xs[only] });
      // Byte for byte: the masked keys' weights are exactly 0 and the pool divides by 1.
      assert.equal(bytes(masked.logits), bytes(single.logits), `only ${only}`);
      assert.equal(bytes(masked.pooled!), bytes(single.pooled!), `only ${only}, pooled`);
    });
    alone.dispose();
  }
  full.dispose();
});

test('modality order: permuting the modalities changes the output only by float32 rounding (sums over tokens in another order); swapping two embeddings does change it', async () => {
  const abc = await drawn(spec(), 6);
  const weights = await abc.weightValues();
  const cab = new FusionModel(spec(['c', 'a', 'b']), new Rng(7));
  cab.setWeights(weights);
  tf.tidy(() => {
    const xs = inputs(8);
    const presence = { a: col([1, 0, 1, 1, 0, 1]), c: col([1, 1, 0, 1, 0, 1]) };
    close(abc.forward(xs).logits, cab.forward(xs).logits, 1e-6, 'all present');
    close(abc.forward(xs, { presence }).logits, cab.forward(xs, { presence }).logits, 1e-6, 'some absent');
  });
  // Embeddings identify the modalities: with a's and b's embeddings swapped it is another model.
  const swapped = new FusionModel(spec(), new Rng(7));
  const ea = weights.find((w) => w.name === 'fusion/embed/a')!;
  const eb = weights.find((w) => w.name === 'fusion/embed/b')!;
  swapped.setWeights(weights.map((w) => (w === ea ? { ...w, data: eb.data } : w === eb ? { ...w, data: ea.data } : w)));
  tf.tidy(() => {
    const xs = inputs(8);
    assert.notDeepEqual(Array.from(abc.forward(xs).logits.dataSync()), Array.from(swapped.forward(xs).logits.dataSync()));
  });
  [abc, cab, swapped].forEach((m) => m.dispose());
});

test('mean protocol: the fill row is the absent modality’s token (as if present with those features)', async () => {
  const model = await drawn(spec(), 9);
  tf.tidy(() => {
    const xs = inputs(10);
    const fill = { b: tf.tensor2d([[0.5, -1, 2, 0, 1, 3]]) };
    const presence = { b: col([1, 0, 0, 1, 1, 0]) };
    const out = model.forward(xs, { presence, fill });
    const f = model.encode(xs);
    const replaced = tf.add(tf.mul(f.b, presence.b), tf.mul(fill.b, tf.sub(1, presence.b))) as tf.Tensor2D;
    assert.equal(bytes(out.logits), bytes(model.fuse({ ...f, b: replaced }).logits));
  });
  model.dispose();
});

test('post-norm and a single head build and run; heads must divide d_model', () => {
  const post = new FusionModel(spec(['a', 'c'], { dModel: 4, layers: 1, heads: 1, ffDim: 3, norm: 'post' }), new Rng(1));
  assert.equal(post.params.has('fusion/norm/gamma'), false, 'post-norm has no final norm');
  tf.tidy(() => assert.deepEqual(post.forward(inputs(1, ['a', 'c'])).logits.shape, [N, 3]));
  post.dispose();
  assert.throws(() => new FusionModel(spec(['a'], { ...ATT, heads: 4 }), new Rng(1)), /attention fusion: 4 heads do not divide d_model 6/);
  assert.throws(() => new FusionModel({ ...spec(['a']), fusion: { type: 'attention', hidden: [5] } }, new Rng(1)), /attention fusion needs spec\.fusion\.attention/);
});

test('limits.ts counts the parameters the model has (projections only where the width differs; pre-norm’s final norm)', () => {
  for (const att of [ATT, { ...ATT, norm: 'post' as const, layers: 1, dModel: 5, heads: 5 }, { ...ATT, dModel: 8, heads: 2 }]) {
    const model = new FusionModel(spec(['a', 'b', 'c'], att), new Rng(1));
    const fusion = [...model.params].filter(([n]) => n.startsWith('fusion/')).reduce((s, [, v]) => s + v.size, 0);
    assert.equal(attentionParams([4, 6, 5], att), fusion, JSON.stringify(att));
    model.dispose();
  }
});

test('EBR: the tokens are h⁻¹(g); a substituted modality is a present token h_m⁻¹(g_k), one with no stand-in is masked', async () => {
  const { model, xs, dispose } = await tinyEbr({ modalities: 3, n: 4, seed: 31, fusion: 'attention' });
  tf.tidy(() => {
    // a absent in rows 0–2; its order is [b]. b absent in rows 1, 2 → rows 1, 2 have no stand-in for a.
    const presence = { a: col([0, 0, 0, 1]), b: col([1, 0, 0, 1]) };
    const out = model.forward(xs, { presence, substitute: { a: ['b'] } });
    const full = model.forward(xs);
    const r = model.headInputs(xs);
    const seenA = tf.add(tf.mul(model.fromG('a', full.g!.b), col([1, 0, 0, 0])), tf.mul(r.a, col([0, 0, 0, 1]))) as tf.Tensor2D;
    const expect = model.fuse({ ...r, a: seenA }, { presence: { a: col([1, 0, 0, 1]), b: presence.b } });
    assert.equal(bytes(out.logits), bytes(expect.logits));
    // The stand-in differs from masking a: row 0 with a masked instead.
    const masked = model.fuse(r, { presence });
    assert.notDeepEqual((masked.logits.arraySync() as number[][])[0], (out.logits.arraySync() as number[][])[0]);
  });
  dispose();
});

test('training steps with masks leave numTensors flat, and the loss falls', async () => {
  const model = await drawn(spec(), 12);
  const opt = new Adam(model.params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
  const xs = inputs(13);
  const y = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
  const presence = { a: col([1, 0, 1, 0, 1, 1]), b: col([1, 1, 0, 0, 1, 1]), c: col([0, 1, 1, 0, 1, 1]) };
  const before = tf.memory().numTensors;
  const losses: number[] = [];
  for (let i = 0; i < 30; i++) {
    const stats = trainStep({ model, opt, xs, y, lr: 0.01, presence });
    losses.push(stats.dataSync()[0] / N);
    stats.dispose();
    assert.equal(tf.memory().numTensors, before, `step ${i}`);
  }
  assert.ok(losses[29] < losses[0] * 0.5, `loss ${losses[0]} → ${losses[29]}`);
  tf.dispose([...Object.values(xs), y, ...Object.values(presence)]);
  model.dispose();
  opt.dispose();
});
