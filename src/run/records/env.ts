// env.json: what ran where (node, tfjs and backend versions, CPU, git commit, seed, dataset hash).
import type { BackendInfo } from '../../backend.js';
import type { NativeInfo } from '../../native/addon.js';
import { readOptionalRecord, type Shape } from './read.js';

export type EnvJson = {
  mmc: string;
  node: string;
  platform: string;
  cpu: { model: string; cores: number };
  memory_gb: number;
  // native: which BLAS library, kernels (core name) and threads ran, when the native backend ran.
  backend: { requested: BackendInfo['requested']; name: string; package: string; skipped: BackendInfo['tried']; native?: NativeInfo };
  versions: Record<string, string>;
  git_commit: string | null;
  seed: number;
  dataset_hash: string;
  dataset_info?: Record<string, unknown>; // what the data loader reported (degradations, voices, …)
};

const ENV: Shape = { name: 'a run environment record', keys: { backend: 'object' } };

/** env.json, or null for a run folder made before the run started. */
export const readEnv = (file: string): EnvJson | null => readOptionalRecord<EnvJson>(file, ENV);
