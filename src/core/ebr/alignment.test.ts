import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../../test-support.js';
import { alignmentTerms } from './alignment.js';

before(() => useBackend('wasm'));

test('alignment (extension): weight × the mean over samples with both modalities, by hand', () => {
  tf.tidy(() => {
    const g = { a: tf.tensor2d([[1, 0], [0, 1], [1, 1]]), b: tf.tensor2d([[1, 0], [1, 0], [0, 2]]) };
    const present = { b: tf.tensor2d([[1], [0], [1]]) }; // row 1 lacks b
    const value = (type: 'cosine' | 'mse', p?: typeof present) => alignmentTerms(g, ['a', 'b'], { type, weight: 2 }, p).map((t) => t.dataSync()[0]);
    const close = (got: number[], want: number, what: string) => assert.ok(got.length === 1 && Math.abs(got[0] - want) < 1e-6, `${what}: ${got} vs ${want}`);
    // cosine: rows 0 and 2 → 1 − 1 = 0 and 1 − 2/(√2·2) = 1 − 1/√2.
    close(value('cosine', present), 2 * ((1 - Math.SQRT1_2) / 2), 'cosine, row 1 left out');
    // mse (per sample mean over d = 2): rows 0 and 2 → 0 and (1 + 1)/2; every row: 0, 1, 1.
    close(value('mse', present), 2 * 0.5, 'mse, row 1 left out');
    close(value('mse'), 2 * (2 / 3), 'mse, all present');
  });
});
