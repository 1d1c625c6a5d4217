// The synthetic collapse benchmark. Per modality m, for a sample of class y:
//   predictive p = a ⊙ (β_m · μ_{m,y} + ε),  ε ~ N(0, I_k), μ_{m,c} ~ N(0, I_k) fixed per class
//   noise      n = σ_m · a' ⊙ ξ,             ξ ~ N(0, I_q), independent of y
//   input      x = [p, n] · P_m,             P_m ~ N(0, 1/(k+q)), a fixed (k+q) × d projection
// a, a' ~ Bernoulli(s) switch latent features on (s < 1 is the sparse, superposition regime).
// Everything comes from the dataset seed; structure, train, val and test use separate streams,
// so changing one split's size leaves the others unchanged.
import { createHash } from 'node:crypto';
import { Rng } from '../core/rng.js';
import type { SyntheticDatasetConfig, SyntheticModalityConfig } from '../config/schema.js';
import type { Dataset, Split, SplitName } from './types.js';

export interface SyntheticStructure {
  means: Record<string, Float32Array>; // C × k
  projections: Record<string, Float32Array>; // (k+q) × d
}

export function syntheticStructure(cfg: SyntheticDatasetConfig, rng: Rng): SyntheticStructure {
  const means: Record<string, Float32Array> = {};
  const projections: Record<string, Float32Array> = {};
  for (const m of cfg.modalities) {
    const r = rng.fork();
    means[m.name] = r.normals(cfg.num_classes * m.predictive_features);
    const l = m.predictive_features + m.noise_features;
    projections[m.name] = r.normals(l * m.input_dim, 1 / Math.sqrt(l));
  }
  return { means, projections };
}

/** x = [p, n] · P for n rows: the map analysis uses to rebuild inputs with a component removed. */
export function projectLatents(m: SyntheticModalityConfig, P: Float32Array, predictive: Float32Array, noise: Float32Array, n: number): Float32Array {
  const k = m.predictive_features;
  const q = m.noise_features;
  const d = m.input_dim;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const row = x.subarray(i * d, (i + 1) * d);
    for (let j = 0; j < k + q; j++) {
      const z = j < k ? predictive[i * k + j] : noise[i * q + (j - k)];
      if (z === 0) continue;
      const pr = P.subarray(j * d, (j + 1) * d);
      for (let c = 0; c < d; c++) row[c] += z * pr[c];
    }
  }
  return x;
}

function makeSplit(cfg: SyntheticDatasetConfig, s: SyntheticStructure, n: number, rng: Rng): Split {
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = rng.int(cfg.num_classes);
  const x: Record<string, Float32Array> = {};
  const latents: Split['latents'] = {};
  for (const m of cfg.modalities) {
    const r = rng.fork();
    const k = m.predictive_features;
    const q = m.noise_features;
    const mu = s.means[m.name];
    const predictive = new Float32Array(n * k);
    const noise = new Float32Array(n * q);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        const active = m.sparsity >= 1 || r.bernoulli(m.sparsity);
        const v = m.strength * mu[y[i] * k + j] + r.normal();
        predictive[i * k + j] = active ? v : 0;
      }
      for (let j = 0; j < q; j++) {
        const active = m.sparsity >= 1 || r.bernoulli(m.sparsity);
        const v = m.noise_scale * r.normal();
        noise[i * q + j] = active ? v : 0;
      }
    }
    latents[m.name] = { predictive, noise };
    x[m.name] = projectLatents(m, s.projections[m.name], predictive, noise, n);
  }
  return { n, x, y, latents };
}

export function generateSynthetic(cfg: SyntheticDatasetConfig): Dataset & { structure: SyntheticStructure } {
  const root = new Rng(cfg.seed);
  const structure = syntheticStructure(cfg, root.fork());
  const sizes: Record<SplitName, number> = { train: cfg.train_size, val: cfg.val_size, test: cfg.test_size };
  const streams = { train: root.fork(), val: root.fork(), test: root.fork() };
  const splits = {} as Record<SplitName, Split>;
  for (const name of ['train', 'val', 'test'] as SplitName[]) splits[name] = makeSplit(cfg, structure, sizes[name], streams[name]);
  return {
    name: 'synthetic',
    task: cfg.num_classes === 2 ? 'binary' : 'multiclass',
    numClasses: cfg.num_classes,
    modalities: cfg.modalities.map((m) => ({ name: m.name, dim: m.input_dim, shape: m.image_shape ?? [m.input_dim] })),
    splits,
    hash: hashSplits(splits),
    projections: structure.projections,
    structure,
  };
}

export function hashSplits(splits: Record<SplitName, Split>): string {
  const h = createHash('sha256');
  for (const name of ['train', 'val', 'test'] as SplitName[]) {
    const s = splits[name];
    for (const key of Object.keys(s.x).sort()) {
      h.update(key);
      h.update(Buffer.from(s.x[key].buffer, s.x[key].byteOffset, s.x[key].byteLength));
    }
    h.update(Buffer.from(s.y.buffer, s.y.byteOffset, s.y.byteLength));
  }
  return h.digest('hex');
}
