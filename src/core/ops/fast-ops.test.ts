// mmc's fast kernels and gradient forms against the stock tfjs ones (and the cpu backend, an
// independent implementation), within float32 tolerance.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../backend.js';
import { Adam } from '../adam.js';
import { softmaxCrossEntropy } from '../losses.js';
import { FusionModel, type ModelSpec } from '../model.js';
import { Rng } from '../rng.js';
import { setFastOps } from './dense.js';

before(() => selectBackend('wasm'));
after(() => setFastOps('auto'));

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (1e-3 + Math.abs(b[i])));
  return m;
}

const convSpec: ModelSpec = {
  modalities: [
    { name: 'img', inputDim: 8 * 8 * 2, encoder: { type: 'conv', inputShape: [8, 8, 2], channels: [3, 4], kernelSize: 3, pool: 2, hidden: [5], outDim: 4 } },
    { name: 'vec', inputDim: 6, encoder: { type: 'mlp', hidden: [7], outDim: 4 } },
  ],
  numClasses: 3,
  fusion: { type: 'concat', hidden: [6] },
};

/** Loss and gradients of a model built from one seed, on one backend with fast ops on or off. */
async function lossAndGrads(backend: 'wasm' | 'cpu', fast: 'on' | 'off', spec: ModelSpec, seed = 3) {
  await selectBackend(backend);
  setFastOps(fast);
  const rng = new Rng(seed);
  const model = new FusionModel(spec, rng.fork());
  // Random non-zero biases keep pre-activations off ReLU's kink, where subgradients may differ.
  model.setWeights((await model.weightValues()).map((w) => (w.name.endsWith('bias') ? { ...w, data: rng.normals(w.data.length, 0.2) } : w)));
  const n = 5;
  const xs = Object.fromEntries(spec.modalities.map((m) => [m.name, tf.tensor2d(rng.normals(n * m.inputDim), [n, m.inputDim])])) as Record<string, tf.Tensor2D>;
  const y = tf.tensor1d([0, 1, 2, 1, 0], 'int32');
  const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy(model.forward(xs).logits, y), model.trainable);
  const out: Record<string, Float32Array> = {};
  for (const [name, v] of model.params) out[name] = (await grads[v.name].data()) as Float32Array;
  const loss = (await value.data())[0];
  tf.dispose([value, ...Object.values(grads), ...Object.values(xs), y]);
  model.dispose();
  return { loss, grads: out };
}

/** Loss and every gradient with fast ops on wasm, and stock autodiff on wasm, against stock autodiff on cpu; returns the names checked. */
async function fastAndStockEqualCpu(spec: ModelSpec): Promise<string[]> {
  const fast = await lossAndGrads('wasm', 'on', spec);
  const stockWasm = await lossAndGrads('wasm', 'off', spec);
  const stockCpu = await lossAndGrads('cpu', 'off', spec);
  assert.ok(Math.abs(fast.loss - stockCpu.loss) < 1e-5);
  for (const name of Object.keys(stockCpu.grads)) {
    assert.ok(maxRelDiff(fast.grads[name], stockCpu.grads[name]) < 2e-3, `${name} fast-wasm vs cpu`);
    assert.ok(maxRelDiff(stockWasm.grads[name], stockCpu.grads[name]) < 2e-3, `${name} stock-wasm vs cpu`);
  }
  return Object.keys(stockCpu.grads);
}

test('fast dense and conv gradients on wasm equal stock autodiff on wasm and on cpu', async () => {
  const names = await fastAndStockEqualCpu(convSpec);
  assert.ok(names.some((k) => k.includes('conv1')), 'the conv layers are checked');
});

test('attention fusion (batched matmuls, softmax, layer norm beside the dense op): wasm fast and stock equal cpu', async () => {
  const names = await fastAndStockEqualCpu({ ...convSpec, fusion: { type: 'attention', hidden: [6], attention: { dModel: 6, layers: 2, heads: 2, ffDim: 5, norm: 'pre' } } });
  assert.ok(names.some((k) => k.startsWith('fusion/layer1/')), 'the attention blocks are checked');
});

test('fast gradients match central finite differences of the loss (small conv case)', async () => {
  await selectBackend('wasm');
  setFastOps('on');
  const rng = new Rng(9);
  const model = new FusionModel(convSpec, rng.fork());
  model.setWeights((await model.weightValues()).map((w) => (w.name.endsWith('bias') ? { ...w, data: rng.normals(w.data.length, 0.2) } : w)));
  const n = 4;
  const xs = Object.fromEntries(convSpec.modalities.map((m) => [m.name, tf.tensor2d(rng.normals(n * m.inputDim), [n, m.inputDim])])) as Record<string, tf.Tensor2D>;
  const y = tf.tensor1d([2, 0, 1, 1], 'int32');
  const lossOf = () => tf.tidy(() => softmaxCrossEntropy(model.forward(xs).logits, y).dataSync()[0]);
  const { grads } = tf.variableGrads(() => softmaxCrossEntropy(model.forward(xs).logits, y), model.trainable);
  const h = 1e-2; // float32 loss: a large step keeps rounding error small against the difference
  for (const name of ['enc/img/conv0/kernel', 'enc/img/conv1/kernel', 'enc/img/conv1/bias', 'enc/vec/dense0/kernel', 'head/dense0/kernel']) {
    const v = model.params.get(name)!;
    const g = grads[v.name].dataSync();
    const w0 = v.dataSync().slice();
    for (const i of [0, Math.floor(w0.length / 2), w0.length - 1]) {
      const set = (d: number) => {
        const w = w0.slice();
        w[i] += d;
        v.assign(tf.tensor(w, v.shape));
      };
      set(h);
      const up = lossOf();
      set(-h);
      const down = lossOf();
      set(0);
      const fd = (up - down) / (2 * h);
      assert.ok(Math.abs(fd - g[i]) < 2e-3 + 0.03 * Math.abs(fd), `${name}[${i}]: gradient ${g[i]} vs finite difference ${fd}`);
    }
  }
  tf.dispose([...Object.values(grads), ...Object.values(xs), y]);
  model.dispose();
});

test('wasm Conv2DBackpropFilter (mmc) equals the cpu kernel for same and valid padding', async () => {
  const run = async (backend: 'wasm' | 'cpu', pad: 'same' | 'valid') => {
    await selectBackend(backend);
    return tf.tidy(() => {
      const r = new Rng(4);
      const x = tf.tensor4d(r.normals(2 * 9 * 7 * 3), [2, 9, 7, 3]);
      const w = tf.tensor4d(r.normals(5 * 3 * 3 * 4), [5, 3, 3, 4]);
      return tf.grad((wi: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, wi as tf.Tensor4D, 1, pad))))(w).dataSync();
    });
  };
  for (const pad of ['same', 'valid'] as const) assert.ok(maxRelDiff(await run('wasm', pad), await run('cpu', pad)) < 1e-4, pad);
});

test('wasm MaxPoolGrad (mmc) equals the cpu kernel, ties included', async () => {
  const run = async (backend: 'wasm' | 'cpu', withTies: boolean, size: number) => {
    await selectBackend(backend);
    return tf.tidy(() => {
      const r = new Rng(5);
      const vals = r.normals(2 * 7 * 6 * 3).map((v) => (withTies ? Math.round(v) : v)); // rounding makes many ties
      const x = tf.tensor4d(vals, [2, 7, 6, 3]);
      return tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xi as tf.Tensor4D, size, size, 'valid'), tf.range(1, 1 + 2 * Math.floor(7 / size) * Math.floor(6 / size) * 3).reshape([2, Math.floor(7 / size), Math.floor(6 / size), 3]))))(x).dataSync();
    });
  };
  for (const ties of [false, true]) for (const size of [2, 3]) assert.deepEqual(await run('wasm', ties, size), await run('cpu', ties, size), `ties ${ties} size ${size}`);
  // Overlapping windows go on to wasm's own kernel (valid padding: 3×3 windows, stride 1).
  const overlap = async (backend: 'wasm' | 'cpu') => {
    await selectBackend(backend);
    return tf.tidy(() => tf.grad((xi: tf.Tensor) => tf.sum(tf.maxPool(xi as tf.Tensor4D, 3, 1, 'valid')))(tf.tensor4d(new Rng(1).normals(36), [1, 6, 6, 1])).dataSync());
  };
  assert.deepEqual(await overlap('wasm'), await overlap('cpu'));
});

test('the wasm Adam kernel takes the same steps as the tensor-op Adam', async () => {
  await selectBackend('wasm');
  const states: Float32Array[][] = [];
  for (const mode of ['on', 'off'] as const) {
    setFastOps(mode);
    const p = tf.variable(tf.tensor1d([0.5, -1, 2, 0.25, 3]), true, `adam-fast-${mode}`);
    const opt = new Adam(new Map([['p', p]]), { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 });
    for (let t = 0; t < 4; t++) {
      const g = tf.tensor1d([0.1 * t, -0.2, 0.3, 0.05 * t, -1]);
      opt.apply({ [p.name]: g }, 0.05);
      g.dispose();
    }
    const s = await opt.state();
    states.push([(await p.data()) as Float32Array, s.moments[0].m, s.moments[0].v]);
    p.dispose();
    opt.dispose();
  }
  for (let k = 0; k < 3; k++) assert.ok(maxRelDiff(states[0][k], states[1][k]) < 1e-5, `tensor ${k}`);
});
