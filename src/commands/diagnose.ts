// `mmc diagnose --model FILE.onnx`: the collapse measures of a model mmc did not train, from forward
// passes only (core/analysis/collapse.ts, the implementation `mmc analyze` uses). Absence is at the
// model's input — zeros or the training-split mean input — or, when the model takes a presence
// input, wherever the model applies it.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { collapseMeasures, DEFAULT_MISSING_RATES, type Forward } from '../core/analysis/collapse.js';
import { verdicts } from '../core/analysis/verdict.js';
import { classificationMetrics } from '../core/metrics.js';
import { datasetSchema, type EvalSplit } from '../config/schema.js';
import { loadConfigFile } from '../config/load.js';
import { loadDataset, DATASETS } from '../data/registry.js';
import { standardize } from '../data/array-checks.js';
import type { Dataset } from '../data/types.js';
import { openOnnx } from '../diagnose/onnx-model.js';
import { meanInputs, onnxForward } from '../diagnose/forward.js';
import { pickOutput, planInputs, type InputAbsence } from '../diagnose/inputs.js';
import { UsageError } from '../errors.js';
import { writeJsonAtomic } from '../run/atomic.js';
import { DIAGNOSIS_FILE, type Diagnosis } from '../run/records/index.js';

export type Standardize = 'feature' | 'global' | 'none';

export interface DataSource {
  data?: string; // a dataset folder, or a dataset name
  config?: string; // a config file: its dataset
}

export interface DiagnoseOptions {
  model: string;
  source: DataSource;
  inputs?: Record<string, string>; // modality → model input
  logits: string;
  features?: string;
  split: EvalSplit;
  standardize?: Standardize; // default: none, or a --config folder dataset's own dataset.standardize
  absence: InputAbsence;
  unimodal: Record<string, string>; // modality → ONNX file of a model on that modality alone
  tau: number;
  kappa: number;
  seed: number;
  missingRates?: number[];
  out?: string; // folder for diagnosis.json
  batch?: number;
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/** The dataset as stored (no standardisation), then the one asked for (default: none; a config's folder dataset: its own). */
export function diagnosisData(src: DataSource, asked?: Standardize): { dataset: Dataset; label: string; standardize: Standardize } {
  let cfg;
  if (src.config) cfg = loadConfigFile(src.config).dataset;
  else if (src.data && isDir(src.data)) cfg = datasetSchema.parse({ name: 'folder', path: src.data });
  else if (src.data && src.data in DATASETS) {
    const parsed = datasetSchema.safeParse({ name: src.data });
    if (!parsed.success) throw new UsageError(`--data ${src.data}: this dataset needs settings (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}); give a config with --config FILE`);
    cfg = parsed.data;
  }
  else if (src.data) throw new UsageError(`--data ${src.data}: neither a dataset folder nor a dataset name (${Object.keys(DATASETS).join(', ')})`);
  else throw new UsageError('diagnose needs --data DIR|NAME or --config FILE');
  const mode = asked ?? (src.config && cfg.name === 'folder' ? cfg.standardize : 'none');
  if (cfg.name === 'folder') cfg = { ...cfg, standardize: 'none' as const };
  const dataset = loadDataset(cfg);
  const label = cfg.name === 'folder' || cfg.name === 'avmnist' ? `${cfg.name} ${cfg.path}` : cfg.name;
  if (mode !== 'none') {
    const { train, val, test } = dataset.splits;
    for (const m of dataset.modalities) standardize(train.x[m.name], [val.x[m.name], test.x[m.name]], train.n, mode, train.present?.[m.name]);
  }
  return { dataset, label, standardize: mode };
}

const ABSENCE_TEXT: Record<InputAbsence['protocol'], string> = {
  zero: 'a missing modality is fed as zeros at the model input (not at the fusion input, as mmc analyze does)',
  mean: "a missing modality is fed as the training split's mean input row at the model input",
  mask: "the model's presence input says which modalities are missing; the model handles them itself",
};

export async function diagnose(o: DiagnoseOptions): Promise<Diagnosis & { file?: string }> {
  const { dataset, label, standardize: mode } = diagnosisData(o.source, o.standardize);
  const model = await openOnnx(o.model);
  try {
    const plan = planInputs(model.inputs, dataset.modalities, { map: o.inputs, absence: o.absence });
    pickOutput(model.outputs, o.logits, '--logits');
    if (o.features) pickOutput(model.outputs, o.features, '--features');
    const split = dataset.splits[o.split];
    const names = plan.map((p) => p.modality);
    const C = dataset.numClasses;
    const binary = dataset.task === 'binary';
    const forward = onnxForward(model, split, plan, { absence: o.absence, fill: o.absence.protocol === 'mean' ? meanInputs(dataset.splits.train, plan) : null, logits: o.logits, features: o.features, batch: o.batch ?? 1024 });
    const checked: Forward = async (masks) => {
      const r = await forward(masks);
      if (r.logitWidth !== C && !(binary && r.logitWidth === 1)) throw new UsageError(`--logits ${o.logits}: the model gives ${r.logitWidth} scores per sample, the data have ${C} classes`);
      return r;
    };
    const measures = await collapseMeasures(checked, { names, y: split.y, numClasses: C, binary, tau: o.tau, kappa: o.kappa, seed: o.seed, missingRates: o.missingRates ?? DEFAULT_MISSING_RATES });
    const unimodal: Diagnosis['unimodal'] = {};
    for (const [m, file] of Object.entries(o.unimodal)) {
      if (!names.includes(m)) throw new UsageError(`--unimodal ${m}=${file}: the model has no modality ${m} (it has ${names.join(', ')})`);
      const uni = await openOnnx(file);
      try {
        const uplan = planInputs(uni.inputs, dataset.modalities.filter((x) => x.name === m), { absence: { protocol: 'zero' }, map: uni.inputs.length === 1 && uni.inputs[0].name !== m ? { [m]: uni.inputs[0].name } : undefined });
        const logits = uni.outputs.some((x) => x.name === o.logits) ? o.logits : uni.outputs[0].name;
        const r = await onnxForward(uni, split, uplan, { absence: { protocol: 'zero' }, fill: null, logits, batch: o.batch ?? 1024 })(null);
        const acc = classificationMetrics(r.probs, split.y, C, binary).accuracy;
        unimodal[m] = { model: file, accuracy: acc, fused_model_alone: measures.alone[m].accuracy, gap: acc - measures.alone[m].accuracy };
      } finally {
        await uni.close();
      }
    }
    const result: Diagnosis = {
      kind: 'mmc-diagnosis',
      model: o.model,
      data: label,
      split: o.split,
      n: split.n,
      modalities: names,
      inputs: Object.fromEntries(plan.map((p) => [p.modality, p.input])),
      logits: o.logits,
      features: o.features ?? null,
      standardize: mode,
      absence: { protocol: o.absence.protocol, ...(o.absence.protocol === 'mask' ? { input: o.absence.input } : {}), level: o.absence.protocol === 'mask' ? 'fusion' : 'input', description: ABSENCE_TEXT[o.absence.protocol] },
      measures,
      verdicts: verdicts(measures.shapley.values, measures.shapley.all_present, measures.shapley.none_present),
      unimodal,
    };
    if (!o.out) return result;
    const dir = resolve(o.out);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, DIAGNOSIS_FILE);
    writeJsonAtomic(file, result);
    return { ...result, file };
  } finally {
    await model.close();
  }
}
