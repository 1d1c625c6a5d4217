// Per-group summaries and paired method comparisons over a sweep's result rows (one row per run,
// e.g. { method, seed, test_acc }), for the sweep summary and the report.
import { bootstrapCI, type BootstrapOptions } from './bootstrap.js';
import { describe } from './describe.js';
import { wilcoxonSignedRank, type WilcoxonOptions, type WilcoxonResult } from './wilcoxon.js';

export type Row = Record<string, unknown>;

export interface GroupStat {
  group: Record<string, unknown>;
  metric: string;
  /** Finite values used. */
  n: number;
  /** Rows of the group whose value was missing, not a number, NaN or ±Infinity. */
  skipped: number;
  /** NaN when n = 0 (every value skipped). */
  mean: number;
  std: number;
  /** Percentile bootstrap interval of the mean (see bootstrapCI); [NaN, NaN] when n = 0. */
  ci: [number, number];
}

export type GroupStatsOptions = Pick<BootstrapOptions, 'level' | 'resamples' | 'seed'> & {
  /** false: no bootstrap interval (ci is [NaN, NaN]), for mean ± std alone. Default true. */
  interval?: boolean;
};

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Group rows by the values of `keys`, in order of first appearance. Missing keys group as null. */
function groupRows(rows: readonly Row[], keys: readonly string[]): Array<{ group: Row; rows: Row[] }> {
  const groups = new Map<string, { group: Row; rows: Row[] }>();
  for (const row of rows) {
    const group: Row = {};
    for (const k of keys) group[k] = row[k] ?? null;
    const id = JSON.stringify(keys.map((k) => group[k]));
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { group, rows: [] }));
    g.rows.push(row);
  }
  return [...groups.values()];
}

/**
 * One entry per (group, metric), groups in order of first appearance and metrics in the given
 * order. Every interval uses the same seed, so the table is reproducible row by row.
 */
export function groupStats(rows: readonly Row[], by: readonly string[], metrics: readonly string[], opts: GroupStatsOptions = {}): GroupStat[] {
  const out: GroupStat[] = [];
  for (const { group, rows: members } of groupRows(rows, by)) {
    for (const metric of metrics) {
      const values = members.map((r) => r[metric]).filter(finite);
      const skipped = members.length - values.length;
      if (values.length === 0) {
        out.push({ group, metric, n: 0, skipped, mean: NaN, std: NaN, ci: [NaN, NaN] });
        continue;
      }
      const d = describe(values);
      const ci = opts.interval === false ? { lo: NaN, hi: NaN } : bootstrapCI(values, opts);
      out.push({ group, metric, n: d.n, skipped, mean: d.mean, std: d.std, ci: [ci.lo, ci.hi] });
    }
  }
  return out;
}

export interface PairedTestsOptions extends Pick<WilcoxonOptions, 'alternative' | 'zeroMethod'> {
  /** Column(s) that identify a pair across methods, e.g. 'seed'. */
  pairBy: string | readonly string[];
  /** Column whose values are the methods compared, e.g. 'method'. */
  compare: string;
  metric: string;
  /** If given, compare every other method against this one only (x = method, y = baseline). */
  baseline?: unknown;
}

export interface PairedTest extends WilcoxonResult {
  /** x side of d = x − y. */
  a: unknown;
  /** y side (the baseline when one is given). */
  b: unknown;
  metric: string;
  /** Pair keys present with finite values for both a and b. */
  pairs: number;
  /** Mean of a − b over those pairs (NaN when there are none). */
  meanDiff: number;
  /** 95% percentile-bootstrap interval of that mean (resampling the pairs; seed 0); NaNs without pairs. */
  diffCI: [number, number];
}

/**
 * Wilcoxon signed-rank tests between methods over the pair keys (seeds) both have. Without a
 * baseline every unordered pair of methods is tested once, in order of first appearance.
 * p-values are not adjusted for multiple comparisons. A (method, pair key) that occurs twice is
 * an error: pairing would be ambiguous (add the other swept columns to pairBy).
 */
export function pairedTests(rows: readonly Row[], opts: PairedTestsOptions): PairedTest[] {
  const pairBy = typeof opts.pairBy === 'string' ? [opts.pairBy] : [...opts.pairBy];
  const { compare, metric } = opts;
  // method id -> (pair id -> value); NaN marks a row present but without a finite value.
  const methods = new Map<string, { value: unknown; byPair: Map<string, number> }>();
  for (const row of rows) {
    const mid = JSON.stringify(row[compare] ?? null);
    const pid = JSON.stringify(pairBy.map((k) => row[k] ?? null));
    let m = methods.get(mid);
    if (!m) methods.set(mid, (m = { value: row[compare] ?? null, byPair: new Map() }));
    if (m.byPair.has(pid)) {
      throw new Error(`pairedTests: ${compare}=${mid} has more than one row for ${pairBy.join(',')}=${pid}`);
    }
    const v = row[metric];
    m.byPair.set(pid, finite(v) ? v : NaN);
  }
  const ids = [...methods.keys()];
  let pairs: Array<[string, string]> = [];
  if (opts.baseline !== undefined) {
    const base = JSON.stringify(opts.baseline);
    if (!methods.has(base)) throw new Error(`pairedTests: baseline ${compare}=${base} is not among ${ids.join(', ')}`);
    pairs = ids.filter((id) => id !== base).map((id) => [id, base]);
  } else {
    for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) pairs.push([ids[i], ids[j]]);
  }
  return pairs.map(([ia, ib]) => {
    const A = methods.get(ia)!;
    const B = methods.get(ib)!;
    const x: number[] = [];
    const y: number[] = [];
    for (const [pid, va] of A.byPair) {
      const vb = B.byPair.get(pid);
      if (vb === undefined || Number.isNaN(va) || Number.isNaN(vb)) continue;
      x.push(va);
      y.push(vb);
    }
    const test = wilcoxonSignedRank(x, y, { alternative: opts.alternative, zeroMethod: opts.zeroMethod });
    const diffs = x.map((xi, i) => xi - y[i]);
    const meanDiff = diffs.length ? diffs.reduce((s, d) => s + d, 0) / diffs.length : NaN;
    const ci = diffs.length ? bootstrapCI(diffs, { seed: 0 }) : null;
    return { a: A.value, b: B.value, metric, pairs: x.length, meanDiff, diffCI: ci ? [ci.lo, ci.hi] : [NaN, NaN], ...test };
  });
}
