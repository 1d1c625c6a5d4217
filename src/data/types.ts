// What every dataset hands the model core: flat float32 arrays per modality, int labels, splits.
export type SplitName = 'train' | 'val' | 'test';

export interface ModalityInfo {
  name: string;
  dim: number; // flattened input size
  shape: number[]; // per-sample shape, e.g. [64] or [28, 28, 1]
}

/** Latent components of a synthetic sample, so analysis can remove one and watch the model. */
export interface Latents {
  predictive: Float32Array; // n × k (zeros where a feature is inactive)
  noise: Float32Array; // n × q
}

export interface Split {
  n: number;
  x: Record<string, Float32Array>; // n × dim, row-major
  y: Int32Array;
  latents?: Record<string, Latents>;
  /** Natural missingness (folder datasets): 1 = the modality was observed for that sample, 0 = absent. */
  present?: Record<string, Uint8Array>;
}

export interface Dataset {
  name: string;
  task: 'multiclass' | 'binary';
  numClasses: number;
  modalities: ModalityInfo[];
  splits: Record<SplitName, Split>;
  hash: string; // sha256 of the arrays, recorded in env.json
  /** Synthetic data: each modality's (k+q) × d latent-to-input projection, to rebuild inputs from latents. */
  projections?: Record<string, Float32Array>;
  /** What the loader did that a user may want to see (mmc data info, env.json): degradations, voices, … */
  info?: Record<string, unknown>;
}
