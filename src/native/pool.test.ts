import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../backend.js';
import { autoBackend } from '../test-support.js';
import { BufferPool } from './pool.js';

test('the pool reuses only arrays it handed out, within its limits', () => {
  const pool = new BufferPool(64, 2);
  const a = pool.take(4);
  assert.ok(pool.owns(a));
  const mine = new Float32Array(4);
  pool.give(mine); // never taken: not pooled
  assert.notEqual(pool.take(4), mine);
  pool.give(a);
  assert.equal(pool.pooledBytes, 16);
  pool.give(a); // a second give of the same array is ignored
  assert.equal(pool.pooledBytes, 16);
  assert.equal(pool.take(4), a);
  assert.equal(pool.pooledBytes, 0);
  const big = pool.take(32); // 128 bytes > the 64-byte limit: dropped on give
  pool.give(big);
  assert.equal(pool.pooledBytes, 0);
  const off = new BufferPool(0);
  const b = off.take(2);
  off.give(b);
  assert.notEqual(off.take(2), b, 'a zero-byte pool never reuses');
});

test('native: a value read from a tensor survives the tensor and later kernels that reuse its array', { skip: autoBackend() === 'native' ? false : 'the native backend is not available here' }, async () => {
  await selectBackend('native');
  const before = tf.memory().numTensors;
  const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
  const y = tf.add(x, x); // a native kernel's output: a pooled array
  const sync = y.dataSync();
  const later = await y.data();
  y.dispose();
  // Same-sized outputs now take y's array from the pool and overwrite it.
  for (let i = 0; i < 4; i++) tf.tidy(() => tf.mul(x, tf.scalar(100 + i)).dataSync());
  assert.deepEqual([...sync], [2, 4, 6, 8]);
  assert.deepEqual([...later], [2, 4, 6, 8]);
  // A user's own array is stored as given and never recycled.
  const mine = new Float32Array([5, 6, 7, 8]);
  const t = tf.tensor2d(mine, [2, 2]);
  t.dispose();
  tf.tidy(() => tf.add(x, x).dataSync());
  assert.deepEqual([...mine], [5, 6, 7, 8]);
  x.dispose();
  assert.equal(tf.memory().numTensors, before);
  await selectBackend('wasm');
});
