// `mmc eval --run RUN`: metrics of a run's checkpoint on val or test, with modalities missing.
import { existsSync } from 'node:fs';
import type { EvalSplit } from '../config/schema.js';
import { chooseSubstitutes, meanFeatures, presenceMasks, type Protocol } from '../core/absence.js';
import type { ClassMetrics } from '../core/metrics.js';
import { evaluateSplit } from '../core/predict.js';
import { disposeSplit, toTensors, type TensorSplit } from '../core/tensors.js';
import { UsageError } from '../errors.js';
import { writeJsonAtomic } from '../run/atomic.js';
import { checkpointDir, type CheckpointName } from '../run/checkpoint.js';
import type { RunContext } from '../run/context.js';
import { readEbr, type EvalResult } from '../run/records/index.js';
import type { RunFolder } from '../run/run-folder.js';
import { dataFor, modelFromCheckpoint, modelSpec } from './data-and-model.js';

export interface EvalOptions {
  run: RunFolder;
  missing: string[]; // modalities to remove
  rate: number; // fraction of samples that lose them
  protocol: Protocol;
  split: EvalSplit;
  checkpoint: CheckpointName;
  seed: number; // which samples lose the modality
  name?: string; // eval/<name>.json
  substituteWith?: string; // substitute protocol: use this modality instead of the ranking's choice
}

/** The g-space similarity ranking an EBR run stores in ebr.json (mmc reallocate). */
export function readRanking(run: RunFolder): Record<string, string[]> {
  const file = run.path('ebr.json');
  if (!existsSync(file)) throw new UsageError(`--protocol substitute: run ${run.id} has no g-space similarity ranking (ebr.json); only runs trained with mmc reallocate can substitute — use --protocol zero or mean`);
  return readEbr(file).ranking;
}

export async function evaluateRun(ctx: RunContext, o: EvalOptions): Promise<EvalResult> {
  const config = ctx.config;
  const dataset = dataFor(config);
  const spec = modelSpec(config, dataset);
  const names = spec.modalities.map((m) => m.name);
  for (const m of o.missing) {
    if (!names.includes(m)) throw new UsageError(`--missing-modality ${m}: the run's modalities are ${names.join(', ')}`);
  }
  const dir = checkpointDir(o.run.path('checkpoints'), o.checkpoint);
  if (!dir) throw new UsageError(`run ${o.run.id} has no ${o.checkpoint} checkpoint yet`);
  const model = modelFromCheckpoint(config, dataset, dir);
  const binary = dataset.task === 'binary';

  const split = toTensors(dataset.splits[o.split], names);
  let trainT: TensorSplit | null = null;
  let fill: Record<string, Float32Array> | null = null;
  if (o.protocol === 'mean') {
    trainT = toTensors(dataset.splits.train, names);
    fill = await meanFeatures(model, trainT);
    disposeSplit(trainT);
  }
  let ranking = o.protocol === 'substitute' ? readRanking(o.run) : null;
  if (ranking && o.substituteWith) {
    if (!names.includes(o.substituteWith)) throw new UsageError(`--substitute-with ${o.substituteWith}: the run's modalities are ${names.join(', ')}`);
    ranking = Object.fromEntries(names.map((m) => [m, m === o.substituteWith ? [] : [o.substituteWith!]]));
  }
  // Substitution follows the ranking sample by sample: the first modality present in that sample stands in.
  const run = (missing: string[], rate: number) => evaluateSplit(model, split, binary, { masks: presenceMasks(split.n, names, { modalities: missing, rate, seed: o.seed }), fill, substitute: ranking ?? undefined });
  try {
    const allPresent = await run([], 0);
    const metrics = o.missing.length ? await run(o.missing, o.rate) : allPresent;
    const perModality = [];
    for (const m of names) {
      perModality.push({ modality: m, alone: await run(names.filter((n) => n !== m), 1), missing: await run([m], 1) });
    }
    const name = o.name ?? evalName(o);
    const file = o.run.path('eval', `${name}.json`);
    const result: EvalResult = {
      run: o.run.id,
      file,
      split: o.split,
      protocol: o.protocol,
      checkpoint: o.checkpoint,
      condition: { missing: o.missing, rate: o.missing.length ? o.rate : 0, seed: o.seed },
      metrics,
      all_present: allPresent,
      per_modality: perModality,
      ...(ranking ? { substitutes: chooseSubstitutes(o.missing, ranking) } : {}),
    };
    writeJsonAtomic(file, result);
    return result;
  } finally {
    disposeSplit(split);
    model.dispose();
  }
}

function evalName(o: EvalOptions): string {
  const cond = (o.missing.length ? `missing-${o.missing.join('+')}-r${o.rate}` : 'full') + (o.substituteWith ? `-with-${o.substituteWith}` : '');
  return `${o.split}-${o.checkpoint}-${o.protocol}-${cond}`.replace(/[^A-Za-z0-9_.+-]/g, '_');
}

const pct = (v: number) => (Number.isFinite(v) ? (100 * v).toFixed(1).padStart(5) : '  n/a');

export function formatEvalTable(r: EvalResult): string {
  const lines = [`run ${r.run}  split ${r.split}  checkpoint ${r.checkpoint}  protocol ${r.protocol}`];
  for (const [m, k] of Object.entries(r.substitutes ?? {})) lines.push(k ? `${m} substituted by h_${m}⁻¹(g_${k}) (in a sample without ${k}, by the next present in the ranking, else zero)` : `${m}: no available substitute, zero protocol used`);
  const row = (label: string, m: ClassMetrics) =>
    `${label.padEnd(28)} ${pct(m.accuracy)}  ${pct(m.macro_f1)}  ${m.cross_entropy.toFixed(4).padStart(8)}` + (m.roc_auc !== undefined ? `  ${pct(m.roc_auc)}  ${pct(m.pr_auc!)}` : '');
  const binary = r.metrics.roc_auc !== undefined;
  lines.push(`${'condition'.padEnd(28)} acc %  F1 %  ${'CE'.padStart(8)}${binary ? '  AUROC  AUPRC' : ''}`);
  lines.push(row('all modalities', r.all_present));
  if (r.condition.missing.length) lines.push(row(`${r.condition.missing.join('+')} missing (rate ${r.condition.rate})`, r.metrics));
  for (const p of r.per_modality) {
    lines.push(row(`${p.modality} alone`, p.alone));
    lines.push(row(`${p.modality} missing`, p.missing));
  }
  return lines.join('\n');
}
