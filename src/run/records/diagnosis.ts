// diagnosis.json: collapse measured in a model mmc did not train (mmc diagnose, docs/diagnose.md).
import type { CollapseMeasures } from '../../core/analysis/collapse.js';
import type { ModalityVerdict } from '../../core/analysis/verdict.js';
import { readRecord, type Shape } from './read.js';

export interface Diagnosis {
  kind: 'mmc-diagnosis';
  model: string; // the ONNX file as given
  data: string; // dataset name (and folder path)
  split: string;
  n: number;
  modalities: string[];
  inputs: Record<string, string>; // modality → model input name
  logits: string;
  features: string | null;
  standardize: 'feature' | 'global' | 'none';
  absence: { protocol: 'zero' | 'mean' | 'mask'; input?: string; level: 'input' | 'fusion'; description: string };
  measures: Omit<CollapseMeasures, 'fused'> & { fused: CollapseMeasures['fused'] };
  verdicts: Record<string, ModalityVerdict>;
  unimodal: Record<string, { model: string; accuracy: number; fused_model_alone: number; gap: number }>;
}

export const DIAGNOSIS_FILE = 'diagnosis.json';

const DIAGNOSIS: Shape = { name: 'an mmc diagnosis', keys: { kind: 'string', modalities: 'array', measures: 'object', verdicts: 'object' } };

export const readDiagnosis = (file: string): Diagnosis => readRecord<Diagnosis>(file, DIAGNOSIS);
