// MultiBench's avMNIST, from the published .npy files the user already has (we cannot ship them):
//   <path>/image/{train,test}_data.npy   images, [N, 784] or [N, 28, 28] (or with a channel axis)
//   <path>/audio/{train,test}_data.npy   spectrograms, [N, 112, 112] (or [N, 12544], or with a channel axis)
//   <path>/{train,test}_labels.npy       digit labels, [N]
// As in MultiBench's loader, values are divided by 255 and the last 5,000 training samples validate.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AvmnistDatasetConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { checkFinite, labels } from './array-checks.js';
import { readNpy, toFloat32, type NpyArray } from './npy.js';
import { hashSplits } from './synthetic.js';
import type { Dataset, Split } from './types.js';

export const AVMNIST_FILES = ['image/train_data.npy', 'audio/train_data.npy', 'train_labels.npy', 'image/test_data.npy', 'audio/test_data.npy', 'test_labels.npy'];

/** Rows as float32 [n × side²], accepting [n, side²], [n, side, side], [n, 1, side, side] or [n, side, side, 1]. */
function square(a: NpyArray, side: number, label: string): Float32Array {
  const s = a.shape;
  const ok = (s.length === 2 && s[1] === side * side) || (s.length === 3 && s[1] === side && s[2] === side) || (s.length === 4 && ((s[1] === 1 && s[2] === side && s[3] === side) || (s[1] === side && s[2] === side && s[3] === 1)));
  if (!ok) throw new UsageError(`${label}: expected ${side}×${side} samples ([N, ${side * side}], [N, ${side}, ${side}] or with a channel axis of 1), found shape [${s.join(', ')}]`);
  return toFloat32(a, label);
}

function read(dir: string, rel: string) {
  const path = join(dir, rel);
  if (!existsSync(path)) throw new UsageError(`${path}: file not found (dataset.path should be the MultiBench avmnist folder holding ${AVMNIST_FILES.join(', ')})`);
  return { a: readNpy(path), label: path };
}

function part(dir: string, which: 'train' | 'test', scale: number, limit: number | null): Split {
  const img = read(dir, `image/${which}_data.npy`);
  const aud = read(dir, `audio/${which}_data.npy`);
  const lab = read(dir, `${which}_labels.npy`);
  const y = labels(lab.a, 10, lab.label);
  let image = square(img.a, 28, img.label);
  let audio = square(aud.a, 112, aud.label);
  for (const [x, l, d] of [[image, img.label, 784], [audio, aud.label, 112 * 112]] as const) {
    if (x.length / d !== y.length) throw new UsageError(`${l}: ${x.length / d} samples, but ${lab.label} has ${y.length} labels`);
  }
  let n = y.length;
  if (limit !== null && limit < n) {
    n = limit;
    image = image.slice(0, n * 784);
    audio = audio.slice(0, n * 112 * 112);
  }
  for (const x of [image, audio]) for (let i = 0; i < x.length; i++) x[i] /= scale;
  checkFinite(image, n, img.label);
  checkFinite(audio, n, aud.label);
  return { n, x: { image, audio }, y: y.slice(0, n) };
}

function rows(s: Split, from: number, to: number): Split {
  return { n: to - from, x: { image: s.x.image.slice(from * 784, to * 784), audio: s.x.audio.slice(from * 12544, to * 12544) }, y: s.y.slice(from, to) };
}

export function loadAvmnist(cfg: AvmnistDatasetConfig): Dataset {
  const dir = resolve(cfg.path);
  const all = part(dir, 'train', cfg.scale, null);
  if (cfg.val_size >= all.n) throw new UsageError(`dataset.val_size: ${cfg.val_size} leaves no training samples (the training files hold ${all.n})`);
  const trainEnd = all.n - cfg.val_size;
  const train = rows(all, 0, cfg.train_limit !== null ? Math.min(cfg.train_limit, trainEnd) : trainEnd);
  const val = rows(all, trainEnd, all.n);
  const test = part(dir, 'test', cfg.scale, cfg.test_limit);
  const splits = { train, val, test };
  return {
    ...avmnistLayout('avmnist', [112, 112]),
    splits,
    hash: hashSplits(splits),
    info: { folder: dir, scale: cfg.scale },
  };
}

/** What avMNIST-style data sets share: 10 digits, a 28×28 image and a spectrogram of `audio` rows × columns. */
export function avmnistLayout(name: string, audio: [number, number]): Pick<Dataset, 'name' | 'task' | 'numClasses' | 'modalities'> {
  return {
    name,
    task: 'multiclass',
    numClasses: 10,
    modalities: [
      { name: 'image', dim: 784, shape: [28, 28, 1] },
      { name: 'audio', dim: audio[0] * audio[1], shape: [...audio, 1] },
    ],
  };
}
