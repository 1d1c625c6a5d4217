// Checks shared by the loaders of user-supplied arrays: every problem names the file and the row.
import { UsageError } from '../errors.js';
import { toFloat32, type NpyArray } from './npy.js';

/** Per-sample values as float32 [n × prod(shape)]; accepts [n, ...shape] or [n, prod(shape)]. */
export function samples(a: NpyArray, shape: number[], label: string, n: number | null): Float32Array {
  const per = shape.reduce((p, v) => p * v, 1);
  const okShape = a.shape.length >= 1 && (n === null || a.shape[0] === n) && (a.shape.slice(1).join(',') === shape.join(',') || (a.shape.length === 2 && a.shape[1] === per));
  if (!okShape) {
    throw new UsageError(`${label}: expected shape [${n ?? 'N'}, ${shape.join(', ')}]${shape.length > 1 ? ` or [${n ?? 'N'}, ${per}]` : ''}, found [${a.shape.join(', ')}]`);
  }
  return toFloat32(a, label);
}

/** Integer class labels in [0, classes), from any integer array or a float array of whole numbers. */
export function labels(a: NpyArray, classes: number, label: string): Int32Array {
  if (!(a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1))) throw new UsageError(`${label}: labels must have shape [N] or [N, 1], found [${a.shape.join(', ')}]`);
  const v = toFloat32(a, label);
  const y = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isInteger(v[i]) || v[i] < 0 || v[i] >= classes) throw new UsageError(`${label}: row ${i}: label ${v[i]} is not a class index in 0…${classes - 1}`);
    y[i] = v[i];
  }
  return y;
}

/** Absent samples (present[i] = 0) are zeroed: never read as data, the protocol replaces them at the encoder output. */
export function zeroAbsent(x: Float32Array, n: number, present: Uint8Array): void {
  const d = x.length / n;
  for (let i = 0; i < n; i++) if (present[i] === 0) x.fill(0, i * d, (i + 1) * d);
}

/** NaN or ±Inf in a present sample is an error; absent samples are zeroed first. */
export function checkFinite(x: Float32Array, n: number, label: string, present?: Uint8Array): void {
  if (present) zeroAbsent(x, n, present);
  const d = x.length / n;
  for (let i = 0; i < n; i++) {
    if (present && present[i] === 0) continue;
    const row = x.subarray(i * d, (i + 1) * d);
    for (let j = 0; j < d; j++) {
      if (!Number.isFinite(row[j])) throw new UsageError(`${label}: row ${i}, value ${j} is ${row[j]}${present ? ' in a sample marked present' : ''} (mark the sample absent in a present array, or fix the value)`);
    }
  }
}

/** A 0/1 presence array [n]. */
export function presence(a: NpyArray, n: number, label: string): Uint8Array {
  if (!(a.shape.length === 1 && a.shape[0] === n)) throw new UsageError(`${label}: a presence array must have shape [${n}], found [${a.shape.join(', ')}]`);
  const v = toFloat32(a, label);
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (v[i] !== 0 && v[i] !== 1) throw new UsageError(`${label}: row ${i}: presence must be 0 or 1, found ${v[i]}`);
    p[i] = v[i];
  }
  return p;
}

/** z-score with statistics of the training split's present samples: per feature, one global pair, or none. Returns the statistics used. */
export function standardize(train: Float32Array, others: Float32Array[], n: number, mode: 'feature' | 'global' | 'none', present?: Uint8Array): { mean: Float64Array; sd: Float64Array } | null {
  if (mode === 'none' || n === 0) return null;
  const d = train.length / n;
  const groups = mode === 'feature' ? d : 1;
  const sum = new Float64Array(groups);
  const sq = new Float64Array(groups);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (present && present[i] === 0) continue;
    count++;
    for (let j = 0; j < d; j++) {
      const g = mode === 'feature' ? j : 0;
      sum[g] += train[i * d + j];
    }
  }
  if (count === 0) return null;
  const per = mode === 'feature' ? count : count * d;
  const mean = sum.map((s) => s / per);
  for (let i = 0; i < n; i++) {
    if (present && present[i] === 0) continue;
    for (let j = 0; j < d; j++) {
      const g = mode === 'feature' ? j : 0;
      sq[g] += (train[i * d + j] - mean[g]) ** 2;
    }
  }
  const sd = sq.map((s) => Math.sqrt(s / per) || 1); // a constant feature is centred, not divided by 0
  for (const x of [train, ...others]) {
    const rows = x.length / d;
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < d; j++) {
        const g = mode === 'feature' ? j : 0;
        x[i * d + j] = (x[i * d + j] - mean[g]) / sd[g];
      }
  }
  return { mean, sd };
}
