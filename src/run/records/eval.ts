// eval/<name>.json: a run's metrics with modalities missing (mmc eval), and the eval/ folder as a whole.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Protocol } from '../../core/absence.js';
import type { ClassMetrics } from '../../core/metrics.js';
import { ANALYSIS_FILE, readAnalysis, type Analysis } from './analysis.js';
import { readRecord, type Shape } from './read.js';

export interface EvalResult {
  run: string;
  file: string;
  split: string;
  protocol: Protocol;
  checkpoint: string;
  condition: { missing: string[]; rate: number; seed: number };
  metrics: ClassMetrics;
  all_present: ClassMetrics;
  per_modality: { modality: string; alone: ClassMetrics; missing: ClassMetrics }[];
  /** substitute protocol: which modality stood in for each missing one (null: none available, zero protocol used). */
  substitutes?: Record<string, string | null>;
}

const EVAL: Shape = { name: 'an eval result', keys: { condition: 'object', per_modality: 'array' } };

export const readEvalResult = (file: string): EvalResult => readRecord<EvalResult>(file, EVAL);

/** A run's eval/ folder: every eval result (by file name) and the analysis, when there are any. */
export function readEvalFolder(runDir: string): { results: { name: string; result: EvalResult }[]; analysis: Analysis | null } {
  const dir = join(runDir, 'eval');
  const names = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')).sort() : [];
  return {
    results: names.filter((f) => f !== ANALYSIS_FILE).map((name) => ({ name, result: readEvalResult(join(dir, name)) })),
    analysis: names.includes(ANALYSIS_FILE) ? readAnalysis(join(dir, ANALYSIS_FILE)) : null,
  };
}
