// A diagnosis folder in `mmc report`: what `mmc diagnose --out DIR` measured, as tables and figures.
import type { Diagnosis } from '../run/records/index.js';
import { barChartSvg } from './charts.js';
import type { Block, Provenance } from './doc.js';
import { bandChartSvg, type BandSeries } from './plot.js';
import { pct } from './run-report.js';
import { fmt, type FigureNamer } from './sweep-report.js';

export async function diagnosisBlocks(d: Diagnosis, dir: string, figName: FigureNamer): Promise<Block[]> {
  const m = d.measures;
  const prov: Provenance = { source: `diagnosis ${dir}`, command: `mmc diagnose --model ${d.model} (${d.data}, absence ${d.absence.protocol})`, configHash: 'n/a', backend: 'onnxruntime-web (wasm)' };
  const blocks: Block[] = [{ kind: 'heading', level: 1, text: `Diagnosis of ${d.model}` }];
  blocks.push({ kind: 'list', items: [`data: ${d.data} · split ${d.split} · n ${d.n} · standardize ${d.standardize}`, `absence: ${d.absence.protocol} — ${d.absence.description}`, `all present: accuracy ${pct(m.all_present.accuracy)} %, macro-F1 ${fmt(m.all_present.macro_f1)}, cross-entropy ${fmt(m.all_present.cross_entropy)}`] });
  blocks.push({
    kind: 'table',
    table: {
      caption: 'Per modality: accuracy with it missing and alone, exact Shapley value of accuracy, share of the gain, verdict',
      head: ['modality', 'model input', 'missing %', 'alone %', 'Shapley', 'share', 'AUC missing', 'verdict'],
      numeric: [false, false, true, true, true, true, true, false],
      rows: d.modalities.map((x) => [x, d.inputs[x], pct(m.without[x].accuracy), pct(m.alone[x].accuracy), fmt(m.shapley.values[x]), fmt(d.verdicts[x].share), fmt(m.missing[x].auc), d.verdicts[x].verdict]),
      notes: [`Shapley values sum to acc(all) − acc(none) = ${fmt(m.shapley.all_present)} − ${fmt(m.shapley.none_present)}; thresholds in docs/diagnose.md.`],
      provenance: prov,
    },
  });
  const uni = Object.entries(d.unimodal);
  if (uni.length) blocks.push({ kind: 'table', table: { caption: 'Collapse gap: your model with only this modality vs a model trained on it alone', head: ['modality', 'your model, only it present %', 'unimodal model %', 'gap'], numeric: [false, true, true, true], rows: uni.map(([x, u]) => [x, pct(u.fused_model_alone), pct(u.accuracy), fmt(u.gap)]), provenance: prov } });
  if (m.fused) blocks.push({ kind: 'table', table: { caption: `Output ${d.features}: rank and polysemanticity`, head: ['measure', 'value'], numeric: [false, true], rows: [['effective rank', fmt(m.fused.rank.effective_rank)], ['numerical rank', `${m.fused.rank.numerical_rank} of ${m.fused.rank.dims[1]}`], ['cross-modal polysemantic fraction', fmt(m.fused.polysemanticity.cross_modal_fraction)], ['live / dead neurons', `${m.fused.polysemanticity.live_neurons} / ${m.fused.polysemanticity.dead_neurons}`]], provenance: prov } });
  const figure = (slug: string, caption: string, svg: string) => blocks.push({ kind: 'figure', figure: { caption, file: figName(slug), svg, provenance: prov } });
  figure('shapley', 'Shapley values of accuracy per modality', await barChartSvg({ title: 'Shapley values', subtitle: d.model, xLabel: 'modality', yLabel: 'Shapley value (accuracy)', bars: d.modalities.map((x) => ({ category: x, series: 'Shapley', mean: m.shapley.values[x], std: 0, n: 1 })) }));
  const curves: BandSeries[] = d.modalities.map((x) => ({ name: `${x} missing`, points: m.missing[x].x.map((r, i) => ({ x: r, mean: m.missing[x].y[i], std: 0, n: 1 })) }));
  figure('missing-rate', 'Accuracy as each modality goes missing from a growing share of samples', await bandChartSvg({ title: 'accuracy vs missing rate', subtitle: d.model, xLabel: 'missing rate', yLabel: 'accuracy', series: curves }));
  return blocks;
}
