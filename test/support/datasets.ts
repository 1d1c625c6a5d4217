// Test-only dataset fixtures (kept out of the shipped dist/): tiny datasets in the on-disk layouts
// that mmc's loaders read.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpy } from '../../src/data/npy.js';

/** MultiBench's layout in miniature: N train, M test; pixel value = (sample index + 1) mod 256. */
export function avmnistFixture(n: number, m: number, o: { imageShape?: (k: number) => number[]; audioShape?: (k: number) => number[] } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'mmc-avmnist-'));
  mkdirSync(join(dir, 'image'));
  mkdirSync(join(dir, 'audio'));
  for (const [which, k] of [['train', n], ['test', m]] as const) {
    const img = new Float32Array(k * 784);
    const aud = new Float32Array(k * 12544);
    for (let i = 0; i < k; i++) {
      img.fill((i + 1) % 256, i * 784, (i + 1) * 784);
      aud.fill(255 - (i % 256), i * 12544, (i + 1) * 12544);
    }
    writeNpy(join(dir, 'image', `${which}_data.npy`), { dtype: 'f4', shape: o.imageShape?.(k) ?? [k, 28, 28], data: img });
    const audShape = o.audioShape?.(k) ?? [k, 112, 112];
    writeNpy(join(dir, 'audio', `${which}_data.npy`), { dtype: 'f4', shape: audShape, data: aud.subarray(0, audShape.reduce((p, v) => p * v, 1)) });
    writeNpy(join(dir, `${which}_labels.npy`), { dtype: 'i8', shape: [k], data: BigInt64Array.from(Array.from({ length: k }, (_, i) => BigInt(i % 10))) });
  }
  return dir;
}

/** A folder dataset (manifest.yaml + .npy): 3 classes, modalities `a` [2] and `b` [3], 6/3/3 samples; b absent in training sample 1. */
export function folderFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mmc-folder-'));
  writeFileSync(
    join(dir, 'manifest.yaml'),
    `name: tiny
task: multiclass
num_classes: 3
modalities:
  - { name: a, shape: [2] }
  - { name: b, shape: [3] }
splits:
  train: { labels: train_y.npy, x: { a: train_a.npy, b: train_b.npy }, present: { b: train_b_present.npy } }
  val: { labels: val_y.npy, x: { a: val_a.npy, b: val_b.npy } }
  test: { labels: test_y.npy, x: { a: test_a.npy, b: test_b.npy } }
`,
  );
  for (const [split, n] of [['train', 6], ['val', 3], ['test', 3]] as const) {
    writeNpy(join(dir, `${split}_y.npy`), { dtype: 'i8', shape: [n], data: BigInt64Array.from(Array.from({ length: n }, (_, i) => BigInt(i % 3))) });
    writeNpy(join(dir, `${split}_a.npy`), { dtype: 'f4', shape: [n, 2], data: Float32Array.from({ length: n * 2 }, (_, i) => i) });
    writeNpy(join(dir, `${split}_b.npy`), { dtype: 'f4', shape: [n, 3], data: Float32Array.from({ length: n * 3 }, (_, i) => (split === 'train' && i >= 3 && i < 6 ? NaN : -i)) });
  }
  writeNpy(join(dir, 'train_b_present.npy'), { dtype: 'u1', shape: [6], data: Uint8Array.from([1, 0, 1, 1, 1, 1]) });
  return dir;
}
