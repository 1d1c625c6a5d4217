import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gridValue, powerFit } from './plot.js';
import type { SweepRow } from '../run/records/index.js';

test('power-law fit recovers y = a·x^b', () => {
  const pts = [1, 2, 4, 8].map((x) => ({ x, mean: 0.3 * x ** 1.7 }));
  const f = powerFit(pts)!;
  assert.ok(Math.abs(f.exponent - 1.7) < 1e-9);
  assert.ok(Math.abs(f.scale - 0.3) < 1e-9);
  assert.equal(powerFit([{ x: 1, mean: 1 }]), null);
});

test('grid values: numbers, strings and list lengths', () => {
  const row = { values: { 'train.epochs': '5', name: 'abc', modalities: '[a,b,c]' } } as unknown as SweepRow;
  assert.equal(gridValue(row, 'train.epochs'), 5);
  assert.equal(gridValue(row, 'name'), 'abc');
  assert.equal(gridValue(row, 'modalities:length'), 3);
  assert.throws(() => gridValue(row, 'name:length'), /not lists/);
  assert.throws(() => gridValue(row, 'nope'), /not a grid key/);
});
