// A dataset folder: manifest.yaml + .npy arrays per split (docs/datasets.md). Natural missingness
// comes as per-sample presence arrays; absent samples are zeroed here and replaced at the encoder
// output by the evaluation protocol, so their stored values are never read as data.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FolderDatasetConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { checkFinite, labels, presence, samples, standardize, zeroAbsent } from './array-checks.js';
import { readManifest, type Manifest } from './folder-manifest.js';
import { readNpy } from './npy.js';
import { hashSplits } from './synthetic.js';
import type { Dataset, Split, SplitName } from './types.js';

const SPLITS: SplitName[] = ['train', 'val', 'test'];

function arrayAt(dir: string, manifestFile: string, key: string, rel: string) {
  const path = join(dir, rel);
  if (!existsSync(path)) throw new UsageError(`${manifestFile}: ${key}: file not found: ${path}`);
  return { a: readNpy(path), label: `${path} (${key})` };
}

export function loadFolder(cfg: FolderDatasetConfig): Dataset {
  const dir = resolve(cfg.path);
  const { manifest: m, file } = readManifest(dir);
  const classes = m.task === 'binary' ? 2 : m.num_classes!;
  const splits = {} as Record<SplitName, Split>;
  for (const s of SPLITS) {
    const sp = m.splits[s];
    const l = arrayAt(dir, file, `splits.${s}.labels`, sp.labels);
    const y = labels(l.a, classes, l.label);
    const n = y.length;
    const x: Record<string, Float32Array> = {};
    const present: Record<string, Uint8Array> = {};
    for (const mod of m.modalities) {
      if (sp.present[mod.name]) {
        const p = arrayAt(dir, file, `splits.${s}.present.${mod.name}`, sp.present[mod.name]);
        present[mod.name] = presence(p.a, n, p.label);
      }
      const a = arrayAt(dir, file, `splits.${s}.x.${mod.name}`, sp.x[mod.name]);
      x[mod.name] = samples(a.a, mod.shape, a.label, n);
      checkFinite(x[mod.name], n, a.label, present[mod.name]);
    }
    splits[s] = { n, x, y, ...(Object.keys(present).length ? { present } : {}) };
  }
  for (const mod of m.modalities) {
    const t = splits.train;
    standardize(t.x[mod.name], [splits.val.x[mod.name], splits.test.x[mod.name]], t.n, cfg.standardize, t.present?.[mod.name]);
    for (const s of SPLITS) {
      const p = splits[s].present?.[mod.name];
      if (p) zeroAbsent(splits[s].x[mod.name], splits[s].n, p); // the shift moved absent rows off zero
    }
  }
  return {
    name: m.name,
    task: m.task,
    numClasses: classes,
    modalities: m.modalities.map((x) => ({ name: x.name, dim: x.shape.reduce((p, v) => p * v, 1), shape: x.shape })),
    splits,
    hash: hashSplits(splits),
    info: { folder: dir, ...describeMissing(m, splits) },
  };
}

function describeMissing(m: Manifest, splits: Record<SplitName, Split>): Record<string, unknown> {
  const missing: Record<string, Record<string, number>> = {};
  for (const s of SPLITS) {
    missing[s] = {};
    for (const mod of m.modalities) {
      const p = splits[s].present?.[mod.name];
      missing[s][mod.name] = p ? p.reduce((a, v) => a + (v === 0 ? 1 : 0), 0) / splits[s].n : 0;
    }
  }
  return { missing_share: missing };
}
