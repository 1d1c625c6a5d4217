import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adversaryActive, ebrLambda } from './schedule.js';

test('alternation: K epochs of L_sem only, then K with L_md, …; K = 0 keeps the term on', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((e) => adversaryActive(2, e)), [false, false, true, true, false, false, true]);
  assert.deepEqual([0, 1, 2, 3].map((e) => adversaryActive(1, e)), [false, true, false, true]);
  assert.deepEqual([0, 9, 10, 19, 20].map((e) => adversaryActive(10, e)), [false, false, true, true, false]);
  assert.ok([0, 7, 100].every((e) => adversaryActive(0, e)));
});

test('λ schedule: constant, or a linear ramp to λ over schedule.epochs (epoch e gets λ·(e+1)/epochs)', () => {
  const ramp = { lambda: 2, schedule: { type: 'ramp' as const, epochs: 4 } };
  assert.deepEqual([0, 1, 2, 3, 9].map((e) => ebrLambda(ramp, e)), [0.5, 1, 1.5, 2, 2]);
  const constant = { lambda: 0.3, schedule: { type: 'constant' as const, epochs: 4 } };
  assert.deepEqual([0, 5].map((e) => ebrLambda(constant, e)), [0.3, 0.3]);
});
