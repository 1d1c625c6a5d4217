// The single-run part of `mmc report`: identity and command line, training curves, test metrics,
// every eval/*.json (missing-modality tables) and the highlights of eval/analysis.json.
import type { ClassMetrics } from '../core/metrics.js';
import { readEvalFolder, type Analysis, type RunRecords } from '../run/records/index.js';
import { barChartSvg } from './charts.js';
import type { Block, Provenance } from './doc.js';
import { bandChartSvg, type BandSeries } from './plot.js';
import { fmt, type FigureNamer } from './sweep-report.js';
import { backendOf, runCommand, shellJoin } from './source.js';

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const pct = (v: number | undefined) => (finite(v) ? (100 * v).toFixed(1) : '—');

export async function runBlocks(r: RunRecords, figName: FigureNamer): Promise<Block[]> {
  const hash = r.run.config_hash ?? 'n/a';
  const backend = backendOf(r);
  const prov: Provenance = { source: `run ${r.id}`, command: runCommand(r), configHash: hash, backend };
  const blocks: Block[] = [];
  const H = (level: 1 | 2 | 3 | 4, text: string) => blocks.push({ kind: 'heading', level, text });
  const note = (text: string) => blocks.push({ kind: 'note', text });
  const figure = (slug: string, caption: string, svg: string, p: Provenance = prov) => blocks.push({ kind: 'figure', figure: { caption, file: figName(slug), svg, provenance: p } });
  const env = (r.env ?? {}) as { git_commit?: string; dataset_hash?: string; node?: string; cpu?: { model?: string; cores?: number } };

  H(1, `Run ${r.id}`);
  blocks.push({
    kind: 'list',
    items: [
      `command: \`${prov.command}\``,
      `status: ${r.run.status} · started ${r.run.started ?? '?'} · ended ${r.run.ended ?? '—'}${r.run.resumed?.length ? ` · resumed ${r.run.resumed.length}×` : ''}`,
      `config hash: ${hash}${r.run.teacher ? ` · teacher ${r.run.teacher} (config hash ${r.run.teacher_config_hash ?? 'n/a'})` : ''}${r.run.parent ? ` · parent ${r.run.parent}` : ''}`,
      `backend: ${backend} · node ${env.node ?? '?'} · CPU ${env.cpu?.model ?? '?'} (${env.cpu?.cores ?? '?'} cores) · git ${env.git_commit ?? '?'}`,
      `dataset sha256: ${env.dataset_hash ?? '?'}`,
    ],
  });
  if (r.run.error) note(`The run recorded an error: ${r.run.error}`);

  // Training curves.
  const epochs = r.metrics.filter((m) => finite(m.epoch));
  const curve = (fields: string[]): BandSeries[] =>
    fields
      .map((f) => ({ name: f, points: epochs.filter((m) => finite(m[f])).map((m) => ({ x: m.epoch as number, mean: m[f] as number, std: 0, n: 1 })) }))
      .filter((s) => s.points.length);
  H(2, 'Training curves');
  let drawn = 0;
  for (const [slug, fields, y] of [['accuracy', ['train_acc', 'val_acc'], 'accuracy'], ['loss', ['train_loss', 'val_loss'], 'loss']] as const) {
    const series = curve([...fields]);
    if (!series.length) continue;
    drawn++;
    figure(`curve-${slug}`, `Training curves: ${fields.join(' and ')} per epoch (metrics.jsonl)`, await bandChartSvg({ title: `${y} vs epoch`, subtitle: `run ${r.id}`, xLabel: 'epoch', yLabel: y, series }));
  }
  if (!drawn) note('No metrics.jsonl records: no training curves.');

  // Test metrics (summary.json).
  H(2, 'Test metrics');
  const s = r.summary as { test?: ClassMetrics & { n?: number }; best_epoch?: number; best_metric?: { name: string; value: number }; epochs?: number; final?: Record<string, number> } | null;
  if (!s?.test) note('No summary.json test metrics (the run did not finish).');
  else {
    const rows: string[][] = [];
    for (const [k, label] of [['accuracy', 'accuracy'], ['macro_f1', 'macro-F1'], ['cross_entropy', 'cross-entropy'], ['roc_auc', 'ROC-AUC'], ['pr_auc', 'PR-AUC'], ['n', 'samples']] as const) {
      const v = (s.test as unknown as Record<string, unknown>)[k];
      if (finite(v)) rows.push([label, k === 'n' ? String(v) : fmt(v)]);
    }
    if (finite(s.best_epoch)) rows.push(['best epoch', `${s.best_epoch}${s.best_metric ? ` (by ${s.best_metric.name} = ${fmt(s.best_metric.value)})` : ''}`]);
    blocks.push({ kind: 'table', table: { caption: 'Test split, best checkpoint (summary.json)', head: ['metric', 'value'], numeric: [false, true], rows, provenance: prov } });
  }

  // eval/*.json
  const { results: evals, analysis: a } = readEvalFolder(r.dir);
  H(2, 'Missing-modality evaluations (eval/*.json)');
  if (!evals.length) note('No `mmc eval` results in eval/.');
  for (const f of evals) {
    const e = f.result;
    const args = ['eval', '--run', r.id, '--split', e.split, '--checkpoint', e.checkpoint, '--protocol', e.protocol];
    if (e.condition.missing.length) args.push('--missing-modality', e.condition.missing.join(','), '--missing-rate', String(e.condition.rate), '--seed', String(e.condition.seed));
    const p: Provenance = { ...prov, command: `mmc ${shellJoin(args)} (rebuilt from eval/${f.name}; the run itself: ${prov.command})` };
    const row = (label: string, m: ClassMetrics) => [label, pct(m.accuracy), pct(m.macro_f1), fmt(m.cross_entropy)];
    const rows = [row('all modalities', e.all_present)];
    if (e.condition.missing.length) rows.push(row(`${e.condition.missing.join('+')} missing (rate ${e.condition.rate})`, e.metrics));
    for (const pm of e.per_modality) rows.push(row(`${pm.modality} alone`, pm.alone), row(`${pm.modality} missing`, pm.missing));
    const subs = Object.entries(e.substitutes ?? {}).map(([m, k]) => (k ? `${m} substituted by h_${m}⁻¹(g_${k})` : `${m}: no substitute available, zero protocol used`));
    blocks.push({ kind: 'table', table: { caption: `eval/${f.name}: ${e.split} split, ${e.checkpoint} checkpoint, ${e.protocol} protocol`, head: ['condition', 'accuracy %', 'macro-F1 %', 'cross-entropy'], numeric: [false, true, true, true], rows, notes: subs, provenance: p } });
  }

  // eval/analysis.json
  H(2, 'Collapse analysis (eval/analysis.json)');
  if (!a) {
    note('No eval/analysis.json (run `mmc analyze --run RUN`): ranks, Shapley values and polysemanticity are not shown.');
    return blocks;
  }
  const ap: Provenance = { ...prov, command: `mmc ${shellJoin(['analyze', '--run', r.id, '--split', a.split])} (rebuilt from eval/analysis.json: ${a.checkpoint} checkpoint, τ = ${a.rank.fused.tau}, κ = ${a.polysemanticity.kappa}; the run itself: ${prov.command})` };
  const rankRow = (label: string, k: Analysis['rank']['fused']) => [label, `${k.dims[0]} × ${k.dims[1]}`, String(k.numerical_rank), fmt(k.effective_rank)];
  blocks.push({ kind: 'table', table: { caption: `Ranks (${a.split} split, n = ${a.n})`, head: ['representation', 'samples × width', 'numerical rank', 'effective rank'], numeric: [false, false, true, true], rows: [rankRow('fused', a.rank.fused), ...(a.rank.pooled ? [rankRow('pooled attention tokens', a.rank.pooled)] : []), ...a.modalities.map((m) => rankRow(`encoder ${m}`, a.rank.encoders[m]))], provenance: ap } });
  blocks.push({
    kind: 'table',
    table: {
      caption: `Per-modality contribution (${a.split} split; all present: accuracy ${pct(a.all_present.accuracy)} %)`,
      head: ['modality', 'Shapley (accuracy)', 'acc drop, zero', 'acc drop, mean', 'accuracy alone %', 'probe gap (CE)', 'AUC missing (zero)', 'AUC noise'],
      numeric: [false, true, true, true, true, true, true, true],
      rows: a.modalities.map((m) => [m, fmt(a.contribution.shapley.values[m]), fmt(a.contribution.zero[m].accuracy_drop), fmt(a.contribution.mean[m].accuracy_drop), pct(a.semantic_loss[m].alone_accuracy), fmt(a.semantic_loss[m].gap), fmt(a.robustness.missing[m]?.auc), fmt(a.robustness.noise[m]?.auc)]),
      notes: [`Shapley values sum to v(all) − v(none) = ${fmt(a.contribution.shapley.all_present)} − ${fmt(a.contribution.shapley.none_present)}.`],
      provenance: ap,
    },
  });
  const poly = a.polysemanticity;
  const prow: string[][] = [
    ['cross-modal polysemantic fraction', fmt(poly.cross_modal_fraction)],
    ['mean normalised entropy', fmt(poly.mean_normalised_entropy)],
    ['live / dead neurons', `${poly.live_neurons} / ${poly.dead_neurons}`],
    ['threshold κ/M', fmt(poly.threshold)],
  ];
  if (a.collisions) prow.push(['noise–predictive collision fraction', fmt(a.collisions.noise_predictive_collision_fraction)], ['component polysemantic fraction', fmt(a.collisions.cross_modal_fraction)]);
  blocks.push({ kind: 'table', table: { caption: 'Polysemanticity of the fusion head', head: ['measure', 'value'], numeric: [false, true], rows: prow, provenance: ap } });
  figure('shapley', 'Shapley values of accuracy per modality (zero protocol)', await barChartSvg({ title: 'Shapley values', subtitle: `run ${r.id}`, xLabel: 'modality', yLabel: 'Shapley value (accuracy)', bars: a.modalities.map((m) => ({ category: m, series: 'Shapley', mean: a.contribution.shapley.values[m], std: 0, n: 1 })) }), ap);
  const curves: BandSeries[] = [];
  for (const [proto, set] of [['zero', a.robustness.missing], ['mean', a.robustness.missing_mean], ['substitute', a.robustness.missing_substitute]] as const) {
    for (const m of a.modalities) {
      const c = set?.[m];
      if (c) curves.push({ name: `${m} missing (${proto})`, points: c.x.map((x, i) => ({ x, mean: c.y[i], std: 0, n: 1 })) });
    }
  }
  if (curves.length) figure('missing-rate', 'Accuracy as each modality goes missing from a growing share of test samples, per protocol', await bandChartSvg({ title: 'accuracy vs missing rate', subtitle: `run ${r.id}`, xLabel: 'missing rate', yLabel: 'accuracy', series: curves }), ap);
  const sv: BandSeries[] = [['fused', a.rank.fused] as const, ...a.modalities.map((m) => [`encoder ${m}`, a.rank.encoders[m]] as const)].map(([name, k]) => ({ name, points: k.singular_values.map((v, i) => ({ x: i + 1, mean: k.singular_values[0] > 0 ? v / k.singular_values[0] : 0, std: 0, n: 1 })) }));
  figure('spectrum', 'Singular values of the centred representations, normalised by the largest', await bandChartSvg({ title: 'singular value spectrum', subtitle: `run ${r.id}`, xLabel: 'index', yLabel: 'σ_i / σ_max', series: sv }), ap);
  return blocks;
}
