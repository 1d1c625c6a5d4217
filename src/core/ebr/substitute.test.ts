// EBR substitution, decided per sample: where m is absent, h_m⁻¹(g_k) of the first modality k of
// m's order that is present in that sample; where none is, the protocol's fallback (zero or fill).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { tinyEbr, useBackend } from '../../test-support.js';
import { softmaxCrossEntropy } from '../losses.js';
import { predictProbs } from '../predict.js';

before(() => useBackend('wasm'));

const col = (v: number[]) => tf.tensor2d(v, [v.length, 1]);
const rows = (t: tf.Tensor) => t.arraySync() as number[][];

test('two modalities: a sample that lacks both gets no stand-in (zero, or the fill row), one that lacks one gets the other', async () => {
  const { model, xs, dispose } = await tinyEbr({ modalities: 2, n: 4, seed: 21 });
  tf.tidy(() => {
    // rows: 0 a absent, b present; 1 both absent; 2 both present; 3 a present, b absent.
    const presence = { a: col([0, 0, 1, 1]), b: col([1, 0, 1, 0]) };
    const substitute = { a: ['b'], b: ['a'] };
    const full = model.forward(xs);
    const own = { a: rows(full.features.a), b: rows(full.features.b) };
    const aFromB = rows(model.fromG('a', full.g!.b));
    const bFromA = rows(model.fromG('b', full.g!.a));
    const zero = [0, 0, 0, 0];
    const seen = model.forward(xs, { presence, substitute }).features;
    assert.deepEqual(rows(seen.a), [aFromB[0], zero, own.a[2], own.a[3]]);
    assert.deepEqual(rows(seen.b), [own.b[0], zero, own.b[2], bFromA[3]]);
    // Mean protocol as the fallback: the fill rows, only where no stand-in is present.
    const fill = { a: tf.tensor2d([[1, 2, 3, 4]]), b: tf.tensor2d([[5, 6, 7, 8]]) };
    const withFill = model.forward(xs, { presence, substitute, fill }).features;
    assert.deepEqual(rows(withFill.a), [aFromB[0], [1, 2, 3, 4], own.a[2], own.a[3]]);
    assert.deepEqual(rows(withFill.b), [own.b[0], [5, 6, 7, 8], own.b[2], bFromA[3]]);
  });
  dispose();
});

test('three modalities: the first present modality of the order stands in, sample by sample', async () => {
  const { model, xs, dispose } = await tinyEbr({ modalities: 3, n: 4, seed: 22 });
  tf.tidy(() => {
    // a is absent everywhere; its order is b, then c. Row 0: b there; 1: only c; 2: neither; 3: both.
    const presence = { a: col([0, 0, 0, 0]), b: col([1, 0, 0, 1]), c: col([1, 1, 0, 1]) };
    const full = model.forward(xs);
    const fromB = rows(model.fromG('a', full.g!.b));
    const fromC = rows(model.fromG('a', full.g!.c));
    const seen = model.forward(xs, { presence, substitute: { a: ['b', 'c'] } }).features;
    assert.deepEqual(rows(seen.a), [fromB[0], fromC[1], [0, 0, 0, 0], fromB[3]]);
    // b and c have no order: absent means zero, as in the zero protocol.
    assert.deepEqual(rows(seen.b)[1], [0, 0, 0, 0]);
  });
  dispose();
});

test('late fusion: a modality with no stand-in in a sample leaves that sample’s logit average', async () => {
  const { model, xs, dispose } = await tinyEbr({ modalities: 3, n: 2, seed: 23, fusion: 'late' });
  tf.tidy(() => {
    // Row 0: a and b absent, a's order is [b] → nothing stands in; only c's head counts (the zero protocol).
    // Row 1: a absent, b present → b stands in for a, and a's head counts with it.
    const presence = { a: col([0, 0]), b: col([0, 1]) };
    const sub = rows(model.forward(xs, { presence, substitute: { a: ['b'] } }).logits);
    const zero = rows(model.forward(xs, { presence }).logits);
    assert.deepEqual(sub[0], zero[0]);
    assert.notDeepEqual(sub[1], zero[1]);
  });
  dispose();
});

test('training: a sample that lacks m and its substitute k takes nothing from k’s input (no gradient to k’s encoder)', async () => {
  const { model, xs, dispose } = await tinyEbr({ modalities: 2, n: 2, seed: 24 });
  // Row 0 lacks a only (b stands in); row 1 lacks both. The loss is row 1's alone.
  const presence = { a: col([0, 0]), b: col([1, 0]) };
  const y = tf.tensor1d([2], 'int32');
  const { value, grads } = tf.variableGrads(() => {
    const logits = model.forward(xs, { presence, substitute: { a: ['b'], b: ['a'] } }).logits;
    return softmaxCrossEntropy(logits.slice([1, 0], [1, -1]) as tf.Tensor2D, y);
  }, model.trainable);
  const byName = new Map([...model.params].map(([name, v]) => [name, grads[v.name]]));
  for (const [name, g] of byName) {
    if (name.startsWith('enc/') || name.startsWith('ebr/h/')) assert.ok(!g || g.dataSync().every((v) => v === 0), `${name} gets a gradient from an absent sample`);
  }
  assert.ok(byName.get('head/out/bias')!.dataSync().some((v) => v !== 0)); // the loss is not vacuous
  tf.dispose([value, ...Object.values(grads), y, ...Object.values(presence)]);
  dispose();
});

test('evaluation: a naturally absent substitute does not stand in (the split’s presence counts per sample)', async () => {
  const { model, xs, dispose } = await tinyEbr({ modalities: 2, n: 3, seed: 25 });
  // b is naturally absent in row 1; the condition removes a everywhere.
  const split = { n: 3, x: xs, y: tf.tensor1d([0, 1, 2], 'int32'), yArray: Int32Array.from([0, 1, 2]), present: { b: Float32Array.from([1, 0, 1]) } };
  const masks = { a: Float32Array.from([0, 0, 0]) };
  const sub = await predictProbs(model, split, { masks, substitute: { a: ['b'] } });
  const zero = await predictProbs(model, split, { masks });
  const c = model.spec.numClasses;
  assert.deepEqual(Array.from(sub.subarray(c, 2 * c)), Array.from(zero.subarray(c, 2 * c))); // row 1: nothing stands in
  assert.notDeepEqual(Array.from(sub.subarray(0, c)), Array.from(zero.subarray(0, c))); // row 0: b does
  split.y.dispose();
  dispose();
});
