// The tables of the paper's missing-modality protocol (MISSINGNESS in experiments.ts): a modality
// missing at rate r in training, and at the same rate at test (analyze's missing-rate curve at r),
// per method and r, with the AUC over r; under the zero and mean protocols, and EBR also with
// substitution at test. Every comparison is with vanilla at the same r over paired seeds; Holm over
// all comparisons of a table.
import type { ReproduceProgress } from '../run/records/index.js';
import { holm, pairedTests, type PairedTest } from '../stats/index.js';
import { pct, statCell } from './cells.js';
import { MISSINGNESS, protocolRate, type Mode } from './experiments.js';
import { finishedRows } from './finished-rows.js';

interface Point {
  method: string;
  seed: number;
  rate: number;
  metrics: Record<string, number | null>;
}

/** Mean accuracy over the rates (trapezoid rule over r, divided by the range): one seed's AUC; null without every rate. */
export function aucOverRates(rates: number[], acc: (r: number) => number | undefined): number | null {
  const ys = rates.map(acc);
  if (ys.some((y) => y === undefined || !Number.isFinite(y))) return null;
  if (rates.length === 1) return ys[0]!;
  let area = 0;
  for (let i = 1; i < rates.length; i++) area += ((ys[i - 1]! + ys[i]!) / 2) * (rates[i] - rates[i - 1]);
  return area / (rates[rates.length - 1] - rates[0]);
}

interface Series {
  name: string;
  method: string;
}
interface Column<S extends Series> {
  label: string;
  scale: (v: number) => string;
  get: (s: S, seed: number) => number | undefined;
}

/**
 * One table: a row per series, a cell per column; each against vanilla over paired seeds, Holm over
 * the table. A comparison of exactly the same paired values as an earlier one (EBR substituted at
 * test at r = 0, where nothing is missing) is the same test: it counts once in Holm's m.
 */
function comparisonTable<S extends Series>(series: S[], columns: Column<S>[], seedsOf: (s: S) => number[]): string[] {
  const base = series.find((s) => s.name === 'vanilla');
  const tests = new Map<string, PairedTest>();
  const byData = new Map<string, PairedTest>();
  for (const s of series) {
    if (!base || s === base) continue;
    columns.forEach((c, ci) => {
      const rows = [...seedsOf(s).map((seed) => ({ m: s.name, seed, v: c.get(s, seed) })), ...seedsOf(base).map((seed) => ({ m: 'vanilla', seed, v: c.get(base, seed) }))].filter((x) => x.v !== undefined);
      if (!rows.some((x) => x.m === s.name) || !rows.some((x) => x.m === 'vanilla')) return;
      const data = JSON.stringify(rows.map((x) => [x.m === 'vanilla', x.seed, x.v]));
      const t = byData.get(data) ?? pairedTests(rows, { pairBy: 'seed', compare: 'm', metric: 'v', baseline: 'vanilla' })[0];
      if (t && t.pairs > 0) {
        tests.set(`${s.name}#${ci}`, t);
        byData.set(data, t);
      }
    });
  }
  const family = [...new Set(tests.values())];
  const adjusted = holm(family.map((t) => t.p));
  const holmOf = new Map(family.map((t, i) => [t, adjusted[i]]));
  const lines = [`| method | ${columns.map((c) => c.label).join(' | ')} |`, `|---|${columns.map(() => '---').join('|')}|`];
  for (const s of series) {
    const cells = columns.map((c, ci) => {
      const xs = seedsOf(s).map((seed) => c.get(s, seed)).filter((v): v is number => v !== undefined);
      const t = tests.get(`${s.name}#${ci}`);
      return statCell(xs, { scale: c.scale, test: t, holmP: t ? holmOf.get(t) : undefined });
    });
    lines.push(`| ${s.name} (n=${seedsOf(s).length}) | ${cells.join(' | ')} |`);
  }
  lines.push('', `Holm: m = ${family.length} comparisons with vanilla in this table.`, '');
  return lines;
}

export function missingnessMarkdown(progress: ReproduceProgress, mode: Mode): string {
  const out: string[] = [];
  for (const table of MISSINGNESS) {
    const points: Point[] = finishedRows(progress, mode, table.experiments).map(({ e, r }) => ({ method: e.method(r.values), seed: r.seed, rate: protocolRate(table.protocol, r.values), metrics: r.metrics }));
    if (!points.length) continue;
    const rates = [...new Set(points.map((p) => p.rate))].sort((a, b) => a - b);
    out.push(`## ${table.title}`, '');
    for (const protocol of ['zero', 'mean'] as const) {
      // Each method under this protocol; EBR also with substitution at test (its own protocol).
      const series: { name: string; method: string; key: (r: number) => string }[] = [];
      for (const method of [...new Set(points.map((p) => p.method))]) {
        series.push({ name: method, method, key: (r) => table.protocol.key(protocol, r) });
        if (/\bEBR\b/.test(method)) series.push({ name: `${method}, substituted at test`, method, key: (r) => table.protocol.key('substitute', r) });
      }
      const value = (s: (typeof series)[number], seed: number, r: number) => {
        const p = points.find((q) => q.method === s.method && q.seed === seed && q.rate === r);
        const v = p?.metrics[s.key(r)];
        return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
      };
      const seedsOf = (s: (typeof series)[number]) => [...new Set(points.filter((p) => p.method === s.method).map((p) => p.seed))];
      const columns = [...rates.map((r) => ({ label: `r = ${r}`, get: (s: (typeof series)[number], seed: number) => value(s, seed, r), scale: pct })), { label: 'AUC over r', get: (s: (typeof series)[number], seed: number) => aucOverRates(rates, (r) => value(s, seed, r)) ?? undefined, scale: (v: number) => v.toFixed(3) }];
      out.push(`### ${protocol === 'zero' ? 'Zero-filled' : 'Mean-filled'} at test (accuracy %, at the training rate r)`, '', ...comparisonTable(series, columns, seedsOf));
    }
    // Table 9's measures for every method, of the models trained at the middle rate.
    const r9 = rates[Math.floor((rates.length - 1) / 2)];
    const methods = [...new Set(points.map((p) => p.method))].map((m) => ({ name: m, method: m }));
    const measure = (key: string, label: string, digits: number) => ({ label, scale: (v: number) => v.toFixed(digits), get: (s: { method: string }, seed: number) => {
      const v = points.find((p) => p.method === s.method && p.seed === seed && p.rate === r9)?.metrics[key];
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    } });
    const seedsAt = (s: { method: string }) => [...new Set(points.filter((p) => p.method === s.method && p.rate === r9).map((p) => p.seed))];
    out.push(`### Table 9 measures of the models trained at r = ${r9} (test split, all present)`, '', ...comparisonTable(methods, [measure('fused_effective_rank', 'fused effective rank', 2), measure('poly_fraction', 'polysemantic fraction', 3), measure('collision_fraction', 'collision fraction', 3)], seedsAt));
  }
  if (!out.length) return '';
  return ['# The paper\'s missing-modality protocol: trained and tested with modalities missing at rate r', '', 'Each cell: test accuracy with the modality (or each modality, independently) missing at rate r at test, of models trained with it missing at the same rate; mean ± sample std over seeds [95% bootstrap CI]; against vanilla at the same r over paired seeds, Δ with its bootstrap CI, exact two-sided Wilcoxon p and Holm-adjusted p. AUC over r: each seed\'s accuracy averaged over the rates by the trapezoid rule.', '', ...out].join('\n');
}
