// eval/analysis.json: the collapse measurements of a trained run (mmc analyze).
import type { Curve } from '../../core/analysis/curves.js';
import type { Polysemanticity } from '../../core/analysis/polysemanticity.js';
import type { ProbeResult } from '../../core/analysis/probe.js';
import type { RankReport } from '../../core/analysis/rank.js';
import type { ClassMetrics } from '../../core/metrics.js';
import { readRecord, type Shape } from './read.js';

export interface Analysis {
  run: string;
  split: string;
  checkpoint: string;
  n: number;
  modalities: string[];
  all_present: ClassMetrics;
  rank: { fused: RankReport; encoders: Record<string, RankReport>; pooled?: RankReport }; // pooled: attention fusion's pooled tokens
  contribution: {
    zero: Record<string, { accuracy_drop: number; cross_entropy_rise: number }>;
    mean: Record<string, { accuracy_drop: number; cross_entropy_rise: number }>;
    shapley: { metric: 'accuracy'; protocol: 'zero'; values: Record<string, number>; all_present: number; none_present: number };
  };
  semantic_loss: Record<string, { alone_cross_entropy: number; alone_accuracy: number; probe: ProbeResult; gap: number }>;
  polysemanticity: Polysemanticity & { attribution: 'zero-protocol ablation of each modality' };
  collisions: null | (Polysemanticity & { noise_predictive_collision_fraction: number; collision_threshold: number });
  robustness: {
    noise: Record<string, Curve>;
    missing: Record<string, Curve>; // zero protocol
    missing_mean: Record<string, Curve>;
    missing_substitute: Record<string, Curve> | null; // EBR runs: h_m⁻¹(g_k) of the best-ranked available k
    // Every modality absent independently at rate r (core/absence.ts independentPresence); two or more
    // modalities only; absent in analyses made before it existed.
    missing_each?: { zero: Curve; mean: Curve; substitute: Curve | null } | null;
  };
}

export const ANALYSIS_FILE = 'analysis.json'; // in eval/, beside the eval results

const ANALYSIS: Shape = { name: 'a collapse analysis', keys: { modalities: 'array', rank: 'object', contribution: 'object' } };

export const readAnalysis = (file: string): Analysis => readRecord<Analysis>(file, ANALYSIS);
