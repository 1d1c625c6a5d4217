// Summary statistics for a handful of per-seed results. Inputs are small (tens of values), so
// clarity beats speed; NaN-free input is the caller's job (groupStats filters before calling).

export interface Description {
  n: number;
  mean: number;
  /** Sample standard deviation (divisor n − 1); 0 when n = 1. */
  std: number;
  min: number;
  max: number;
  median: number;
}

function nonEmpty(xs: readonly number[], what: string): void {
  if (xs.length === 0) throw new Error(`${what}: needs at least one value, got an empty array`);
}

/**
 * Arithmetic mean, computed about the first value so that constant data gives that constant
 * exactly (a plain sum of 0.1 three times, divided by 3, does not) and large offsets cancel.
 */
export function mean(xs: readonly number[]): number {
  nonEmpty(xs, 'mean');
  const x0 = xs[0];
  let s = 0;
  for (const x of xs) s += x - x0;
  return x0 + s / xs.length;
}

/**
 * Quantile of already sorted values by linear interpolation between order statistics:
 * Hyndman & Fan (1996) definition 7, the default of R's quantile() and numpy.quantile.
 * h = (n − 1)·p, result = s[⌊h⌋] + (h − ⌊h⌋)·(s[⌊h⌋+1] − s[⌊h⌋]).
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('quantile: needs at least one value, got an empty array');
  if (!(p >= 0 && p <= 1)) throw new Error(`quantile: p must lie in [0, 1], got ${p}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const a = sorted[lo];
  const b = sorted[hi];
  // a + frac·(b − a) returns a exactly when a = b, so ties and constant data stay exact.
  return a === b ? a : a + (h - lo) * (b - a);
}

export function describe(xs: readonly number[]): Description {
  nonEmpty(xs, 'describe');
  const n = xs.length;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) ** 2;
  const sorted = [...xs].sort((a, b) => a - b);
  return {
    n,
    mean: m,
    std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0,
    min: sorted[0],
    max: sorted[n - 1],
    median: quantileSorted(sorted, 0.5),
  };
}
