// Helpers shared by tests: a real backend (wasm, as users get by default) and small configs.
import { fileURLToPath } from 'node:url';
import { selectBackend } from './backend.js';
import { loadConfigFile } from './config/load.js';
import type { Config } from './config/schema.js';
import * as tf from '@tensorflow/tfjs';
import { FusionModel, type FusionType, type ModelSpec } from './core/model.js';
import { Rng } from './core/rng.js';
import { loadNative, NativeUnavailable } from './native/addon.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const QUICK_CONFIG = fileURLToPath(new URL('../../configs/synthetic/quick.yaml', import.meta.url));
export { MMC_BIN } from './bin-path.js';

/** What `--backend auto` picks on this machine (no tfjs-node here): native when it loads, else wasm. */
export function autoBackend(): 'native' | 'wasm' {
  try {
    loadNative(1);
    return 'native';
  } catch (e) {
    if (e instanceof NativeUnavailable) return 'wasm';
    throw e;
  }
}

export async function useBackend(name: 'wasm' | 'cpu' = 'wasm'): Promise<void> {
  await selectBackend(name);
}

export function quickConfig(overrides: string[] = []): Config {
  return loadConfigFile(QUICK_CONFIG, { overrides });
}

const TINY_INPUTS = [5, 3, 4, 2];

/**
 * A tiny EBR model on modalities a, b, c, d (the first `modalities`; inputs 5, 3, 4, 2 wide), its
 * biases drawn too so that no ReLU sits idle, and `n` rows of inputs; dispose() frees them all.
 */
export async function tinyEbr(o: { modalities: number; n: number; seed: number; fusion?: FusionType; hinvOutput?: 'linear' | 'relu' }) {
  const rng = new Rng(o.seed);
  const names = ['a', 'b', 'c', 'd'].slice(0, o.modalities);
  const spec: ModelSpec = {
    modalities: names.map((name, i) => ({ name, inputDim: TINY_INPUTS[i], encoder: { type: 'mlp', hidden: [6], outDim: 4 } })),
    numClasses: 3,
    fusion: { type: o.fusion ?? 'concat', hidden: [5], ...(o.fusion === 'attention' ? { attention: { dModel: 4, layers: 1, heads: 2, ffDim: 6, norm: 'pre' as const } } : {}) },
    ebr: { gDim: 3, hidden: 4, psiHidden: 5, ...(o.hinvOutput ? { hinvOutput: o.hinvOutput } : {}) },
    // The He draw: with the torch draw (smaller weights) and the N(0, 0.3) biases below, ψ's hidden
    // layer can be off for every row of a modality (seed 21), so L_md would reach that encoder with an
    // exactly zero gradient and the not-vacuous checks would test zeros.
    init: 'he',
  };
  const model = new FusionModel(spec, rng.fork());
  model.setWeights((await model.weightValues()).map((w) => (w.name.endsWith('bias') ? { ...w, data: rng.normals(w.data.length, 0.3) } : w)));
  const xs = Object.fromEntries(names.map((m, i) => [m, tf.tensor2d(rng.normals(o.n * TINY_INPUTS[i]), [o.n, TINY_INPUTS[i]])])) as Record<string, tf.Tensor2D>;
  return {
    model,
    xs,
    dispose() {
      tf.dispose(Object.values(xs));
      model.dispose();
    },
  };
}
