import { Command, Option } from 'commander';
import { DEFAULT_ANALYZE } from '../commands/analyze.js';
import { diagnose, type Standardize } from '../commands/diagnose.js';
import { VERDICT_THRESHOLDS } from '../core/analysis/verdict.js';
import { parseAbsence, parsePairs } from '../diagnose/inputs.js';
import { EVAL_SPLITS, type EvalSplit } from '../config/schema.js';
import type { Diagnosis } from '../run/records/index.js';
import { UsageError } from '../errors.js';
import { parseSeed, printJson, quietOption } from './common.js';

interface DiagnoseOpts {
  model: string;
  data?: string;
  config?: string;
  inputs?: string;
  logits: string;
  features?: string;
  split: EvalSplit;
  standardize?: Standardize;
  absence: string;
  unimodal?: string;
  tau: string;
  kappa: string;
  seed: string;
  out?: string;
  json?: boolean;
}

const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)} %` : 'n/a');
const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

function positive(flag: string, v: string): number {
  const x = Number(v);
  if (!(x > 0) || !Number.isFinite(x)) throw new UsageError(`${flag} ${v}: expected a positive number`);
  return x;
}

export function formatDiagnosis(d: Diagnosis): string {
  const m = d.measures;
  const L = [`model ${d.model}  data ${d.data}  split ${d.split}  n ${d.n}`, `absence: ${d.absence.protocol}${d.absence.input ? ` (${d.absence.input})` : ''}: ${d.absence.description}`];
  L.push(`all present: accuracy ${pct(m.all_present.accuracy)}, macro-F1 ${f3(m.all_present.macro_f1)}, cross-entropy ${f3(m.all_present.cross_entropy)}${m.all_present.roc_auc !== undefined ? `, ROC-AUC ${f3(m.all_present.roc_auc)}, PR-AUC ${f3(m.all_present.pr_auc!)}` : ''}; none present ${pct(m.shapley.none_present)}`);
  if (m.fused) L.push(`${d.features}: effective rank ${f3(m.fused.rank.effective_rank)}, numerical rank ${m.fused.rank.numerical_rank} of ${m.fused.rank.dims[1]}; polysemantic (cross-modal) fraction ${f3(m.fused.polysemanticity.cross_modal_fraction)} of ${m.fused.polysemanticity.live_neurons} live neurons`);
  L.push('modality   input        missing    alone      Shapley  share   AUC missing  verdict');
  for (const x of d.modalities) {
    const v = d.verdicts[x];
    L.push([x.padEnd(10), d.inputs[x].padEnd(12), pct(m.without[x].accuracy).padStart(8), pct(m.alone[x].accuracy).padStart(8), f3(m.shapley.values[x]).padStart(9), f3(v.share).padStart(6), f3(m.missing[x].auc).padStart(12), ` ${v.verdict}`].join(' '));
  }
  for (const x of d.modalities) L.push(`${x}: ${d.verdicts[x].verdict}`);
  for (const [x, u] of Object.entries(d.unimodal)) {
    const others = d.modalities.filter((k) => k !== x).join(', ');
    L.push(`with ${others || 'nothing else'} missing your model reaches ${pct(u.fused_model_alone)}, a model on ${x} alone ${pct(u.accuracy)} (gap ${pct(u.gap)})`);
  }
  return L.join('\n');
}

export function diagnoseCommand(): Command {
  const t = VERDICT_THRESHOLDS;
  return new Command('diagnose')
    .description('measure modality collapse in your own model (ONNX): ablation, exact Shapley values, missing-rate curves, rank and polysemanticity of a fused layer')
    .requiredOption('--model <file>', 'the model, an .onnx file (export from PyTorch with torch.onnx.export)')
    .option('--data <dir|name>', 'a dataset folder (manifest.yaml + .npy) or a dataset name (avmnist-mini, synthetic, …)')
    .option('--config <file>', "a config file: diagnose on its dataset (instead of --data)")
    .option('--inputs <pairs>', 'modality=input pairs when the model\'s input names differ from the modality names, e.g. image=x_img,audio=x_aud')
    .option('--logits <name>', 'the output with the class scores', 'logits')
    .option('--features <name>', 'an intermediate output (e.g. the fused representation): adds its rank and polysemanticity')
    .addOption(new Option('--split <split>', 'split to diagnose').choices([...EVAL_SPLITS]).default('test'))
    .addOption(new Option('--standardize <how>', "feed the data as stored (none), or z-scored with the training split's statistics first (default: none; with --config, a folder dataset's own dataset.standardize)").choices(['none', 'feature', 'global']))
    .option('--absence <how>', 'a missing modality at the input: zero (zeros), mean (training-split mean input), mask:INPUT (the model takes a presence input [batch, M], 1 = present)', 'zero')
    .option('--unimodal <pairs>', 'modality=file.onnx of models trained on one modality alone: the collapse gap')
    .option('--tau <t>', 'numerical rank: count σ > τ·σ_max', String(DEFAULT_ANALYZE.tau))
    .option('--kappa <k>', 'a modality holds a large share of a neuron at ≥ κ/M', String(DEFAULT_ANALYZE.kappa))
    .option('--seed <n>', 'which samples lose a modality on the missing-rate curves', '0')
    .option('--out <dir>', 'write DIR/diagnosis.json (mmc report DIR renders it)')
    .option('--json', 'print the diagnosis as JSON')
    .addOption(quietOption())
    .addHelpText(
      'after',
      `
Verdicts (share = Shapley value / (accuracy all present − accuracy none present), M modalities):
  collapsed  share < ${t.collapsed}/M          the model barely uses the modality
  dominant   share > max(0.5, ${t.dominant}/M)   the model leans on it over the others
  used       otherwise
  undetermined  the model gains < ${t.minGain} accuracy over nothing present
Details: docs/diagnose.md.

Example:
  mmc diagnose --model model.onnx --data my_dataset --features fused --json`,
    )
    .action(async (o: DiagnoseOpts) => {
      if (o.data && o.config) throw new UsageError('--data and --config: give one');
      const d = await diagnose({
        model: o.model,
        source: { data: o.data, config: o.config },
        inputs: o.inputs ? parsePairs('--inputs', o.inputs) : undefined,
        logits: o.logits,
        features: o.features,
        split: o.split,
        standardize: o.standardize,
        absence: parseAbsence(o.absence),
        unimodal: o.unimodal ? parsePairs('--unimodal', o.unimodal) : {},
        tau: positive('--tau', o.tau),
        kappa: positive('--kappa', o.kappa),
        seed: parseSeed(o.seed),
        out: o.out,
      });
      if (o.json) printJson(d);
      else process.stdout.write(formatDiagnosis(d) + '\n' + (d.file ? `${d.file}\n` : ''));
    });
}
