import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../errors.js';
import { parseAbsence, parsePairs, planInputs } from './inputs.js';

const mod = (name: string, shape: number[]) => ({ name, shape, dim: shape.reduce((a, b) => a * b, 1) });
const input = (name: string, shape: (number | string)[]) => ({ name, type: 'float32', shape });

test('inputs match modalities by name or by --inputs; data are reshaped to the declared shape', () => {
  const mods = [mod('image', [4, 4, 1]), mod('audio', [8]), mod('text', [3])];
  const plan = planInputs([input('x_img', ['batch', 1, 4, 4]), input('audio', [-1, 8])], mods, { map: { image: 'x_img' }, absence: { protocol: 'zero' } });
  assert.deepEqual(plan, [
    { modality: 'image', input: 'x_img', dims: [1, 4, 4] },
    { modality: 'audio', input: 'audio', dims: [8] },
  ]);
  // A free dimension other than the batch takes the data's size.
  assert.deepEqual(planInputs([input('image', ['batch', 'h', 4, 1])], mods, { absence: { protocol: 'zero' } })[0].dims, [4, 4, 1]);
});

test('refusals: unmatched input, shape mismatch, bad mask, more than 12 modalities', () => {
  const mods = [mod('a', [2]), mod('b', [3])];
  const zero = { absence: { protocol: 'zero' as const } };
  assert.throws(() => planInputs([input('c', ['n', 2])], mods, zero), /model input c matches no modality of the data \(a, b\)/);
  assert.throws(() => planInputs([input('a', ['n', 3])], mods, zero), /model input a \[n, 3\] does not fit modality a of shape \[2\]/);
  assert.throws(() => planInputs([input('a', ['n', 2]), input('present', ['n', 3])], mods, { absence: { protocol: 'mask', input: 'present' } }), /expected \[batch, 1\]/);
  assert.throws(() => planInputs([{ name: 'a', type: 'int64', shape: ['n', 2] }], mods, zero), /is int64; mmc feeds float32/);
  const many = Array.from({ length: 13 }, (_, i) => mod(`m${i}`, [1]));
  assert.throws(() => planInputs(many.map((m) => input(m.name, ['n', 1])), many, zero), (e: unknown) => e instanceof UsageError && /13 modalities.*at most 12/.test(e.message));
  assert.equal(planInputs(many.slice(0, 12).map((m) => input(m.name, ['n', 1])), many, zero).length, 12);
});

test('option parsing', () => {
  assert.deepEqual(parsePairs('--inputs', 'image=x_img, audio=x_aud'), { image: 'x_img', audio: 'x_aud' });
  assert.throws(() => parsePairs('--inputs', 'image'), /expected MODALITY=NAME/);
  assert.deepEqual(parseAbsence('mask:present'), { protocol: 'mask', input: 'present' });
  assert.deepEqual(parseAbsence('mean'), { protocol: 'mean' });
  assert.throws(() => parseAbsence('nan'), /expected zero, mean or mask:INPUT/);
});
