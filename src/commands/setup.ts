// Shared by train and eval: config → dataset → model spec, and a model restored from a run.
import { createHash } from 'node:crypto';
import { usedModalities, type Config } from '../config/schema.js';
import type { ModelSpec } from '../core/model.js';
import { loadDataset } from '../data/registry.js';
import type { Dataset } from '../data/types.js';

export function configHash(c: Config): string {
  return createHash('sha256').update(JSON.stringify(c)).digest('hex').slice(0, 12);
}

export function modelSpec(c: Config, d: Dataset): ModelSpec {
  const names = usedModalities(c);
  return {
    modalities: names.map((n) => ({ name: n, inputDim: d.modalities.find((m) => m.name === n)!.dim })),
    numClasses: d.numClasses,
    encoder: { hidden: c.model.encoder.hidden, outDim: c.model.encoder.out_dim },
    fusion: { type: c.model.fusion.type, hidden: c.model.fusion.hidden },
  };
}

export function dataFor(c: Config): Dataset {
  return loadDataset(c.dataset);
}
