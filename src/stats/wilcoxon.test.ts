import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalCdf } from './normal.js';
import { wilcoxonSignedRank } from './wilcoxon.js';

const zeros = (n: number) => new Array<number>(n).fill(0);
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('all differences positive: n = 5 gives 2/32 two-sided and 1/32 one-sided; n = 6 gives 2/64', () => {
  const d5 = [0.3, 0.1, 0.5, 0.2, 0.4];
  const r = wilcoxonSignedRank(d5, zeros(5));
  assert.deepEqual([r.n, r.statistic, r.exact], [5, 15, true]);
  assert.equal(r.p, 2 / 32);
  assert.equal(wilcoxonSignedRank(d5, zeros(5), { alternative: 'greater' }).p, 1 / 32);
  assert.equal(wilcoxonSignedRank(d5, zeros(5), { alternative: 'less' }).p, 1);
  assert.equal(wilcoxonSignedRank([1, 2, 3, 4, 5, 6], zeros(6)).p, 2 / 64);
});

test('n = 3: the 8 sign patterns of ranks 1, 2, 3 give the exact null distribution of V', () => {
  // V over the 8 patterns: {} 0, {1} 1, {2} 2, {3} 3, {1,2} 3, {1,3} 4, {2,3} 5, {1,2,3} 6.
  // P(V ≥ v) and P(V ≤ v) by counting; two-sided = min(1, 2·min of the two).
  const table: Array<[number, number[], number, number, number]> = [
    // V, differences,   P(V≥v), P(V≤v), two-sided
    [0, [-1, -2, -3], 8 / 8, 1 / 8, 2 / 8],
    [1, [1, -2, -3], 7 / 8, 2 / 8, 4 / 8],
    [2, [-1, 2, -3], 6 / 8, 3 / 8, 6 / 8],
    [3, [-1, -2, 3], 5 / 8, 5 / 8, 1],
    [3, [1, 2, -3], 5 / 8, 5 / 8, 1],
    [4, [1, -2, 3], 3 / 8, 6 / 8, 6 / 8],
    [5, [-1, 2, 3], 2 / 8, 7 / 8, 4 / 8],
    [6, [1, 2, 3], 1 / 8, 8 / 8, 2 / 8],
  ];
  for (const [v, d, ge, le, two] of table) {
    assert.equal(wilcoxonSignedRank(d, zeros(3)).statistic, v);
    assert.equal(wilcoxonSignedRank(d, zeros(3), { alternative: 'greater' }).p, ge, `greater, V=${v}`);
    assert.equal(wilcoxonSignedRank(d, zeros(3), { alternative: 'less' }).p, le, `less, V=${v}`);
    assert.equal(wilcoxonSignedRank(d, zeros(3)).p, two, `two-sided, V=${v}`);
  }
});

test("R's ?wilcox.test example (Hollander & Wolfe 1973, p. 29)", () => {
  const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
  const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
  // R: wilcox.test(x, y, paired = TRUE, alternative = "greater") -> V = 40, p-value = 0.01953
  const g = wilcoxonSignedRank(x, y, { alternative: 'greater' });
  assert.deepEqual([g.n, g.statistic, g.exact], [9, 40, true]);
  close(g.p, 0.01953, 5e-6);
  assert.equal(g.p, 10 / 512);
  // Two-sided: p-value = 0.03906.
  close(wilcoxonSignedRank(x, y).p, 0.03906, 5e-6);
});

test('ties and zeros: exact p agrees with brute-force enumeration (scripts/oracle/stats_ref.py)', () => {
  // d = [2, 1, 0, 3, -2, 3, 3, -2, 5, 0]: two zeros, |d| = 2 and 3 each tied three times.
  const d = [2, 1, 0, 3, -2, 3, 3, -2, 5, 0];
  // stats_ref.py: "ties[wilcox] n=8 V=30.0 two_sided=0.109375 greater=0.0546875 less=0.96875"
  const w = wilcoxonSignedRank(d, zeros(10));
  assert.deepEqual([w.n, w.statistic, w.exact], [8, 30, true]);
  assert.equal(w.p, 0.109375);
  assert.equal(wilcoxonSignedRank(d, zeros(10), { alternative: 'greater' }).p, 0.0546875);
  assert.equal(wilcoxonSignedRank(d, zeros(10), { alternative: 'less' }).p, 0.96875);
  assert.match(w.method, /exact.*ties.*2 zero differences \(wilcox\)/);
  // stats_ref.py: "ties[pratt] n=8 V=42.0 two_sided=0.1171875 greater=0.05859375 less=0.95703125"
  const p = wilcoxonSignedRank(d, zeros(10), { zeroMethod: 'pratt' });
  assert.deepEqual([p.n, p.statistic], [8, 42]);
  assert.equal(p.p, 0.1171875);
  assert.equal(wilcoxonSignedRank(d, zeros(10), { zeroMethod: 'pratt', alternative: 'greater' }).p, 0.05859375);
  assert.equal(wilcoxonSignedRank(d, zeros(10), { zeroMethod: 'pratt', alternative: 'less' }).p, 0.95703125);
});

test('large n: normal approximation with tie and continuity correction (scripts/oracle/stats_ref.py)', () => {
  const d = [1, 2, -1, 3, 2, 4, -2, 5, 1, 3, 0, 2, 6, -3, 4, 2, 1, -1, 3, 5, 2, -4, 1, 3, 2, 7, -2, 4, 1, 3];
  // stats_ref.py (textbook variance n(n+1)(2n+1)/24 − Σ(t³−t)/48, math.erfc):
  // "normal n=29 V=362.0 two_sided=0.0017432804984359774 greater=0.0008716402492179887"
  const r = wilcoxonSignedRank(d, zeros(30));
  assert.deepEqual([r.n, r.statistic, r.exact], [29, 362, false]);
  close(r.p, 0.0017432804984359774, 1e-14);
  assert.match(r.method, /normal approximation.*tie correction/);
  close(wilcoxonSignedRank(d, zeros(30), { alternative: 'greater' }).p, 0.0008716402492179887, 1e-14);
  // The exact DP can be forced at this n; it lands near the approximation.
  const ex = wilcoxonSignedRank(d, zeros(30), { exact: true });
  assert.ok(ex.exact && Math.abs(ex.p - r.p) < 1e-3, `${ex.p}`);
});

test('normalCdf matches 0.5·erfc(−z/√2) from Python math.erfc', () => {
  const ref: Array<[number, number]> = [
    [1.96, 0.9750021048517795],
    [-3, 0.0013498980316300957],
    [-8, 6.220960574271819e-16],
    [0.5, 0.6914624612740131],
    [2.9, 0.998134186699616],
    [-2.1, 0.017864420562816563],
    [4.5, 0.9999966023268753],
  ];
  for (const [z, p] of ref) assert.ok(Math.abs(normalCdf(z) - p) <= 1e-15 + 1e-13 * p, `Φ(${z}) = ${normalCdf(z)} vs ${p}`);
  assert.equal(normalCdf(0), 0.5);
});

test('edge cases: no non-zero differences gives p = 1 with a note; unequal lengths and NaN throw', () => {
  const r = wilcoxonSignedRank([1, 2, 3], [1, 2, 3]);
  assert.deepEqual([r.n, r.statistic, r.p], [0, 0, 1]);
  assert.match(r.method, /no non-zero differences/);
  assert.equal(wilcoxonSignedRank([], []).p, 1);
  assert.throws(() => wilcoxonSignedRank([1, 2], [1]), /equal lengths, got 2 and 1/);
  assert.throws(() => wilcoxonSignedRank([1, NaN], [0, 0]), /non-finite value in pair 1/);
});
