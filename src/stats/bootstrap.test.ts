import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../core/rng.js';
import { bootstrapCI } from './bootstrap.js';
import { describe } from './describe.js';

test('matches the independent Python reference (scripts/oracle/stats_ref.py)', () => {
  // stats_ref.py: "bootstrap seed=7 resamples=2000 lo=0.7085714285714287 hi=0.7528571428571429"
  // (its own xoshiro128** port, numpy mean and numpy.quantile(method="linear")).
  const ci = bootstrapCI([0.71, 0.74, 0.69, 0.78, 0.73, 0.7, 0.76], { seed: 7, resamples: 2000, level: 0.95 });
  assert.ok(Math.abs(ci.lo - 0.7085714285714287) < 1e-12, `lo ${ci.lo}`);
  assert.ok(Math.abs(ci.hi - 0.7528571428571429) < 1e-12, `hi ${ci.hi}`);
  assert.equal(ci.level, 0.95);
  assert.equal(ci.resamples, 2000);
});

test('deterministic for a seed, different across seeds, and contains the sample mean', () => {
  const xs = [0.61, 0.64, 0.58, 0.7, 0.66, 0.59, 0.63, 0.68];
  const a = bootstrapCI(xs, { seed: 3 });
  assert.deepEqual(bootstrapCI(xs, { seed: 3 }), a);
  assert.notDeepEqual(bootstrapCI(xs, { seed: 4 }), a);
  const m = describe(xs).mean;
  assert.ok(a.lo < m && m < a.hi, `${a.lo} < ${m} < ${a.hi}`);
  assert.equal(a.resamples, 10_000);
});

test('degenerate samples: constant data gives [c, c], n = 1 gives [x, x], empty throws', () => {
  const c = bootstrapCI([0.1, 0.1, 0.1, 0.1], { resamples: 500 });
  assert.deepEqual([c.lo, c.hi], [0.1, 0.1]);
  const one = bootstrapCI([0.42], { resamples: 500 });
  assert.deepEqual([one.lo, one.hi], [0.42, 0.42]);
  assert.throws(() => bootstrapCI([]), /empty/);
  assert.throws(() => bootstrapCI([1, 2], { level: 1 }), /level/);
});

test('width shrinks roughly as 1/sqrt(n) on a seeded normal sample', () => {
  const rng = new Rng(11);
  const big = Array.from(rng.normals(400));
  const small = big.slice(0, 25);
  const w = (xs: number[]) => {
    const ci = bootstrapCI(xs, { seed: 1, resamples: 4000 });
    return ci.hi - ci.lo;
  };
  // Expected ratio sqrt(400/25) = 4; sample std of the two samples differs a little.
  const ratio = w(small) / w(big);
  assert.ok(ratio > 3 && ratio < 5.3, `width ratio ${ratio}`);
});

test('0/1 sample of 40 with mean 0.5: 95% interval ≈ 0.5 ± 1.96·sqrt(0.25/40)', () => {
  const xs = Array.from({ length: 40 }, (_, i) => i % 2);
  const ci = bootstrapCI(xs, { seed: 5 });
  const half = 1.96 * Math.sqrt(0.25 / 40); // 0.1550
  assert.ok(Math.abs(ci.lo - (0.5 - half)) < 0.03, `lo ${ci.lo}`);
  assert.ok(Math.abs(ci.hi - (0.5 + half)) < 0.03, `hi ${ci.hi}`);
});

test('a custom statistic (the median) is bootstrapped too', () => {
  const median = (xs: number[]) => describe(xs).median;
  // With 9 values the outlier is the resample median only when it is drawn ≥ 5 times out of 9
  // (probability ≈ 0.0013 < 2.5%), so the upper end stays among the ordinary values.
  const ci = bootstrapCI([1, 2, 3, 4, 5, 6, 7, 8, 1000], { statistic: median, resamples: 2000 });
  assert.ok(ci.lo >= 1 && ci.hi <= 8, `${ci.lo}..${ci.hi}`);
});
