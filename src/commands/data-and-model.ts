// What a config resolves to, shared by the commands: its dataset (loaded once per process) and the
// model spec built from both.
import { attentionFor, attentionProblem, checkModalityNames, configSizeProblem, datasetModalityNames, ebrSizes, encoderFor, usedModalities, type Config } from '../config/schema.js';
import { FusionModel, type EncoderSpec, type ModelSpec } from '../core/model.js';
import { Rng } from '../core/rng.js';
import { loadCheckpoint } from '../run/checkpoint.js';
import { UsageError } from '../errors.js';
import { DATASETS, loadDataset } from '../data/registry.js';
import type { Dataset } from '../data/types.js';

export function modelSpec(c: Config, d: Dataset): ModelSpec {
  const names = usedModalities(c, d.modalities.map((m) => m.name));
  const big = configSizeProblem(c, { modalities: names.map((n) => ({ name: n, shape: d.modalities.find((m) => m.name === n)!.shape })), numClasses: d.numClasses, splits: [d.splits.train.n, d.splits.val.n, d.splits.test.n] });
  if (big) throw new UsageError(`model: ${big}`);
  if (c.model.fusion.type === 'sum') {
    const widths = names.map((n) => encoderFor(c, n).out_dim);
    if (new Set(widths).size > 1) throw new UsageError(`model.fusion.type: sum needs equal encoder out_dim for all modalities, got ${widths.join(', ')}`);
  }
  const attention = c.model.fusion.type === 'attention' ? attentionFor(c, names) : null;
  const problem = attention && attentionProblem(attention);
  if (problem) throw new UsageError(`model.fusion.${problem.key}: ${problem.message}`);
  const sizes = ebrSizes(c, names);
  const ebr = sizes ? { ...sizes, hinvOutput: c.ebr.hinv_output } : null;
  return {
    modalities: names.map((n) => {
      const info = d.modalities.find((m) => m.name === n)!;
      return { name: n, inputDim: info.dim, encoder: encoderSpec(c, n, info.shape) };
    }),
    numClasses: d.numClasses,
    fusion: { type: c.model.fusion.type, hidden: c.model.fusion.hidden, ...(attention ? { attention } : {}) },
    ...(ebr ? { ebr } : {}),
    init: c.model.init,
  };
}

/**
 * The spec to load a checkpoint into: the config's, with what only the checkpoint knows for sure —
 * h⁻¹'s last layer, ReLU in runs saved before ebr.hinv_output existed (their config.yaml lacks the
 * key, and would now read as its default, linear).
 */
export function specForCheckpoint(spec: ModelSpec, saved: ModelSpec): ModelSpec {
  if (!spec.ebr || !saved.ebr) return spec;
  return { ...spec, ebr: { ...spec.ebr, hinvOutput: saved.ebr.hinvOutput ?? 'relu' } };
}

/** The config's model with the weights of the checkpoint in `dir` (built to specForCheckpoint). */
export function modelFromCheckpoint(c: Config, d: Dataset, dir: string): FusionModel {
  const ck = loadCheckpoint(dir);
  const model = new FusionModel(specForCheckpoint(modelSpec(c, d), ck.spec), new Rng(0)); // initial values are overwritten
  try {
    model.setWeights(ck.weights);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

function encoderSpec(c: Config, modality: string, shape: number[]): EncoderSpec {
  const e = encoderFor(c, modality);
  if (e.type === 'mlp') return { type: 'mlp', hidden: e.hidden, outDim: e.out_dim };
  if (shape.length !== 3) {
    throw new UsageError(`model.encoders.${modality}.type: conv needs image-shaped input [H, W, C], but "${modality}" has shape [${shape.join(', ')}] (for synthetic data set dataset.modalities.${modality}.image_shape)`);
  }
  const [h, w] = shape;
  if (Math.floor(h / e.pool ** e.channels.length) < 1 || Math.floor(w / e.pool ** e.channels.length) < 1) {
    throw new UsageError(`model.encoders.${modality}: ${e.channels.length} pooling stages of ${e.pool} shrink ${h}×${w} to nothing`);
  }
  return { type: 'conv', inputShape: shape as [number, number, number], channels: e.channels, kernelSize: e.kernel_size, pool: e.pool, hidden: e.hidden, outDim: e.out_dim };
}

// Loaded datasets are kept for the process (the demo and analysis load one dataset many times);
// they are read-only from here on.
const cache = new Map<string, Dataset>();

/** The config's dataset, checked against the config's modality names (folder datasets know them only now). */
export function dataFor(c: Config): Dataset {
  const key = JSON.stringify(c.dataset);
  let d = cache.get(key);
  if (!d) {
    d = loadDataset(c.dataset);
    if (cache.size >= 4) cache.delete(cache.keys().next().value!);
    cache.set(key, d);
  }
  if (!datasetModalityNames(c.dataset)) {
    checkModalityNames(c, d.modalities.map((m) => m.name), (path, message) => {
      throw new UsageError(`${path.join('.')}: ${message}`);
    });
  }
  return d;
}

/**
 * Drops the loaded datasets read from files (avmnist, folder), keeping the embedded ones, which
 * are generated from their config alone: a process that runs job after job (a sweep's job worker)
 * then reads a user's files afresh for each job, as a new process would.
 */
export function forgetFileDatasets(): void {
  for (const key of [...cache.keys()]) if (!DATASETS[(JSON.parse(key) as Config['dataset']).name].embedded) cache.delete(key);
}

/** All modality names of the config's dataset (loads a folder dataset's manifest if need be). */
export function modalityNames(c: Config): string[] {
  return datasetModalityNames(c.dataset) ?? dataFor(c).modalities.map((m) => m.name);
}
