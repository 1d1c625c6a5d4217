// `mmc data list|info|verify`: what datasets there are, what one holds, and whether its files are intact.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { datasetSchema } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { embeddedDatasetDir, sha256, verifyFiles, type FileCheck } from '../data/audio/clips.js';
import { AVMNIST_FILES } from '../data/avmnist.js';
import { MANIFEST_FILE, manifestFiles, readManifest } from '../data/folder-manifest.js';
import { DATASETS, loadDataset } from '../data/registry.js';
import type { Dataset, SplitName } from '../data/types.js';

export interface DatasetListing {
  name: string;
  describe: string;
  embedded: boolean;
}

export function listDatasets(): DatasetListing[] {
  return Object.entries(DATASETS).map(([name, e]) => ({ name, describe: e.describe, embedded: e.embedded }));
}

/** A dataset section from a name (embedded defaults) or a folder path (manifest.yaml or MultiBench avmnist). */
export function datasetFromArg(arg: string): Config['dataset'] {
  if (arg === 'avmnist-mini') return datasetSchema.parse({ name: 'avmnist-mini' });
  if (arg === 'synthetic') throw new UsageError('synthetic data is defined by a config: use mmc data info --config FILE');
  if (arg === 'avmnist' || arg === 'folder') throw new UsageError(`${arg} datasets live in a folder: pass its path (mmc data info PATH)`);
  if (!existsSync(arg) || !statSync(arg).isDirectory()) throw new UsageError(`${arg}: not a dataset name (${Object.keys(DATASETS).join(', ')}) nor a folder`);
  if (existsSync(join(arg, MANIFEST_FILE))) return datasetSchema.parse({ name: 'folder', path: arg });
  if (AVMNIST_FILES.some((f) => existsSync(join(arg, f)))) return datasetSchema.parse({ name: 'avmnist', path: arg });
  throw new UsageError(`${arg}: neither a dataset folder (no ${MANIFEST_FILE}) nor a MultiBench avmnist folder (no ${AVMNIST_FILES[0]})`);
}

export interface SplitInfo {
  n: number;
  class_counts: number[];
  missing_share: Record<string, number>; // share of samples lacking each modality (natural missingness)
  range: Record<string, { min: number; max: number; mean: number; sd: number }>;
}

export interface DatasetInfo {
  name: string;
  task: string;
  num_classes: number;
  modalities: { name: string; shape: number[]; dim: number }[];
  splits: Record<SplitName, SplitInfo>;
  hash: string;
  info: Record<string, unknown>;
  load_seconds: number;
}

export function datasetInfo(cfg: Config['dataset']): DatasetInfo {
  const t0 = performance.now();
  const d = loadDataset(cfg);
  return describeDataset(d, (performance.now() - t0) / 1000);
}

export function describeDataset(d: Dataset, seconds: number): DatasetInfo {
  const splits = {} as Record<SplitName, SplitInfo>;
  for (const s of ['train', 'val', 'test'] as SplitName[]) {
    const sp = d.splits[s];
    const counts = new Array<number>(d.numClasses).fill(0);
    for (const y of sp.y) counts[y]++;
    const missing: Record<string, number> = {};
    const range: SplitInfo['range'] = {};
    for (const m of d.modalities) {
      const p = sp.present?.[m.name];
      missing[m.name] = p ? p.reduce((a, v) => a + (v ? 0 : 1), 0) / sp.n : 0;
      const x = sp.x[m.name];
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      let sq = 0;
      let cnt = 0;
      for (let i = 0; i < sp.n; i++) {
        if (p && !p[i]) continue;
        for (let j = i * m.dim; j < (i + 1) * m.dim; j++) {
          const v = x[j];
          if (v < min) min = v;
          if (v > max) max = v;
          sum += v;
          sq += v * v;
          cnt++;
        }
      }
      const mean = cnt ? sum / cnt : NaN;
      range[m.name] = { min, max, mean, sd: cnt ? Math.sqrt(Math.max(0, sq / cnt - mean * mean)) : NaN };
    }
    splits[s] = { n: sp.n, class_counts: counts, missing_share: missing, range };
  }
  return { name: d.name, task: d.task, num_classes: d.numClasses, modalities: d.modalities.map((m) => ({ name: m.name, shape: m.shape, dim: m.dim })), splits, hash: d.hash, info: d.info ?? {}, load_seconds: seconds };
}

export function formatInfo(i: DatasetInfo): string {
  const lines = [`${i.name}: ${i.task}, ${i.num_classes} classes, loaded in ${i.load_seconds.toFixed(1)} s, sha256 ${i.hash.slice(0, 16)}…`];
  for (const m of i.modalities) lines.push(`  modality ${m.name}: shape [${m.shape.join(', ')}] (${m.dim} values)`);
  for (const [s, sp] of Object.entries(i.splits)) {
    const min = Math.min(...sp.class_counts);
    const max = Math.max(...sp.class_counts);
    lines.push(`  ${s.padEnd(5)} ${String(sp.n).padStart(7)} samples; per class ${min}–${max}; missing ${Object.entries(sp.missing_share).map(([m, v]) => `${m} ${(100 * v).toFixed(1)}%`).join(', ')}`);
    for (const [m, r] of Object.entries(sp.range)) lines.push(`        ${m}: min ${r.min.toPrecision(3)}, max ${r.max.toPrecision(3)}, mean ${r.mean.toPrecision(3)}, sd ${r.sd.toPrecision(3)}`);
  }
  for (const [k, v] of Object.entries(i.info)) lines.push(`  ${k}: ${JSON.stringify(v)}`);
  return lines.join('\n');
}

/** One checked file (`actual` null when it is missing). */
export type VerifyLine = FileCheck;

const sha256File = (path: string) => sha256(readFileSync(path));

/** Checksums of the embedded avmnist-mini files (audio features and the mnist package's digits). */
export function verifyEmbedded(): VerifyLine[] {
  const dir = embeddedDatasetDir('avmnist-mini');
  const out: VerifyLine[] = verifyFiles(dir).map((l) => ({ ...l, file: join(dir, l.file) }));
  const pkg = JSON.parse(readFileSync(join(dir, 'mnist-package.json'), 'utf8')) as { version: string; files: Record<string, { sha256: string }> };
  const root = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  out.push({ file: join(root, 'package.json'), ok: version === pkg.version, expected: `version ${pkg.version}`, actual: `version ${version}` });
  for (const [rel, { sha256: want }] of Object.entries(pkg.files)) {
    const path = join(root, rel);
    const got = existsSync(path) ? sha256File(path) : null;
    out.push({ file: path, ok: got === want, expected: want, actual: got });
  }
  return out;
}

/** A folder dataset: the manifest's checksums, then a full load (shapes, labels, finite values). */
export function verifyFolder(path: string): VerifyLine[] {
  const dir = resolve(path);
  const { manifest } = readManifest(dir);
  const out: VerifyLine[] = [];
  for (const { file } of manifestFiles(manifest)) {
    const want = manifest.sha256[file];
    const p = join(dir, file);
    if (!existsSync(p)) out.push({ file: p, ok: false, expected: want ?? 'a file', actual: null });
    else if (want) {
      const got = sha256File(p);
      out.push({ file: p, ok: got === want, expected: want, actual: got });
    }
  }
  return out;
}
