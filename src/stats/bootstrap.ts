// Percentile bootstrap confidence intervals for per-seed results, seeded through the project's
// Rng so that a summary or report regenerates the same interval every time.
import { Rng } from '../core/rng.js';
import { mean, quantileSorted } from './describe.js';

export interface BootstrapOptions {
  /** Coverage of the two-sided interval, in (0, 1). Default 0.95. */
  level?: number;
  /** Number of bootstrap resamples. Default 10 000. */
  resamples?: number;
  /** Seed for Rng (a non-negative integer). Default 0. */
  seed?: number;
  /** The statistic to bootstrap; default the mean. It receives a fresh array per resample. */
  statistic?: (xs: number[]) => number;
}

export interface BootstrapCI {
  lo: number;
  hi: number;
  level: number;
  resamples: number;
}

/**
 * Percentile bootstrap (Efron & Tibshirani 1993, ch. 13): draw `resamples` samples of size n
 * with replacement (indices from Rng.int, one Rng per call seeded with `seed`), evaluate the
 * statistic on each, and return the (1 − level)/2 and (1 + level)/2 quantiles of those values,
 * using quantile definition 7 of Hyndman & Fan (linear interpolation; R's and numpy's default).
 * Constant data gives [c, c] and n = 1 gives [x, x]. With a few seeds the percentile interval
 * is known to under-cover; it describes seed-to-seed spread, not a guarantee.
 */
export function bootstrapCI(xs: readonly number[], opts: BootstrapOptions = {}): BootstrapCI {
  const level = opts.level ?? 0.95;
  const resamples = opts.resamples ?? 10_000;
  const seed = opts.seed ?? 0;
  const statistic = opts.statistic ?? mean;
  if (xs.length === 0) throw new Error('bootstrapCI: needs at least one value, got an empty array');
  if (!(level > 0 && level < 1)) throw new Error(`bootstrapCI: level must lie in (0, 1), got ${level}`);
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new Error(`bootstrapCI: resamples must be a positive integer, got ${resamples}`);
  }
  const n = xs.length;
  const rng = new Rng(seed);
  const stats = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    const sample = new Array<number>(n);
    for (let i = 0; i < n; i++) sample[i] = xs[rng.int(n)];
    stats[b] = statistic(sample);
  }
  if (stats.some((v) => Number.isNaN(v))) throw new Error('bootstrapCI: the statistic returned NaN on a resample');
  stats.sort(); // typed-array sort is numeric
  const alpha = 1 - level;
  return { lo: quantileSorted(stats, alpha / 2), hi: quantileSorted(stats, 1 - alpha / 2), level, resamples };
}
