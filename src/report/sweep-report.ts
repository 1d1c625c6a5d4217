// The sweep part of `mmc report`: per-metric tables (n, mean ± std, bootstrap CI) grouped by the
// grid keys, paired Wilcoxon tests between the values of categorical grid keys, and figures drawn
// only from what results.jsonl and the runs' metrics.jsonl contain.
import { parse as parseYaml } from 'yaml';
import type { RunRecords, SweepRow, SweepSpec } from '../run/records/index.js';
import { describe, groupStats, pairedTests, type Row } from '../stats/index.js';
import { barChartSvg, type Bar } from './charts.js';
import type { Block, Provenance } from './doc.js';
import { bandChartSvg, type BandSeries } from './plot.js';
import { backendOf, backendsOf, sweepBaseHash, sweepCommand } from './source.js';

export const BOOTSTRAP = { level: 0.95, resamples: 10_000, seed: 0 } as const;

export interface FigureNamer {
  /** A unique file name under figures/ for this slug. */
  (slug: string): string;
}

export const fmt = (v: number): string => (!Number.isFinite(v) ? '—' : Math.abs(v) >= 1000 ? v.toFixed(1) : v.toFixed(4));
export const fmtP = (p: number): string => (!Number.isFinite(p) ? '—' : p < 1e-4 ? p.toExponential(2) : p.toFixed(4));

/** A human label for a results column. */
export function metricLabel(m: string): string {
  const at = /^(missing_zero|missing_mean|missing_substitute)\.(.+)@1$/.exec(m);
  if (at) return `test accuracy, ${at[2]} missing (${at[1].replace('missing_', '')} protocol)`;
  const fixed: Record<string, string> = {
    test_acc: 'test accuracy (all modalities)',
    test_macro_f1: 'test macro-F1',
    test_ce: 'test cross-entropy',
    fused_effective_rank: 'effective rank of the fused representation',
    fused_numerical_rank: 'numerical rank of the fused representation',
    poly_fraction: 'cross-modal polysemantic fraction',
    poly_entropy: 'mean normalised attribution entropy',
    collision_fraction: 'noise–predictive collision fraction',
    disc_acc: 'EBR discriminator accuracy',
  };
  if (fixed[m]) return fixed[m];
  const dot = /^([a-z_]+)\.(.+)$/.exec(m);
  const per: Record<string, string> = {
    shapley: 'Shapley value (accuracy)',
    auc_missing: 'robustness AUC, missing rate 0→1 (zero)',
    auc_missing_mean: 'robustness AUC, missing rate 0→1 (mean)',
    auc_missing_substitute: 'robustness AUC, missing rate 0→1 (substitute)',
    auc_noise: 'robustness AUC, input noise',
    enc_effective_rank: 'encoder effective rank',
    probe_gap: 'semantic-loss gap (alone CE − probe CE)',
    alone_acc: 'accuracy with only this modality',
    g_cosine: 'EBR g-space cosine',
  };
  if (dot && per[dot[1]]) return `${per[dot[1]]}: ${dot[2]}`;
  return m;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Modalities named in the rows' columns (shapley.m, missing_zero.m@r, …), in first-seen order. */
export function modalitiesOf(rows: SweepRow[]): string[] {
  const out: string[] = [];
  for (const r of rows)
    for (const k of Object.keys(r.metrics)) {
      const m = /^(?:shapley|auc_missing|missing_zero)\.([^@]+)/.exec(k)?.[1];
      if (m && !out.includes(m)) out.push(m);
    }
  return out;
}

/** Headline columns present (a finite value in some finished row), in report order. */
export function sweepMetrics(rows: SweepRow[]): { accuracy: string[]; analysis: string[]; ebr: string[] } {
  const has = (k: string) => rows.some((r) => r.status === 'finished' && finite(r.metrics[k]));
  const mods = modalitiesOf(rows);
  const accuracy = ['test_acc', 'test_macro_f1', 'test_ce', ...mods.flatMap((m) => [`missing_zero.${m}@1`, `missing_mean.${m}@1`, `missing_substitute.${m}@1`])].filter(has);
  const analysis = ['fused_effective_rank', 'fused_numerical_rank', 'poly_fraction', 'collision_fraction', ...['shapley', 'auc_missing', 'auc_noise', 'enc_effective_rank', 'probe_gap'].flatMap((p) => mods.map((m) => `${p}.${m}`))].filter(has);
  const ebrKeys = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))].filter((k) => k === 'disc_acc' || k.startsWith('g_cosine.'));
  return { accuracy, analysis, ebr: ebrKeys.filter(has) };
}

/** Grid keys whose values are all numbers (x = value) or all lists of distinct lengths (x = length). */
export function numericAxes(spec: SweepSpec): { key: string; label: string; x: (v: string) => number }[] {
  const out: { key: string; label: string; x: (v: string) => number }[] = [];
  for (const g of spec.grid) {
    if (g.values.length < 2) continue;
    const parsed = g.values.map((v) => {
      try {
        return parseYaml(v) as unknown;
      } catch {
        return v;
      }
    });
    if (parsed.every((p) => typeof p === 'number')) out.push({ key: g.key, label: g.key, x: (v) => Number(parseYaml(v)) });
    else if (parsed.every(Array.isArray) && new Set(parsed.map((p) => (p as unknown[]).length)).size === parsed.length) out.push({ key: g.key, label: `${g.key} (list length)`, x: (v) => (parseYaml(v) as unknown[]).length });
  }
  return out;
}

/** Grid keys with values that are not all numbers: methods, fusion types, modality subsets, … */
export function categoricalKeys(spec: SweepSpec): string[] {
  return spec.grid
    .filter((g) => g.values.length >= 2)
    .filter((g) =>
      g.values.some((v) => {
        try {
          return typeof parseYaml(v) !== 'number';
        } catch {
          return true;
        }
      }),
    )
    .map((g) => g.key);
}

const pointLabel = (values: Record<string, string>, keys: string[]) => keys.map((k) => `${k.split('.').at(-1)}=${values[k]}`).join(', ') || 'all runs';

export async function sweepBlocks(t: { dir: string; spec: SweepSpec; rows: SweepRow[]; runs: Map<string, RunRecords> }, figName: FigureNamer, readMetrics: (job: string) => Record<string, unknown>[]): Promise<Block[]> {
  const { dir, spec, rows, runs } = t;
  const keys = spec.grid.map((g) => g.key);
  const finished = rows.filter((r) => r.status === 'finished');
  const failed = rows.filter((r) => r.status === 'failed');
  const cmd = sweepCommand(dir, spec);
  const baseHash = sweepBaseHash(dir, spec);
  const prov: Provenance = {
    source: `sweep ${spec.id}`,
    command: cmd.command,
    configHash: `${baseHash ?? 'n/a'} (base config + --set; per-run hashes in the runs table)`,
    backend: backendsOf(runs.values()),
  };
  const blocks: Block[] = [];
  const H = (level: 1 | 2 | 3 | 4, text: string) => blocks.push({ kind: 'heading', level, text });
  const P = (text: string) => blocks.push({ kind: 'paragraph', text });
  const note = (text: string) => blocks.push({ kind: 'note', text });

  H(1, `Sweep ${spec.id}`);
  blocks.push({
    kind: 'list',
    items: [
      `command${cmd.recorded ? '' : ' (rebuilt from sweep.json, which predates recorded argv)'}: \`${cmd.command}\``,
      `base config hash: ${baseHash ?? 'n/a (base config no longer loads)'} · backend: ${prov.backend}`,
      `jobs: ${rows.length} of ${spec.jobs.length} recorded, ${finished.length} finished, ${failed.length} failed; ${spec.seeds} seed${spec.seeds === 1 ? '' : 's'} per point (seed s also sets dataset.seed = base + s: ${spec.vary_data_seed ? 'yes' : 'no'}); mmc ${spec.command} per job, analysis ${spec.analyze ? 'on' : 'off'}`,
      `grid: ${spec.grid.map((g) => `\`${g.key}\` ∈ {${g.values.join(', ')}}`).join('; ') || 'none (one point)'}`,
    ],
  });
  if (failed.length) blocks.push({ kind: 'list', items: failed.map((f) => `failed ${f.job} (${pointLabel(f.values, keys)}, seed ${f.seed}): ${f.error ?? 'no error recorded'}`) });
  if (!finished.length) {
    note('No finished runs: nothing to tabulate or plot.');
    return blocks;
  }

  // ---- tables
  const flat: Row[] = finished.map((r) => ({ ...r.values, seed: r.seed, job: r.job, ...r.metrics }));
  const metrics = sweepMetrics(finished);
  P(`Each table: one row per grid point over its finished seeds; n = runs with a finite value; mean ± sample std (n − 1); 95% CI = percentile bootstrap of the mean (${BOOTSTRAP.resamples} resamples, seed ${BOOTSTRAP.seed}; with few seeds it under-covers and describes seed-to-seed spread). Missing-modality accuracies are the analysis' missing-rate curves at rate 1 (test split, best checkpoint).`);
  const tableFor = (metric: string) => {
    const gs = groupStats(flat, keys, [metric], BOOTSTRAP);
    blocks.push({
      kind: 'table',
      table: {
        caption: `${metricLabel(metric)} — \`${metric}\``,
        head: [...(keys.length ? keys : ['point']), 'n', 'mean ± std', '95% CI'],
        numeric: [...(keys.length ? keys : ['point']).map(() => false), true, true, true],
        rows: gs.map((g) => [...(keys.length ? keys.map((k) => String(g.group[k])) : ['all runs']), String(g.n), g.n ? `${fmt(g.mean)} ± ${fmt(g.std)}` : '—', g.n ? `[${fmt(g.ci[0])}, ${fmt(g.ci[1])}]` : '—']),
        provenance: prov,
      },
    });
  };
  H(2, 'Accuracy');
  for (const m of metrics.accuracy) tableFor(m);
  if (!metrics.accuracy.some((m) => m.startsWith('missing_'))) note('No missing-modality accuracies in the results (they come from `mmc analyze`; this sweep ran with analysis off or before it finished).');

  // ---- paired tests
  const cats = categoricalKeys(spec);
  H(2, 'Paired comparisons (Wilcoxon signed-rank)');
  if (!cats.length) note('No categorical grid key (every grid key is numeric or has one value): no paired method comparisons.');
  else if (spec.seeds < 2) note('One seed per point: no paired comparisons.');
  else {
    P('For each categorical grid key, every pair of its values is compared over the seeds both finished, with the other grid keys held fixed (seed s of one value is paired with seed s of the other: same initial seed and data seed). Two-sided; d = a − b; V = sum of the ranks of positive differences. "exact" = exact sign-flip null distribution (n ≤ 25), "normal" = normal approximation with continuity correction. p-values are **not adjusted** for multiple comparisons. With n pairs the smallest attainable two-sided exact p is 2/2ⁿ (0.5 for 2 seeds).');
    for (const k of cats) {
      const others = keys.filter((o) => o !== k);
      const strata = new Map<string, Row[]>();
      for (const r of flat) {
        const id = JSON.stringify(others.map((o) => r[o]));
        strata.set(id, [...(strata.get(id) ?? []), r]);
      }
      const out: string[][] = [];
      for (const metric of metrics.accuracy) {
        for (const members of strata.values()) {
          for (const t of pairedTests(members, { pairBy: 'seed', compare: k, metric })) {
            out.push([metric, ...others.map((o) => String(members[0][o])), String(t.a), String(t.b), String(t.pairs), fmt(t.meanDiff), t.pairs ? String(t.statistic) : '—', t.pairs ? fmtP(t.p) : '—', t.pairs ? (t.n === 0 ? 'no non-zero differences' : t.exact ? 'exact' : 'normal') : '—']);
          }
        }
      }
      blocks.push({
        kind: 'table',
        table: {
          caption: `Paired tests between values of \`${k}\``,
          head: ['metric', ...others, 'a', 'b', 'pairs', 'mean a − b', 'V', 'p (two-sided, unadjusted)', 'test'],
          numeric: ['metric', ...others, 'a', 'b'].map(() => false).concat([true, true, true, true, false]),
          rows: out,
          notes: ['p-values are not adjusted for multiple comparisons.'],
          provenance: prov,
        },
      });
    }
  }

  // ---- figures
  const subtitle = (what: string) => `sweep ${spec.id} · ${what}`;
  const figure = (slug: string, caption: string, svg: string) => blocks.push({ kind: 'figure', figure: { caption, file: figName(slug), svg, provenance: prov } });
  const bandPoints = (pairs: { series: string; x: number; y: number }[]): BandSeries[] => {
    const m = new Map<string, Map<number, number[]>>();
    for (const p of pairs) {
      const g = m.get(p.series) ?? new Map<number, number[]>();
      g.set(p.x, [...(g.get(p.x) ?? []), p.y]);
      m.set(p.series, g);
    }
    return [...m.entries()].map(([name, g]) => ({ name, points: [...g.entries()].sort((a, b) => a[0] - b[0]).map(([x, ys]) => ({ x, ...pick(describe(ys)) })) }));
  };
  const pick = (d: { n: number; mean: number; std: number }) => ({ n: d.n, mean: d.mean, std: d.std });
  const maxSeeds = (s: BandSeries[]) => Math.max(0, ...s.flatMap((x) => x.points.map((p) => p.n)));

  H(2, 'Figures');
  const axes = numericAxes(spec);
  const vsMetrics = [...metrics.accuracy.filter((m) => m === 'test_acc' || m.startsWith('missing_zero.')), ...metrics.analysis.filter((m) => ['poly_fraction', 'collision_fraction', 'fused_effective_rank'].includes(m))];
  if (!axes.length) note('No numeric grid key: no metric-vs-grid-value figures.');
  for (const ax of axes) {
    const others = keys.filter((k) => k !== ax.key);
    for (const metric of vsMetrics) {
      const series = bandPoints(finished.filter((r) => finite(r.metrics[metric])).map((r) => ({ series: others.length ? pointLabel(r.values, others) : metric, x: ax.x(r.values[ax.key]), y: r.metrics[metric] as number })));
      if (!series.length) continue;
      figure(`${metric}-vs-${ax.key}`, `${metricLabel(metric)} against \`${ax.label}\`, mean ± std over seeds (up to ${maxSeeds(series)})`, await bandChartSvg({ title: `${metric} vs ${ax.key}`, subtitle: subtitle(`mean ± std over ≤ ${maxSeeds(series)} seeds`), xLabel: ax.label, yLabel: metric, series }));
    }
  }

  // Training curves from each run's metrics.jsonl.
  let curvesDrawn = 0;
  for (const field of ['val_acc', 'val_loss']) {
    const pts: { series: string; x: number; y: number }[] = [];
    for (const r of finished) for (const rec of readMetrics(r.job)) if (finite(rec.epoch) && finite(rec[field])) pts.push({ series: pointLabel(r.values, keys), x: rec.epoch as number, y: rec[field] as number });
    if (!pts.length) continue;
    const series = bandPoints(pts);
    curvesDrawn++;
    figure(`curve-${field}`, `Training curve: ${field} per epoch, one line per grid point, mean ± std over seeds (metrics.jsonl of each run)`, await bandChartSvg({ title: `${field} vs epoch`, subtitle: subtitle(`mean ± std over ≤ ${maxSeeds(series)} seeds`), xLabel: 'epoch', yLabel: field, series }));
  }
  if (!curvesDrawn) note('No metrics.jsonl records found for the finished runs: no training curves.');

  // Analysis fields per grid point.
  const mods = modalitiesOf(finished);
  const points = [...new Map(finished.map((r) => [JSON.stringify(r.values), r.values])).values()];
  const barsOf = (metricsBySeries: [string, string][]): Bar[] => {
    const bars: Bar[] = [];
    for (const values of points) {
      const members = finished.filter((r) => JSON.stringify(r.values) === JSON.stringify(values));
      for (const [series, metric] of metricsBySeries) {
        const xs = members.map((r) => r.metrics[metric]).filter(finite);
        if (xs.length) bars.push({ category: pointLabel(values, keys), series, ...pick(describe(xs)) });
      }
    }
    return bars;
  };
  const barFigure = async (slug: string, caption: string, title: string, yLabel: string, metricsBySeries: [string, string][]) => {
    const bars = barsOf(metricsBySeries.filter(([, m]) => finished.some((r) => finite(r.metrics[m]))));
    if (!bars.length) return false;
    figure(slug, caption, await barChartSvg({ title, subtitle: subtitle('mean ± std over seeds'), xLabel: 'grid point', yLabel, bars }));
    return true;
  };
  if (!metrics.analysis.length) {
    note('No analysis fields in the results (the sweep ran with `--no-analyze`): ranks, Shapley values, polysemantic fractions and missing-rate curves are not shown.');
    return blocks;
  }
  H(3, 'Analysis per grid point');
  await barFigure('shapley', 'Shapley values of test accuracy per modality (zero protocol), per grid point', 'Shapley values', 'Shapley value (accuracy)', mods.map((m) => [m, `shapley.${m}`]));
  await barFigure('rank', 'Effective rank of the fused representation and of each encoder output, per grid point', 'Effective rank', 'effective rank', [['fused', 'fused_effective_rank'], ...mods.map((m): [string, string] => [`encoder ${m}`, `enc_effective_rank.${m}`])]);
  await barFigure('polysemanticity', 'Cross-modal polysemantic fraction and noise–predictive collision fraction of the fusion head, per grid point', 'Polysemanticity', 'fraction of live neurons', [['polysemantic', 'poly_fraction'], ['collisions', 'collision_fraction'], ['component polysemantic', 'component_poly_fraction']]);
  await barFigure('robustness-auc', 'Robustness: area under the accuracy-vs-missing-rate curve (zero protocol) per modality, per grid point', 'Robustness AUC (missing rate)', 'AUC', mods.map((m) => [`${m} missing`, `auc_missing.${m}`]));
  for (const m of mods) {
    for (const proto of ['missing_zero', 'missing_mean', 'missing_substitute']) {
      const pts: { series: string; x: number; y: number }[] = [];
      for (const r of finished)
        for (const [k, v] of Object.entries(r.metrics)) {
          if (!k.startsWith(`${proto}.${m}@`) || !finite(v)) continue;
          pts.push({ series: pointLabel(r.values, keys), x: Number(k.slice(proto.length + m.length + 2)), y: v });
        }
      if (!pts.length) continue;
      const series = bandPoints(pts);
      figure(`${proto}-${m}`, `Test accuracy as the missing rate of ${m} goes 0 → 1 (${proto.replace('missing_', '')} protocol), per grid point, mean ± std over seeds`, await bandChartSvg({ title: `accuracy vs missing rate of ${m} (${proto.replace('missing_', '')})`, subtitle: subtitle(`mean ± std over ≤ ${maxSeeds(series)} seeds`), xLabel: `missing rate of ${m}`, yLabel: 'test accuracy', series }));
    }
  }
  if (metrics.ebr.length) {
    H(3, 'EBR');
    for (const m of metrics.ebr) tableFor(m);
  }
  H(3, 'Analysis tables');
  for (const m of metrics.analysis) tableFor(m);
  return blocks;
}

/** The appendix: one row per job with its run id, config hash and backend. */
export function sweepRunsTable(t: { dir: string; spec: SweepSpec; rows: SweepRow[]; runs: Map<string, RunRecords> }): Block {
  const keys = t.spec.grid.map((g) => g.key);
  const cmd = sweepCommand(t.dir, t.spec);
  return {
    kind: 'table',
    table: {
      caption: `Runs of sweep ${t.spec.id}`,
      head: ['job', ...keys, 'seed', 'status', 'run', 'config hash', 'backend', 'test_acc'],
      numeric: ['job', ...keys, 'seed', 'status', 'run', 'config hash', 'backend'].map(() => false).concat([true]),
      rows: t.rows.map((r) => {
        const run = t.runs.get(r.job);
        return [r.job, ...keys.map((k) => r.values[k]), String(r.seed), r.status + (r.error ? `: ${r.error}` : ''), run?.id ?? '—', run?.run.config_hash ?? '—', run ? backendOf(run) : '—', finite(r.metrics.test_acc) ? fmt(r.metrics.test_acc) : '—'];
      }),
      provenance: { source: `sweep ${t.spec.id}`, command: cmd.command, configHash: 'per run (column)', backend: backendsOf(t.runs.values()) },
    },
  };
}
