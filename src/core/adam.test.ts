import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../test-support.js';
import { Adam } from './adam.js';

before(() => useBackend('wasm'));

test('Adam with decoupled weight decay matches a float64 hand computation over three steps', async () => {
  const p = tf.variable(tf.tensor1d([0.5, -1.0, 2.0]), true, 'adam-test-p');
  const params = new Map([['p', p]]);
  const o = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
  const opt = new Adam(params, o);
  const gradsSeq = [[0.1, -0.2, 0.3], [0.05, 0.4, -0.1], [-0.3, 0.0, 0.2]];
  const lrs = [0.1, 0.05, 0.02];
  // Oracle.
  let w = [0.5, -1.0, 2.0];
  let m = [0, 0, 0];
  let v = [0, 0, 0];
  for (let t = 1; t <= 3; t++) {
    const g = gradsSeq[t - 1];
    const lr = lrs[t - 1];
    m = m.map((mi, i) => o.beta1 * mi + (1 - o.beta1) * g[i]);
    v = v.map((vi, i) => o.beta2 * vi + (1 - o.beta2) * g[i] * g[i]);
    w = w.map((wi, i) => wi - lr * (m[i] / (1 - o.beta1 ** t)) / (Math.sqrt(v[i] / (1 - o.beta2 ** t)) + o.eps) - lr * o.weightDecay * wi);
    const gt = tf.tensor1d(g);
    opt.apply({ [p.name]: gt }, lr);
    gt.dispose();
  }
  const got = Array.from(await p.data());
  got.forEach((x, i) => assert.ok(Math.abs(x - w[i]) < 1e-6, `w[${i}] ${x} vs ${w[i]}`));

  // State round-trips into a fresh optimiser that then takes the identical next step.
  const state = await opt.state();
  const q = tf.variable(p.clone(), true, 'adam-test-q');
  const opt2 = new Adam(new Map([['p', q]]), o);
  opt2.setState(state);
  const g1 = tf.tensor1d([0.1, 0.1, 0.1]);
  opt.apply({ [p.name]: g1 }, 0.01);
  opt2.apply({ [q.name]: g1 }, 0.01);
  assert.deepEqual(Array.from(await p.data()), Array.from(await q.data()));
  tf.dispose([p, q, g1]);
  opt.dispose();
  opt2.dispose();
});

test('subset: a fresh Adam (step 0, zero moments, same options) over the named parameters only', async () => {
  const a = tf.variable(tf.tensor1d([1, 2]), true, 'adam-subset-a');
  const b = tf.variable(tf.tensor1d([3]), true, 'adam-subset-b');
  const o = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };
  const opt = new Adam(new Map([['a', a], ['b', b]]), o);
  const ga = tf.tensor1d([0.5, -0.5]);
  const gb = tf.tensor1d([1]);
  opt.apply({ [a.name]: ga, [b.name]: gb }, 0.1);
  const sub = opt.subset((name) => name === 'b');
  const s = await sub.state();
  assert.equal(s.t, 0);
  assert.deepEqual(s.moments.map((m) => [m.name, Array.from(m.m), Array.from(m.v)]), [['b', [0], [0]]]);
  // Its first step is Adam's first step (with weight decay): w − lr·sign(g) − lr·wd·w, up to eps; a is left alone.
  const aBefore = Array.from(await a.data());
  const w = (await b.data())[0];
  sub.apply({ [a.name]: ga, [b.name]: gb }, 0.1);
  assert.ok(Math.abs((await b.data())[0] - (w - 0.1 - 0.1 * 0.1 * w)) < 1e-6);
  assert.deepEqual(Array.from(await a.data()), aBefore);
  tf.dispose([a, b, ga, gb]);
  opt.dispose();
  sub.dispose();
});
