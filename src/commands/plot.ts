// Figures from a sweep: a metric against a grid key (or against epoch, from each run's
// metrics.jsonl), one series per value of another key, mean ± std over seeds.
import { parse } from 'yaml';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../run/atomic.js';
import { bandChartSvg, type BandSeries } from '../report/plot.js';
import { readMetrics, type SweepRow, type SweepSpec } from '../run/records/index.js';

/** "key" → the grid value as a number; "key:length" → the length of a list value. */
export function gridValue(row: SweepRow, ref: string): number | string {
  const [key, fn] = ref.split(':');
  const raw = row.values[key];
  if (raw === undefined) throw new UsageError(`"${key}" is not a grid key of this sweep (it has ${Object.keys(row.values).join(', ') || 'none'})`);
  const v = parse(raw);
  if (fn === 'length') {
    if (!Array.isArray(v)) throw new UsageError(`${ref}: the values of ${key} are not lists`);
    return v.length;
  }
  if (fn) throw new UsageError(`${ref}: unknown function "${fn}" (only :length)`);
  return typeof v === 'number' ? v : raw;
}

function metricOf(record: Record<string, unknown>, path: string): number | null {
  let v: unknown = record;
  for (const p of path.split('.')) {
    if (v === null || typeof v !== 'object') return null;
    v = (v as Record<string, unknown>)[p];
  }
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

const stats = (xs: number[]) => {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  return { n, mean, std: n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0 };
};

/** Least-squares fit of log y = log a + b log x over the series means (points with x, y > 0). */
export function powerFit(points: { x: number; mean: number }[]): { exponent: number; scale: number; points: number } | null {
  const ps = points.filter((p) => p.x > 0 && p.mean > 0);
  if (ps.length < 2) return null;
  const lx = ps.map((p) => Math.log(p.x));
  const ly = ps.map((p) => Math.log(p.mean));
  const mx = lx.reduce((a, b) => a + b, 0) / ps.length;
  const my = ly.reduce((a, b) => a + b, 0) / ps.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < ps.length; i++) {
    sxy += (lx[i] - mx) * (ly[i] - my);
    sxx += (lx[i] - mx) ** 2;
  }
  const b = sxy / sxx;
  return { exponent: b, scale: Math.exp(my - b * mx), points: ps.length };
}

export interface PlotOptions {
  x: string; // grid key (key or key:length), "epoch", or "rate" (curve columns "<y>@<x>")
  y: string; // row metric, or a metrics.jsonl field (dotted) when x is "epoch"
  series?: string;
  title?: string;
  logX?: boolean;
  out: string;
}

/** One figure from one or more sweeps; with several, each sweep's name prefixes its series. */
export async function plotSweeps(sweeps: { spec: SweepSpec; rows: SweepRow[] }[], o: PlotOptions): Promise<{ file: string; series: (BandSeries & { power_fit: ReturnType<typeof powerFit> })[] }> {
  const groups = new Map<string, Map<number, number[]>>();
  const add = (series: string, x: number, y: number | null) => {
    if (y === null) return;
    const g = groups.get(series) ?? new Map<number, number[]>();
    g.set(x, [...(g.get(x) ?? []), y]);
    groups.set(series, g);
  };
  for (const { spec, rows } of sweeps) {
    const finished = rows.filter((r) => r.status === 'finished');
    if (!finished.length) throw new UsageError(`sweep ${spec.id} has no finished runs to plot`);
    for (const r of finished) {
      const base = o.series ? `${o.series.split(':')[0]}${o.series.endsWith(':length') ? ' size' : ''} = ${gridValue(r, o.series)}` : o.y;
      // Without --series, each grid point (apart from the x key) is its own line; with several
      // sweeps the sweep's name comes first.
      const xKey = o.x.split(':')[0];
      const point = o.series ? '' : Object.entries(r.values).filter(([k]) => k !== xKey).map(([k, v]) => `${k.split('.').at(-1)}=${v}`).join(', ');
      const label = point || base;
      const series = sweeps.length > 1 ? (o.series ? `${spec.name}, ${base}` : point ? `${spec.name} (${point})` : spec.name) : label;
      if (o.x === 'epoch') {
        for (const rec of readMetrics(r.run!)) add(series, rec.epoch as number, metricOf(rec, o.y));
      } else if (o.x === 'rate') {
        for (const [k, v] of Object.entries(r.metrics)) if (k.startsWith(`${o.y}@`)) add(series, Number(k.slice(o.y.length + 1)), v);
      } else {
        const x = gridValue(r, o.x);
        if (typeof x !== 'number') throw new UsageError(`--x ${o.x}: values like "${x}" are not numbers (use key:length for lists)`);
        add(series, x, r.metrics[o.y] ?? null);
      }
    }
  }
  const spec = sweeps[0].spec;
  if (![...groups.values()].some((g) => g.size)) throw new UsageError(`--y ${o.y}: no run has this metric`);
  const series: BandSeries[] = [...groups.entries()].map(([name, g]) => ({
    name,
    points: [...g.entries()].sort((a, b) => a[0] - b[0]).map(([x, ys]) => ({ x, ...stats(ys) })),
  }));
  const seeds = Math.max(...series.flatMap((s) => s.points.map((p) => p.n)));
  const svg = await bandChartSvg({ title: o.title ?? `${o.y} vs ${o.x}`, subtitle: `${sweeps.length > 1 ? `${sweeps.length} sweeps` : `sweep ${spec.id}`} · mean ± std over ${seeds} seeds`, xLabel: o.x, yLabel: o.y, series, logX: o.logX });
  writeFileAtomic(o.out, svg);
  return { file: o.out, series: series.map((s) => ({ ...s, power_fit: powerFit(s.points) })) };
}
