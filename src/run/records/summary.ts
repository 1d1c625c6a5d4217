// summary.json: what a finished run reached (written by train once training ends).
import type { ClassMetrics } from '../../core/metrics.js';
import { readOptionalRecord, type Shape } from './read.js';

export type RunSummary = {
  run: string;
  name: string;
  dataset: string;
  modalities: string[];
  fusion: string;
  epochs: number;
  steps: number;
  best_epoch: number | null;
  best_metric: { name: string; value: number | null };
  test_checkpoint?: 'best' | 'last'; // which checkpoint `test` was measured on (train.select); absent in runs from before it existed: best
  final: { train_loss: number; train_acc: number; val_loss: number; val_acc: number } | null;
  test: ClassMetrics;
  samples_per_s: number | null;
  num_tensors_end: number;
};

const SUMMARY: Shape = { name: 'a run summary', keys: { test: 'object' } };

/** summary.json, or null while the run has not finished. */
export const readSummary = (file: string): RunSummary | null => readOptionalRecord<RunSummary>(file, SUMMARY);
