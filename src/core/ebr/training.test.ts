import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { quickConfig, tinyEbr, useBackend } from '../../test-support.js';
import { adversarialTerm } from './adversary.js';
import { ebrLoss } from './training.js';

before(() => useBackend('wasm'));

test('the EBR term of a step: nothing in the off blocks; in the on blocks the adversarial term at the epoch’s λ, on what the samples have', async () => {
  const { model, xs, dispose } = await tinyEbr({ modalities: 2, n: 4, seed: 61 });
  const e = quickConfig(['ebr.alternate_k=1', 'ebr.form=confusion', 'ebr.lambda=2', 'ebr.schedule.type=ramp', 'ebr.schedule.epochs=4']).ebr;
  const loss = ebrLoss(model, e);
  tf.tidy(() => {
    const out = model.forward(xs);
    const idx = tf.tensor1d([0, 1, 2, 3], 'int32');
    const observed = { b: tf.tensor2d([[1], [0], [1], [1]]) };
    assert.equal(loss(out, idx, 0, observed), null); // epoch 0: the first block of K = 1 is L_sem only
    const want = adversarialTerm(model, out.g!, 'confusion', 2 * (2 / 4), observed).dataSync()[0]; // epoch 1 on a ramp over 4: λ·2/4
    assert.ok(Math.abs(loss(out, idx, 1, observed)!.dataSync()[0] - want) < 1e-6);
  });
  dispose();
});
