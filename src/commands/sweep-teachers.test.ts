import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SweepSpec } from '../run/records/index.js';
import { teacherByTag, teacherName, teacherOf, teachersOf } from './sweep-teachers.js';

const spec = (teacherGrid?: string[]) =>
  ({
    grid: [
      { key: 'distill.loss', values: ['feature', 'logit'] },
      { key: 'train.missing_rate.audio', values: ['0', '0.3', '0.7'] },
    ],
    ...(teacherGrid ? { teacher_grid: teacherGrid } : {}),
  }) as unknown as SweepSpec;

test('without teacher_grid: one teacher per seed, tagged s<seed> (the records of older sweeps)', () => {
  const t = teacherOf(spec(), { seed: 3, values: { 'distill.loss': 'logit', 'train.missing_rate.audio': '0.3' } });
  assert.deepEqual(t, { seed: 3, values: {}, tag: 's3' });
  assert.deepEqual(teacherByTag(spec(), 's3'), t);
  assert.equal(teacherByTag(spec(), 's3-v1'), null);
  assert.equal(teacherName(t), 'the teacher of seed 3');
});

test('with teacher_grid: one teacher per seed and value, tagged by the value\'s index; the other grid keys share it', () => {
  const s = spec(['train.missing_rate.audio']);
  const a = teacherOf(s, { seed: 1, values: { 'distill.loss': 'feature', 'train.missing_rate.audio': '0.7' } });
  assert.deepEqual(a, { seed: 1, values: { 'train.missing_rate.audio': '0.7' }, tag: 's1-v2' });
  assert.deepEqual(teacherOf(s, { seed: 1, values: { 'distill.loss': 'logit', 'train.missing_rate.audio': '0.7' } }), a);
  assert.deepEqual(teacherByTag(s, 's1-v2'), a);
  for (const bad of ['s1', 's1-v3', 'x1-v0', 's-v0']) assert.equal(teacherByTag(s, bad), null, bad);
  assert.equal(teacherName(a), 'the teacher of seed 1 at train.missing_rate.audio=0.7');
  assert.throws(() => teacherOf(s, { seed: 0, values: { 'train.missing_rate.audio': '0.5' } }), /not in the sweep's grid/);
});

test('teachersOf: the distinct teachers of the jobs, in job order', () => {
  const s = spec(['train.missing_rate.audio']);
  const jobs = [
    { seed: 0, values: { 'distill.loss': 'feature', 'train.missing_rate.audio': '0.3' } },
    { seed: 0, values: { 'distill.loss': 'logit', 'train.missing_rate.audio': '0.3' } },
    { seed: 1, values: { 'distill.loss': 'feature', 'train.missing_rate.audio': '0' } },
    { seed: 0, values: { 'distill.loss': 'feature', 'train.missing_rate.audio': '0' } },
  ];
  assert.deepEqual(teachersOf(s, jobs).map((t) => t.tag), ['s0-v1', 's1-v0', 's0-v0']);
  assert.deepEqual(teachersOf(spec(), jobs).map((t) => t.tag), ['s0', 's1']);
});
