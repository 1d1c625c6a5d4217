// `mmc analyze --run RUN`: the collapse measurements of a trained run, written to eval/analysis.json.
import * as tf from '@tensorflow/tfjs';
import type { Config, EvalSplit, SyntheticDatasetConfig } from '../config/schema.js';
import { meanFeatures, presenceMasks } from '../core/absence.js';
import { disposeEncoded, encodeBatches, encodedArrays, encodedWithout, encoderOutputs, fusedAndProbs, type Readout } from '../core/analysis/activations.js';
import { ablation, collapseMeasures, DEFAULT_MISSING_RATES, eachMissingCurve, missingCurves, type Forward, type Masks } from '../core/analysis/collapse.js';
import { curve, type Curve } from '../core/analysis/curves.js';
import { attributionShares, collisionFraction, polysemanticity } from '../core/analysis/polysemanticity.js';
import { linearProbe, DEFAULT_PROBE } from '../core/analysis/probe.js';
import { rankReport, type RankReport } from '../core/analysis/rank.js';
import { classificationMetrics } from '../core/metrics.js';
import type { FusionModel } from '../core/model.js';
import { Rng } from '../core/rng.js';
import { disposeSplit, toTensors } from '../core/tensors.js';
import { projectLatents } from '../data/synthetic.js';
import type { Dataset } from '../data/types.js';
import { UsageError } from '../errors.js';
import { writeJsonAtomic } from '../run/atomic.js';
import { checkpointDir, type CheckpointName } from '../run/checkpoint.js';
import type { Analysis } from '../run/records/index.js';
import type { RunFolder } from '../run/run-folder.js';
import { dataFor, modelFromCheckpoint } from './data-and-model.js';
import { readRanking } from './eval.js';
import { existsSync } from 'node:fs';

export interface AnalyzeOptions {
  split: EvalSplit;
  checkpoint: CheckpointName;
  tau: number; // numerical rank threshold, relative to σ_max
  kappa: number; // large share = at least κ × the uniform share
  seed: number; // noise draws and missing-sample choice for the robustness curves
  noiseLevels: number[]; // σ in units of the modality's input standard deviation
  missingRates: number[];
}

export const DEFAULT_ANALYZE: Omit<AnalyzeOptions, 'split' | 'checkpoint' | 'seed'> = {
  tau: 1e-3,
  kappa: 0.5,
  noiseLevels: [0, 0.25, 0.5, 1, 2, 4],
  missingRates: DEFAULT_MISSING_RATES,
};

/** `mmc analyze`'s settings for a run: the defaults, the run's eval split, selected checkpoint and seed, then `o`. */
export function analyzeOptions(config: Config, o: Partial<AnalyzeOptions> = {}): AnalyzeOptions {
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<AnalyzeOptions>;
  return { ...DEFAULT_ANALYZE, split: config.eval.split, checkpoint: config.train.select, seed: config.seed, ...given };
}

type Inputs = Record<string, tf.Tensor2D>;

/** The analysis itself, on a model and data already in memory (tests call this directly). */
export async function analyzeModel(model: FusionModel, dataset: Dataset, o: AnalyzeOptions, synthetic?: SyntheticDatasetConfig, ranking?: Record<string, string[]> | null): Promise<Omit<Analysis, 'run' | 'checkpoint'>> {
  const names = model.modalityNames;
  const M = names.length;
  const C = model.spec.numClasses;
  const binary = dataset.task === 'binary';
  const evalSplit = dataset.splits[o.split];
  const n = evalSplit.n;
  const train = toTensors(dataset.splits.train, names);
  const ev = toTensors(evalSplit, names);
  // The eval split's encoder outputs once: every readout below that only makes modalities absent
  // reuses them (the same bits as encoding again), which is most of analysis's forward passes.
  const encoded = encodeBatches(model, ev.x, n);
  try {
    const fill = await meanFeatures(model, train);
    const masksWithout = (missing: string[]) => presenceMasks(n, names, { modalities: missing, rate: 1, seed: 0 });
    const metricsOf = (probs: Float32Array) => classificationMetrics(probs, evalSplit.y, C, binary);

    // The measures diagnose shares (core/analysis/collapse.ts), with absence at the fusion input
    // (zero protocol); the pass with everything present also reads attention's pooled tokens.
    let pooled: { values: Float32Array; width: number } | undefined;
    let base: { fused: Float32Array; width: number } = { fused: new Float32Array(0), width: 0 };
    const forward: Forward = async (masks) => {
      const r = await fusedAndProbs(model, ev.x, n, { masks, pooled: masks === null, encoded });
      if (masks === null) [pooled, base] = [r.pooled, r];
      return { probs: r.probs, fused: { values: r.fused, width: r.width } };
    };
    const c = await collapseMeasures(forward, { names, y: evalSplit.y, numClasses: C, binary, tau: o.tau, kappa: o.kappa, seed: o.seed, missingRates: o.missingRates });
    const allPresent = c.all_present;
    const encOut = await encodedArrays(encoded);
    const encoders: Record<string, RankReport> = {};
    for (const m of names) encoders[m] = rankReport(encOut[m], n, encOut[m].length / n, o.tau);
    // Attention fusion: also the pooled tokens, the MLP's input (the fused neurons stay the MLP's last hidden layer, as for every operator).
    const rank = { fused: c.fused!.rank, encoders, ...(pooled ? { pooled: rankReport(pooled.values, n, pooled.width, o.tau) } : {}) };

    // Ablation contributions: zero protocol from the shared measures, mean protocol here (feature level only).
    const mean: Analysis['contribution']['mean'] = {};
    for (const m of names) mean[m] = ablation(allPresent, metricsOf((await fusedAndProbs(model, ev.x, n, { masks: masksWithout([m]), fill, encoded })).probs));
    const zero: Analysis['contribution']['zero'] = c.ablation;
    const poly = c.fused!.polysemanticity;
    const shapley = c.shapley;

    // Semantic loss: each modality alone through the fusion head, and a linear probe on its encoder.
    const trainEnc = await encoderOutputs(model, train.x, train.n);
    const semantic: Analysis['semantic_loss'] = {};
    for (const m of names) {
      const alone = c.alone[m];
      const d = encOut[m].length / n;
      const probe = await linearProbe(trainEnc[m], dataset.splits.train.y, encOut[m], evalSplit.y, d, C, DEFAULT_PROBE);
      semantic[m] = { alone_cross_entropy: alone.cross_entropy, alone_accuracy: alone.accuracy, probe, gap: alone.cross_entropy - probe.cross_entropy };
    }

    // Synthetic data: remove each modality's predictive or noise component at the input.
    let collisions: Analysis['collisions'] = null;
    if (synthetic && evalSplit.latents && dataset.projections) {
      const projections = dataset.projections; // the loaded dataset's own: no second generation
      const comp: Record<string, Float32Array> = {};
      for (const m of names) {
        const mc = synthetic.modalities.find((x) => x.name === m)!;
        const lat = evalSplit.latents[m];
        for (const part of ['predictive', 'noise'] as const) {
          const x = projectLatents(mc, projections[m], part === 'predictive' ? new Float32Array(lat.predictive.length) : lat.predictive, part === 'noise' ? new Float32Array(lat.noise.length) : lat.noise, n);
          const replaced = tf.tensor2d(x, [n, mc.input_dim]);
          comp[`${m}:${part}`] = (await fusedAndProbs(model, { ...ev.x, [m]: replaced }, n, { encoded: encodedWithout(encoded, [m]) })).fused;
          replaced.dispose();
        }
      }
      const shares = attributionShares(base.fused, comp, n, base.width);
      const cf = collisionFraction(shares, o.kappa);
      collisions = { ...polysemanticity(shares, o.kappa), noise_predictive_collision_fraction: cf.fraction, collision_threshold: cf.threshold };
    }

    // Robustness: Gaussian noise of growing σ on one modality; growing missing rate of one modality.
    const noise: Record<string, Curve> = {};
    for (const m of names) {
      const xm = evalSplit.x[m];
      let s = 0;
      let s2 = 0;
      for (const v of xm) {
        s += v;
        s2 += v * v;
      }
      const sd = Math.sqrt(Math.max(0, s2 / xm.length - (s / xm.length) ** 2));
      const accs: number[] = [];
      for (const level of o.noiseLevels) {
        if (level === 0) {
          accs.push(allPresent.accuracy);
          continue;
        }
        const r = new Rng(o.seed);
        // A plain loop: Float32Array.from with a map function is ~5× slower in V8 (same values).
        const noisy = new Float32Array(xm.length);
        for (let i = 0; i < xm.length; i++) noisy[i] = xm[i] + level * sd * r.normal();
        const t = tf.tensor2d(noisy, [n, xm.length / n]);
        accs.push(metricsOf((await fusedAndProbs(model, { ...ev.x, [m]: t }, n, { encoded: encodedWithout(encoded, [m]) })).probs).accuracy);
        t.dispose();
      }
      noise[m] = curve(o.noiseLevels, accs);
    }
    const accuracyWith = (readout: Omit<Readout, 'masks'>) => async (masks: Masks) => metricsOf((await fusedAndProbs(model, ev.x, n, { masks, ...readout, encoded })).probs).accuracy;
    const rates = { rates: o.missingRates, seed: o.seed };
    const missing = c.missing;
    const missingMean = await missingCurves(names, n, rates, accuracyWith({ fill }));
    const missingSub = ranking ? await missingCurves(names, n, rates, accuracyWith({ substitute: ranking })) : null;

    // Every modality absent independently at each rate (the paper's protocol with each modality missing).
    const missingEach = M >= 2 ? { zero: await eachMissingCurve(names, n, rates, accuracyWith({})), mean: await eachMissingCurve(names, n, rates, accuracyWith({ fill })), substitute: ranking ? await eachMissingCurve(names, n, rates, accuracyWith({ substitute: ranking })) : null } : null;

    return {
      split: o.split,
      n,
      modalities: names,
      all_present: allPresent,
      rank,
      contribution: { zero, mean, shapley },
      semantic_loss: semantic,
      polysemanticity: { ...poly, attribution: 'zero-protocol ablation of each modality' },
      collisions,
      robustness: { noise, missing, missing_mean: missingMean, missing_substitute: missingSub, missing_each: missingEach },
    };
  } finally {
    disposeEncoded(encoded);
    disposeSplit(train);
    disposeSplit(ev);
  }
}

export async function analyzeRun(config: Config, run: RunFolder, o: AnalyzeOptions): Promise<Analysis & { file: string }> {
  const dataset = dataFor(config);
  const dir = checkpointDir(run.path('checkpoints'), o.checkpoint);
  if (!dir) throw new UsageError(`run ${run.id} has no ${o.checkpoint} checkpoint yet`);
  const model = modelFromCheckpoint(config, dataset, dir);
  try {
    const ranking = existsSync(run.path('ebr.json')) ? readRanking(run) : null;
    const a = await analyzeModel(model, dataset, o, config.dataset.name === 'synthetic' ? config.dataset : undefined, ranking);
    const file = run.path('eval', 'analysis.json');
    const result = { run: run.id, checkpoint: o.checkpoint, ...a, file };
    writeJsonAtomic(file, result);
    return result;
  } finally {
    model.dispose();
  }
}

