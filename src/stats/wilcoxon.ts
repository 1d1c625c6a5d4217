// Wilcoxon signed-rank test for paired samples: the paper compares methods over the same seeds,
// and with 5–10 seeds neither normality nor the large-sample approximation can be assumed.
import { normalCdf } from './normal.js';

export type Alternative = 'two-sided' | 'greater' | 'less';

export interface WilcoxonOptions {
  /** H1 for the differences d = x − y: 'greater' means x tends to exceed y. Default 'two-sided'. */
  alternative?: Alternative;
  /**
   * Zero differences: 'wilcox' drops them before ranking (R's wilcox.test); 'pratt' ranks them
   * with the rest and then drops them (Pratt 1959; scipy's zero_method='pratt'). Default 'wilcox'.
   */
  zeroMethod?: 'wilcox' | 'pratt';
  /** Force the exact (true) or normal (false) p-value; default exact when n ≤ EXACT_MAX_N. */
  exact?: boolean;
}

export interface WilcoxonResult {
  /** Number of pairs after dropping zero differences. */
  n: number;
  /** V: the sum of the (mid)ranks of |d| over the positive differences (as R reports it). */
  statistic: number;
  p: number;
  exact: boolean;
  method: string;
}

/** Up to this n the p-value is exact by default (the DP below is O(n³) and instant here). */
export const EXACT_MAX_N = 25;

/**
 * Ranks of |d| with ties given their mean rank, returned doubled (2·rank) so that midranks,
 * which are multiples of ½, stay integers and the exact distribution can index by them.
 * Ties are exact float equality, as in R (digits.rank = Inf) and scipy.
 */
function doubledMidranks(absd: readonly number[]): number[] {
  const order = absd.map((_, i) => i).sort((a, b) => absd[a] - absd[b]);
  const r2 = new Array<number>(absd.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && absd[order[j + 1]] === absd[order[i]]) j++;
    // Positions i..j (0-based) share rank ((i+1)+(j+1))/2, i.e. doubled rank i+j+2.
    for (let k = i; k <= j; k++) r2[order[k]] = i + j + 2;
    i = j + 1;
  }
  return r2;
}

/**
 * Null distribution of 2V under random sign flips of the given (doubled) ranks: entry s is
 * P(2V = s). Each rank is independently positive with probability ½, so a knapsack-style DP
 * over the ranks gives it exactly; working in probabilities avoids 2^n overflow for any n.
 */
function signFlipDistribution(r2: readonly number[]): Float64Array {
  const total = r2.reduce((a, b) => a + b, 0);
  let dist = new Float64Array(total + 1);
  dist[0] = 1;
  let reach = 0;
  for (const r of r2) {
    const next = new Float64Array(total + 1);
    for (let s = 0; s <= reach; s++) {
      if (dist[s] === 0) continue;
      next[s] += 0.5 * dist[s];
      next[s + r] += 0.5 * dist[s];
    }
    reach += r;
    dist = next;
  }
  return dist;
}

export function wilcoxonSignedRank(x: readonly number[], y: readonly number[], opts: WilcoxonOptions = {}): WilcoxonResult {
  const alternative = opts.alternative ?? 'two-sided';
  const zeroMethod = opts.zeroMethod ?? 'wilcox';
  if (x.length !== y.length) {
    throw new Error(`wilcoxonSignedRank: paired samples need equal lengths, got ${x.length} and ${y.length}`);
  }
  const d = x.map((xi, i) => xi - y[i]);
  const bad = d.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new Error(`wilcoxonSignedRank: non-finite value in pair ${bad} (x=${x[bad]}, y=${y[bad]})`);

  // Under 'pratt' zeros take part in the ranking; under 'wilcox' they are gone before it.
  const ranked = zeroMethod === 'pratt' ? d : d.filter((v) => v !== 0);
  const allR2 = doubledMidranks(ranked.map(Math.abs));
  const keep = ranked.map((v) => v !== 0);
  const r2 = allR2.filter((_, i) => keep[i]);
  const pos2 = allR2.reduce((s, r, i) => (ranked[i] > 0 ? s + r : s), 0);
  const n = r2.length;
  const statistic = pos2 / 2;
  const zeros = d.length - n;
  const zeroNote = zeros > 0 ? `, ${zeros} zero difference${zeros > 1 ? 's' : ''} (${zeroMethod})` : '';

  if (n === 0) {
    return { n, statistic: 0, p: 1, exact: true, method: `Wilcoxon signed-rank: no non-zero differences, p = 1 by convention${zeroNote}` };
  }
  const ties = new Set(r2).size < n;
  const tieNote = ties ? ', ties given midranks' : '';
  const exact = opts.exact ?? n <= EXACT_MAX_N;

  if (exact) {
    const dist = signFlipDistribution(r2);
    let upper = 0; // P(V ≥ v)
    let lower = 0; // P(V ≤ v)
    for (let s = 0; s < dist.length; s++) {
      if (s >= pos2) upper += dist[s];
      if (s <= pos2) lower += dist[s];
    }
    // The null distribution is symmetric (a sign flip maps V to T − V), so doubling the smaller
    // tail equals P(|V − T/2| ≥ |v − T/2|), as R does for its exact test.
    const p = alternative === 'greater' ? upper : alternative === 'less' ? lower : Math.min(1, 2 * Math.min(upper, lower));
    return { n, statistic, p: Math.min(1, p), exact: true, method: `Wilcoxon signed-rank, exact (sign-flip distribution of the ranks)${tieNote}${zeroNote}` };
  }

  // V = Σ r_i·B_i with B_i ~ Bernoulli(½): E = Σr/2, Var = Σr²/4. With midranks this is the
  // usual tie-corrected variance n(n+1)(2n+1)/24 − Σ(t³−t)/48, and it also covers Pratt's zeros.
  const sumR = r2.reduce((a, b) => a + b, 0) / 2;
  const sumR2 = r2.reduce((a, b) => a + (b / 2) ** 2, 0);
  const sigma = Math.sqrt(sumR2 / 4);
  const dev = statistic - sumR / 2;
  // Continuity correction of ½ towards the mean, as R's wilcox.test(correct = TRUE).
  const corr = alternative === 'two-sided' ? Math.sign(dev) * 0.5 : alternative === 'greater' ? 0.5 : -0.5;
  const z = (dev - corr) / sigma;
  const p =
    alternative === 'greater' ? normalCdf(-z) : alternative === 'less' ? normalCdf(z) : 2 * Math.min(normalCdf(z), normalCdf(-z));
  return {
    n,
    statistic,
    p: Math.min(1, p),
    exact: false,
    method: `Wilcoxon signed-rank, normal approximation with continuity correction${ties ? ' and tie correction' : ''}${zeroNote}`,
  };
}
