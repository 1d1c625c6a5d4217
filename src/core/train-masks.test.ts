import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '../test-support.js';
import { Rng } from './rng.js';
import { drawAbsence, fixedPresence, TrainingMasks } from './train-masks.js';

before(() => useBackend('wasm'));

/** An Rng that returns scripted uniforms (bernoulli(p): u < p; int(n): floor(u·n)) and checks they are all used. */
function scripted(uniforms: number[]) {
  const left = [...uniforms];
  const next = () => {
    assert.ok(left.length > 0, 'drew more than scripted');
    return left.shift()!;
  };
  const rng = { uniform: next, bernoulli: (p: number) => next() < p, int: (n: number) => Math.floor(next() * n) } as unknown as Rng;
  return { rng, left };
}

const arrays = (r: Record<string, Float32Array> | null | undefined) => (r ? Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Array.from(v)])) : r);

test('fixedPresence: null without missing rates or natural presence; rate 0 and unknown modalities ignored', () => {
  assert.equal(fixedPresence({ n: 4 }, ['a', 'b'], {}), null);
  assert.equal(fixedPresence({ n: 4 }, ['a', 'b'], { a: 0, c: 0.5 }), null);
});

test('fixedPresence: natural presence alone, every used modality listed', () => {
  const p = fixedPresence({ n: 4, present: { b: Float32Array.from([1, 0, 1, 1]) } }, ['a', 'b'], {});
  assert.deepEqual(arrays(p), { a: [1, 1, 1, 1], b: [1, 0, 1, 1] });
});

test('fixedPresence: train.missing_rate drops round(r·n) samples chosen by seed 7919 + the modality position, times natural presence', () => {
  // a (position 0, seed 7919) loses round(0.25·12) = 3 samples, b (position 1, seed 7920) round(0.5·12) = 6:
  // the first ones of that seed's permutation.
  const lose = (seed: number, k: number) => {
    const perm = new Rng(seed).permutation(12);
    const out = new Array<number>(12).fill(1);
    for (let i = 0; i < k; i++) out[perm[i]] = 0;
    return out;
  };
  const want = { a: lose(7919, 3), b: lose(7920, 6) };
  assert.deepEqual(arrays(fixedPresence({ n: 12 }, ['a', 'b'], { a: 0.25, b: 0.5 })), want);
  assert.deepEqual(arrays(fixedPresence({ n: 12 }, ['a', 'b'], { b: 0.5 })), { a: new Array(12).fill(1), b: want.b });
  const natural = { b: Float32Array.from([1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1, 1]) };
  const both = fixedPresence({ n: 12, present: natural }, ['a', 'b'], { b: 0.5 });
  assert.deepEqual(arrays(both), { a: new Array(12).fill(1), b: want.b.map((v, i) => v * natural.b[i]) });
});

test('fixedPresence with the dataset order: a model of fewer modalities (a KD teacher) lacks the same samples as the full model', () => {
  const full = arrays(fixedPresence({ n: 12 }, ['a', 'b'], { b: 0.5 }, ['a', 'b']))!;
  const teacher = arrays(fixedPresence({ n: 12 }, ['b'], { b: 0.5 }, ['a', 'b']));
  assert.deepEqual(teacher, { b: full.b });
  // Without the order, b is position 0 of the teacher's own list: another seed, another subset.
  assert.notDeepEqual(arrays(fixedPresence({ n: 12 }, ['b'], { b: 0.5 })), { b: full.b });
  assert.throws(() => fixedPresence({ n: 12 }, ['c'], { c: 0.5 }, ['a', 'b']), /modality "c" is not in the order a, b/);
});

test('drawAbsence: nothing drawn with one modality, or with dropout and substitution off', () => {
  const rng = new Rng(1);
  const before = rng.state();
  assert.deepEqual(drawAbsence(rng, ['a'], 5, { dropout: 0.5, substitution: 0.5 }), {});
  assert.deepEqual(drawAbsence(rng, ['a', 'b'], 5, { dropout: 0, substitution: 0 }), {});
  assert.deepEqual(rng.state(), before);
});

test('drawAbsence: modality dropout by hand (per sample, modalities in order; one kept at random when all drop)', () => {
  // sample 0: a 0.1 < 0.5 drops, b 0.9 stays, c 0.2 drops; sample 1: all three drop, then int(3) at 0.7 keeps c.
  const { rng, left } = scripted([0.1, 0.9, 0.2, 0.3, 0.4, 0.45, 0.7]);
  const d = drawAbsence(rng, ['a', 'b', 'c'], 2, { dropout: 0.5, substitution: 0 });
  assert.deepEqual(arrays(d.presence), { a: [0, 0], b: [1, 0], c: [0, 1] });
  assert.equal(d.substitute, undefined);
  assert.equal(left.length, 0);
});

test('drawAbsence: EBR substitution by hand (presence draw, then per modality a random order of the others)', () => {
  // presence: a 0.6 stays, b 0.1 drops, c 0.9 stays; orders, one draw per place among those left:
  // a of [b, c] at 0.75 → c, then [b] at 0.3 → b; b of [a, c] at 0.2 → a, then c; c of [a, b] at 0.5 → b, then a.
  const { rng, left } = scripted([0.6, 0.1, 0.9, 0.75, 0.3, 0.2, 0.5, 0.5, 0.9]);
  const d = drawAbsence(rng, ['a', 'b', 'c'], 1, { dropout: 0, substitution: 0.3 });
  assert.deepEqual(arrays(d.presence), { a: [1], b: [0], c: [1] });
  assert.deepEqual(d.substitute, { a: ['c', 'b'], b: ['a', 'c'], c: ['b', 'a'] });
  assert.equal(left.length, 0);
});

test('drawAbsence: with dropout and substitution both on, the dropout draw comes first and the substitution draw replaces it', () => {
  // dropout (p 0.5): a 0.1 drops, b 0.9 stays; substitution (p 0.3): a 0.9 stays, b 0.1 drops; substitutes a → b (0.0), b → a (0.99).
  const { rng, left } = scripted([0.1, 0.9, 0.9, 0.1, 0.0, 0.99]);
  const d = drawAbsence(rng, ['a', 'b'], 1, { dropout: 0.5, substitution: 0.3 });
  assert.deepEqual(arrays(d.presence), { a: [1], b: [0] });
  assert.deepEqual(d.substitute, { a: ['b'], b: ['a'] });
  assert.equal(left.length, 0);
});

test('TrainingMasks.step: the batch rows of the fixed presence, times the drawn dropout; nothing left behind', async () => {
  const start = tf.memory().numTensors;
  const train = { n: 4, present: { b: Float32Array.from([1, 0, 1, 1]) } };
  const idx = tf.tensor1d([1, 2], 'int32');
  const read = async (p: Record<string, tf.Tensor2D> | undefined) => (p ? Object.fromEntries(await Promise.all(Object.entries(p).map(async ([k, t]) => [k, Array.from(await t.data())] as const))) : p);

  // Fixed presence only: rows 1 and 2; no draws.
  const fixedOnly = new TrainingMasks(train, ['a', 'b'], { missingRate: {}, dropout: 0, substitution: 0 });
  const { rng: none, left: noneLeft } = scripted([]);
  const s1 = fixedOnly.step(none, idx, 2);
  assert.deepEqual(await read(s1.presence), { a: [1, 1], b: [0, 1] });
  assert.deepEqual(await read(s1.observed), { a: [1, 1], b: [0, 1] });
  assert.equal(noneLeft.length, 0);
  tf.dispose(Object.values(s1.presence!));
  fixedOnly.dispose();

  // Dropout (sample 0 keeps both, sample 1 drops a) times the fixed rows (b absent in row 1).
  const withDropout = new TrainingMasks(train, ['a', 'b'], { missingRate: {}, dropout: 0.5, substitution: 0 });
  const { rng, left } = scripted([0.9, 0.9, 0.1, 0.9]);
  const s2 = withDropout.step(rng, idx, 2);
  assert.deepEqual(await read(s2.presence), { a: [1, 0], b: [0, 1] });
  assert.deepEqual(await read(s2.observed), { a: [1, 1], b: [0, 1] }); // what the samples have: the drawn dropout left out
  assert.equal(left.length, 0);
  tf.dispose([...Object.values(s2.presence!), ...Object.values(s2.observed!)]);
  withDropout.dispose();

  // Nothing missing and nothing drawn: no presence at all (the model sees every modality).
  const nothing = new TrainingMasks({ n: 4 }, ['a', 'b'], { missingRate: {}, dropout: 0, substitution: 0 });
  assert.deepEqual(nothing.step(new Rng(0), idx, 2), {});
  nothing.dispose();

  idx.dispose();
  assert.equal(tf.memory().numTensors, start);
});

test('TrainingMasks.step, ebr.substitution missing: presence is what the samples have (nothing dropped), then stand-in orders; nothing drawn when nothing is absent', async () => {
  const start = tf.memory().numTensors;
  const train = { n: 4, present: { b: Float32Array.from([1, 0, 1, 1]) } };
  const idx = tf.tensor1d([0, 1, 2, 3], 'int32');
  const read = async (p: Record<string, tf.Tensor2D> | undefined) => (p ? Object.fromEntries(await Promise.all(Object.entries(p).map(async ([k, t]) => [k, Array.from(await t.data())] as const))) : p);
  const names = ['a', 'b', 'c'];
  const o = { missingRate: { c: 0.5 }, dropout: 0, substitution: 0, substituteMissing: true };
  const fixed = arrays(fixedPresence(train, names, o.missingRate))!;
  assert.ok(fixed.c.includes(0) && fixed.b.includes(0));

  const masks = new TrainingMasks(train, names, o);
  // No presence draw at all; orders: a of [b, c] at 0.75 → c, then b; b of [a, c] at 0.2 → a, then c; c of [a, b] at 0.5 → b, then a.
  const { rng, left } = scripted([0.75, 0.3, 0.2, 0.5, 0.5, 0.9]);
  const s = masks.step(rng, idx, 4);
  assert.deepEqual(await read(s.presence), fixed); // every present modality stays: only the really absent ones are substituted
  assert.deepEqual(await read(s.observed), fixed);
  assert.deepEqual(s.substitute, { a: ['c', 'b'], b: ['a', 'c'], c: ['b', 'a'] });
  assert.equal(left.length, 0);
  tf.dispose([...Object.values(s.presence!), ...Object.values(s.observed!)]);
  masks.dispose();

  // Nothing absent in training: nothing to substitute, nothing drawn.
  const none = new TrainingMasks({ n: 4 }, names, { ...o, missingRate: {} });
  const { rng: noDraw } = scripted([]);
  assert.deepEqual(none.step(noDraw, idx, 4), {});
  none.dispose();
  // It never comes with random drops.
  assert.throws(() => new TrainingMasks(train, names, { ...o, dropout: 0.2 }), /excludes modality dropout/);
  assert.throws(() => new TrainingMasks(train, names, { ...o, substitution: 0.3 }), /excludes modality dropout and random substitution/);
  idx.dispose();
  assert.equal(tf.memory().numTensors, start);
});
