// The records of `mmc reproduce` in its OUT folder: reproduce.json (progress, so a rerun resumes) and
// summary.json (the whole reproduction, written at the end).
import type { Mode } from '../../reproduce/experiments.js';
import { readOptionalRecord, type Shape } from './read.js';

export interface ReproduceProgress {
  mode: Mode;
  seeds?: number; // --seeds, when given; a resume keeps it
  sweeps: Record<string, string>; // experiment id → sweep folder
  seconds: Record<string, number>;
  tuned?: Record<string, TuningChoice>; // experiment id → the configuration its tuning sweep chose
}

/** What an experiment's tuning sweep chose (src/reproduce/tuning.ts), kept so a resume reuses it. */
export interface TuningChoice {
  sweep: string; // the tuning sweep's folder
  metric: string; // analysis key maximised, on the validation split
  seeds: number;
  configurations: { values: Record<string, string>; mean: number | null; n: number }[]; // grid order
  chosen: Record<string, string>;
  score: number; // the chosen configuration's mean metric
}

export interface ReproduceSummary {
  mode: Mode;
  seconds: number; // the last invocation
  machine: { cpu: string | undefined; cores: number; node: string };
  sweeps: Record<string, string>;
  sweep_seconds: Record<string, number>; // per experiment, across resumed invocations
  failed_jobs: number;
}

const PROGRESS: Shape = { name: 'a reproduce progress record', keys: { mode: 'string', sweeps: 'object', seconds: 'object' } };

/** reproduce.json, or null in a fresh OUT folder. */
export const readReproduceProgress = (file: string): ReproduceProgress | null => readOptionalRecord<ReproduceProgress>(file, PROGRESS);
