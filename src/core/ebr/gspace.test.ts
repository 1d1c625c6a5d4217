// The g-space report (L_md, ψ's accuracy, pairwise cosine) and the similarity ranking, against a
// float64 recomputation from the model's g and ψ logits that keeps present samples only.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { tinyEbr, useBackend } from '../../test-support.js';
import { gSpaceReport, similarityRanking } from './gspace.js';
import type { FusionModel } from '../model.js';

before(() => useBackend('wasm'));

type Present = Record<string, number[]>;

/** L_md (mean over modalities of ψ's CE over that modality's present rows), ψ's accuracy over present (row, modality) pairs, cosine over rows with both. */
function oracle(model: FusionModel, xs: Record<string, tf.Tensor2D>, present: Present) {
  const names = model.modalityNames;
  const { g, logits } = tf.tidy(() => {
    const gt = model.forward(xs).g!;
    return {
      g: Object.fromEntries(names.map((m) => [m, gt[m].arraySync()])) as Record<string, number[][]>,
      logits: Object.fromEntries(names.map((m) => [m, model.discriminate(gt[m]).arraySync()])) as Record<string, number[][]>,
    };
  });
  const has = (m: string, i: number) => !present[m] || present[m][i] === 1;
  const perModality: number[] = [];
  let correct = 0;
  let count = 0;
  names.forEach((m, k) => {
    const ces: number[] = [];
    logits[m].forEach((z, i) => {
      if (!has(m, i)) return;
      const max = Math.max(...z);
      const lse = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0));
      ces.push(lse - z[k]);
      correct += z.indexOf(max) === k ? 1 : 0;
      count += 1;
    });
    if (ces.length) perModality.push(ces.reduce((a, b) => a + b, 0) / ces.length);
  });
  const cos: Record<string, number> = {};
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0) + 1e-8);
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      const [p, q] = [names[a], names[b]];
      const cs = g[p].flatMap((u, i) => (has(p, i) && has(q, i) ? [u.reduce((s, x, j) => s + x * g[q][i][j], 0) / (norm(u) * norm(g[q][i]))] : []));
      if (cs.length) cos[`${p}~${q}`] = cs.reduce((s, x) => s + x, 0) / cs.length;
    }
  }
  return { l_md: perModality.reduce((a, b) => a + b, 0) / perModality.length, disc_acc: correct / count, g_cosine: cos };
}

function split(xs: Record<string, tf.Tensor2D>, n: number, present: Present) {
  const y = Array.from({ length: n }, (_, i) => i % 3);
  return { n, x: xs, y: tf.tensor1d(y, 'int32'), yArray: Int32Array.from(y), present: Object.fromEntries(Object.entries(present).map(([m, p]) => [m, Float32Array.from(p)])) };
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-5, `${what}: ${a} vs ${b}`);

test('gSpaceReport counts present samples only: per modality for L_md and ψ, both present for the cosine', async () => {
  const { model, xs, dispose } = await tinyEbr({ modalities: 3, n: 6, seed: 41 });
  const present = { b: [1, 0, 1, 1, 0, 1], c: [0, 0, 1, 1, 1, 1] };
  const s = split(xs, 6, present);
  const start = tf.memory().numTensors;
  const r = await gSpaceReport(model, s, 4); // batches of 4 and 2
  assert.equal(tf.memory().numTensors, start);
  const want = oracle(model, xs, present);
  close(r.l_md, want.l_md, 'l_md');
  close(r.disc_acc, want.disc_acc, 'disc_acc');
  assert.deepEqual(Object.keys(r.g_cosine).sort(), ['a~b', 'a~c', 'b~c']);
  for (const k of Object.keys(want.g_cosine)) close(r.g_cosine[k], want.g_cosine[k], k);
  s.y.dispose();
  dispose();
});

test('a pair never present together has no cosine and ranks last', async () => {
  const { model, xs, dispose } = await tinyEbr({ modalities: 3, n: 4, seed: 42 });
  const present = { b: [1, 1, 0, 0], c: [0, 0, 1, 1] };
  const s = split(xs, 4, present);
  const r = await gSpaceReport(model, s);
  const want = oracle(model, xs, present);
  assert.deepEqual(Object.keys(r.g_cosine).sort(), ['a~b', 'a~c']);
  for (const k of Object.keys(want.g_cosine)) close(r.g_cosine[k], want.g_cosine[k], k);
  const ranking = similarityRanking(model.modalityNames, r.g_cosine);
  assert.deepEqual([ranking.b[1], ranking.c[1]], ['c', 'b']);
  s.y.dispose();
  dispose();
});

test('similarity ranking on a constructed cosine table: most similar first; an unmeasured pair last', () => {
  assert.deepEqual(similarityRanking(['a', 'b', 'c'], { 'a~b': 0.2, 'a~c': 0.9, 'b~c': 0.5 }), { a: ['c', 'b'], b: ['c', 'a'], c: ['a', 'b'] });
  // Either spelling of a pair; b~c unmeasured ranks below a negative cosine.
  assert.deepEqual(similarityRanking(['a', 'b', 'c'], { 'b~a': -0.4, 'a~c': 0.1 }), { a: ['c', 'b'], b: ['a', 'c'], c: ['a', 'b'] });
});
