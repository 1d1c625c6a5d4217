// The collapse measures that need only forward passes under absence masks: one implementation, used
// by `mmc analyze` (an mmc model, absence at the fusion input) and `mmc diagnose` (an ONNX model,
// absence wherever its forward puts it). The caller's forward decides what "absent" means.
import { independentPresence, presenceMasks } from '../absence.js';
import { classificationMetrics, type ClassMetrics } from '../metrics.js';
import { curve, type Curve } from './curves.js';
import { attributionShares, polysemanticity, type Polysemanticity } from './polysemanticity.js';
import { rankReport, type RankReport } from './rank.js';
import { shapleyValues } from './shapley.js';

/** Exact Shapley values enumerate 2^M subsets: beyond this many modalities they are refused. */
export const MAX_SHAPLEY_MODALITIES = 12;

/** Missing rates of the robustness curves (analyze's default, diagnose's). */
export const DEFAULT_MISSING_RATES = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

/** Presence per modality (n values, 1 = present); null: everything present. */
export type Masks = Record<string, Float32Array> | null;

/** Softmax probabilities (n × C) and, when the model exposes it, the fused representation (n × width). */
export interface ForwardResult {
  probs: Float32Array;
  fused?: { values: Float32Array; width: number };
}

export type Forward = (masks: Masks) => Promise<ForwardResult>;

export interface CollapseOptions {
  names: string[];
  y: Int32Array;
  numClasses: number;
  binary: boolean;
  tau: number; // numerical rank threshold, relative to σ_max
  kappa: number; // large share = at least κ × the uniform share
  seed: number; // which samples lose a modality on the missing-rate curves
  missingRates: number[];
}

export interface Ablation {
  accuracy_drop: number;
  cross_entropy_rise: number;
}

export interface Shapley {
  metric: 'accuracy';
  protocol: 'zero';
  values: Record<string, number>;
  all_present: number;
  none_present: number;
}

export interface CollapseMeasures {
  all_present: ClassMetrics;
  without: Record<string, ClassMetrics>; // each modality missing, the others present
  alone: Record<string, ClassMetrics>; // each modality the only one present
  ablation: Record<string, Ablation>; // all present minus `without`
  shapley: Shapley;
  missing: Record<string, Curve>; // accuracy as a growing fraction of samples lose one modality
  fused: null | { rank: RankReport; polysemanticity: Polysemanticity };
}

/** Each modality missing from `rate` of the samples (the same samples for every rate prefix, by seed). */
export function missingRateMasks(n: number, names: string[], m: string, rate: number, seed: number): Record<string, Float32Array> {
  return presenceMasks(n, names, { modalities: [m], rate, seed });
}

export function ablation(all: ClassMetrics, without: ClassMetrics): Ablation {
  return { accuracy_drop: all.accuracy - without.accuracy, cross_entropy_rise: without.cross_entropy - all.cross_entropy };
}

/** One accuracy curve per modality over the missing rates. */
export async function missingCurves(names: string[], n: number, o: { rates: number[]; seed: number }, accuracyOf: (masks: Masks) => Promise<number>): Promise<Record<string, Curve>> {
  const out: Record<string, Curve> = {};
  for (const m of names) {
    const accs: number[] = [];
    for (const rate of o.rates) accs.push(await accuracyOf(missingRateMasks(n, names, m, rate, o.seed)));
    out[m] = curve(o.rates, accs);
  }
  return out;
}

/** Every modality missing independently at each rate (core/absence.ts independentPresence): one curve. */
export async function eachMissingCurve(names: string[], n: number, o: { rates: number[]; seed: number }, accuracyOf: (masks: Masks) => Promise<number>): Promise<Curve> {
  const accs: number[] = [];
  for (const rate of o.rates) accs.push(await accuracyOf(independentPresence(n, names, Object.fromEntries(names.map((m) => [m, rate])), o.seed)));
  return curve(o.rates, accs);
}

export async function collapseMeasures(forward: Forward, o: CollapseOptions): Promise<CollapseMeasures> {
  const { names, y } = o;
  const M = names.length;
  if (M > MAX_SHAPLEY_MODALITIES) throw new Error(`exact Shapley values over ${M} modalities: at most ${MAX_SHAPLEY_MODALITIES}`);
  const n = y.length;
  const metricsOf = (r: ForwardResult) => classificationMetrics(r.probs, y, o.numClasses, o.binary);
  const full = (1 << M) - 1;
  // Every subset of present modalities once (absent = removed from all samples): Shapley, each
  // modality missing (M-1 present) and alone (1 present) all read from these passes.
  const subsets = new Map<number, { metrics: ClassMetrics; fused?: ForwardResult['fused'] }>();
  for (let mask = full; mask >= 0; mask--) {
    const missing = names.filter((_, i) => !(mask & (1 << i)));
    const r = await forward(mask === full ? null : presenceMasks(n, names, { modalities: missing, rate: 1, seed: 0 }));
    const keepFused = mask === full || missing.length === 1;
    subsets.set(mask, { metrics: metricsOf(r), ...(keepFused && r.fused ? { fused: r.fused } : {}) });
  }
  const all = subsets.get(full)!;
  const without: Record<string, ClassMetrics> = {};
  const alone: Record<string, ClassMetrics> = {};
  const abl: Record<string, Ablation> = {};
  names.forEach((m, i) => {
    without[m] = subsets.get(full & ~(1 << i))!.metrics;
    alone[m] = subsets.get(1 << i)!.metrics;
    abl[m] = ablation(all.metrics, without[m]);
  });
  const phi = shapleyValues(M, (mask) => subsets.get(mask)!.metrics.accuracy);
  const shapley: Shapley = { metric: 'accuracy', protocol: 'zero', values: Object.fromEntries(names.map((m, i) => [m, phi[i]])), all_present: all.metrics.accuracy, none_present: subsets.get(0)!.metrics.accuracy };

  const missing = await missingCurves(names, n, { rates: o.missingRates, seed: o.seed }, async (masks) => metricsOf(await forward(masks)).accuracy);

  let fused: CollapseMeasures['fused'] = null;
  if (all.fused) {
    const { values, width } = all.fused;
    const removed = Object.fromEntries(names.map((m, i) => [m, subsets.get(full & ~(1 << i))!.fused!.values]));
    fused = { rank: rankReport(values, n, width, o.tau), polysemanticity: polysemanticity(attributionShares(values, removed, n, width), o.kappa) };
  }
  return { all_present: all.metrics, without, alone, ablation: abl, shapley, missing, fused };
}
