// learningRate against hand-computed values for each schedule type.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { learningRate, type ScheduleConfig } from './schedule.js';

const s = (type: ScheduleConfig['type'], o: Partial<ScheduleConfig> = {}): ScheduleConfig => ({ type, step_size: 10, gamma: 0.5, min_lr: 0, ...o });
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('none: the base rate at every epoch and step', () => {
  for (const [epoch, step] of [[0, 0], [7, 123], [99, 10_000]]) assert.equal(learningRate(0.01, s('none'), epoch, step, 1000), 0.01);
});

test('cosine: base at step 0, the midpoint at half the steps, min_lr at the end and after it', () => {
  const c = s('cosine', { min_lr: 0.001 });
  close(learningRate(0.1, c, 0, 0, 100), 0.1);
  close(learningRate(0.1, c, 5, 50, 100), 0.001 + 0.099 * 0.5); // cos(π/2) = 0
  close(learningRate(0.1, c, 2, 25, 100), 0.001 + 0.099 * 0.5 * (1 + Math.SQRT1_2)); // cos(π/4)
  close(learningRate(0.1, c, 9, 100, 100), 0.001);
  close(learningRate(0.1, c, 12, 130, 100), 0.001); // clamped past the end
  close(learningRate(0.1, c, 0, 0, 0), 0.1); // no steps: no division by zero
});

test('step: base × gamma^floor(epoch / step_size)', () => {
  const c = s('step', { step_size: 3, gamma: 0.1 });
  close(learningRate(1, c, 0, 0, 100), 1);
  close(learningRate(1, c, 2, 0, 100), 1);
  close(learningRate(1, c, 3, 0, 100), 0.1);
  close(learningRate(1, c, 8, 0, 100), 0.1 * 0.1);
  close(learningRate(1, c, 9, 0, 100), 0.1 ** 3);
});
