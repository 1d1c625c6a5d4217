// Readouts from cached encoder outputs are the same bits as encoding again (the cache only skips
// work), across batches, absence protocols, EBR substitution, attention and replaced inputs; no leak.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../test-support.js';
import { presenceMasks } from '../absence.js';
import { FusionModel, type ModelSpec } from '../model.js';
import { Rng } from '../rng.js';
import { disposeEncoded, encodeBatches, encodedArrays, encodedWithout, encoderOutputs, fusedAndProbs, type Readout } from './activations.js';

before(() => useBackend('wasm'));

const SPECS: Record<string, ModelSpec> = {
  concat: {
    modalities: [
      { name: 'a', inputDim: 6, encoder: { type: 'mlp', hidden: [5], outDim: 4 } },
      { name: 'b', inputDim: 3, encoder: { type: 'mlp', hidden: [], outDim: 4 } },
    ],
    numClasses: 3,
    fusion: { type: 'concat', hidden: [7] },
  },
  'concat + EBR': {
    modalities: [
      { name: 'a', inputDim: 6, encoder: { type: 'mlp', hidden: [5], outDim: 4 } },
      { name: 'b', inputDim: 3, encoder: { type: 'mlp', hidden: [], outDim: 4 } },
    ],
    numClasses: 3,
    fusion: { type: 'concat', hidden: [7] },
    ebr: { gDim: 3, hidden: 5, psiHidden: 4 },
  },
  attention: {
    modalities: [
      { name: 'a', inputDim: 6, encoder: { type: 'mlp', hidden: [5], outDim: 4 } },
      { name: 'b', inputDim: 3, encoder: { type: 'mlp', hidden: [], outDim: 4 } },
    ],
    numClasses: 3,
    fusion: { type: 'attention', hidden: [7], attention: { dModel: 4, layers: 1, heads: 2, ffDim: 6, norm: 'pre' } },
  },
};

for (const [label, spec] of Object.entries(SPECS)) {
  test(`${label}: readouts from cached encoder outputs equal encoding again, bit for bit; nothing leaks`, async () => {
    const model = new FusionModel(spec, new Rng(2));
    const n = 50; // 4 batches of 16 (the last one short)
    const batch = 16;
    const r = new Rng(5);
    const xs = { a: tf.tensor2d(r.normals(n * 6), [n, 6]), b: tf.tensor2d(r.normals(n * 3), [n, 3]) };
    const other = { ...xs, a: tf.tensor2d(r.normals(n * 6), [n, 6]) }; // a's input replaced (noise curves, collisions)
    const masks = presenceMasks(n, ['a', 'b'], { modalities: ['a', 'b'], rate: 0.4, seed: 1 });
    const fill = { a: Float32Array.from([0.5, 0, 1, 2]), b: Float32Array.from([1, 1, 0, 0.25]) };
    const readouts: Readout[] = [{}, { masks }, { masks, fill }, { masks: null, pooled: true }, ...(spec.ebr ? [{ masks, substitute: { a: ['b'], b: ['a'] } }] : [])];
    const before = tf.memory().numTensors;
    const encoded = encodeBatches(model, xs, n, batch);
    for (const o of readouts) {
      const plain = await fusedAndProbs(model, xs, n, { ...o, batch });
      const cached = await fusedAndProbs(model, xs, n, { ...o, batch, encoded });
      assert.deepEqual(cached, plain, JSON.stringify(Object.keys(o)));
    }
    // A replaced input: only the other modality's outputs may come from the cache.
    const replaced = await fusedAndProbs(model, other, n, { batch, encoded: encodedWithout(encoded, ['a']) });
    assert.deepEqual(replaced, await fusedAndProbs(model, other, n, { batch }));
    assert.notDeepEqual(replaced.probs, (await fusedAndProbs(model, xs, n, { batch })).probs, 'the replaced input changed the readout');
    assert.deepEqual(await encodedArrays(encoded), await encoderOutputs(model, xs, n, batch));
    await assert.rejects(fusedAndProbs(model, xs, n, { encoded }), /encoder outputs batched by 16, read by 2048/);
    disposeEncoded(encoded);
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([xs.a, xs.b, other.a]);
    model.dispose();
  });
}
