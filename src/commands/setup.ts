// Shared by train and eval: config → dataset → model spec, and a model restored from a run.
import { createHash } from 'node:crypto';
import { encoderFor, usedModalities, type Config } from '../config/schema.js';
import type { EncoderSpec, ModelSpec } from '../core/model.js';
import { UsageError } from '../errors.js';
import { loadDataset } from '../data/registry.js';
import type { Dataset } from '../data/types.js';

export function configHash(c: Config): string {
  return createHash('sha256').update(JSON.stringify(c)).digest('hex').slice(0, 12);
}

export function modelSpec(c: Config, d: Dataset): ModelSpec {
  const names = usedModalities(c);
  if (c.model.fusion.type === 'sum') {
    const widths = names.map((n) => encoderFor(c, n).out_dim);
    if (new Set(widths).size > 1) throw new UsageError(`model.fusion.type: sum needs equal encoder out_dim for all modalities, got ${widths.join(', ')}`);
  }
  return {
    modalities: names.map((n) => {
      const info = d.modalities.find((m) => m.name === n)!;
      return { name: n, inputDim: info.dim, encoder: encoderSpec(c, n, info.shape) };
    }),
    numClasses: d.numClasses,
    fusion: { type: c.model.fusion.type, hidden: c.model.fusion.hidden },
    ...(c.ebr.enabled ? { ebr: { gDim: c.ebr.g_dim, hidden: c.ebr.hidden, psiHidden: c.ebr.psi_hidden } } : {}),
  };
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

export function dataFor(c: Config): Dataset {
  return loadDataset(c.dataset);
}
