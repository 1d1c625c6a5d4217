// Classification metrics in float64 on plain arrays: accuracy, macro-F1, cross-entropy, and for
// binary tasks ROC-AUC (Mann–Whitney, ties counted half) and PR-AUC (average precision).

export interface ClassMetrics {
  n: number;
  accuracy: number;
  macro_f1: number;
  cross_entropy: number;
  roc_auc?: number;
  pr_auc?: number;
}

export function argmaxRows(probs: ArrayLike<number>, n: number, c: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < c; j++) if (probs[i * c + j] > probs[i * c + best]) best = j;
    out[i] = best;
  }
  return out;
}

export function accuracy(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return y.length ? ok / y.length : NaN;
}

/** Mean over classes that occur in labels or predictions of the per-class F1. */
export function macroF1(pred: ArrayLike<number>, y: ArrayLike<number>, c: number): number {
  const tp = new Float64Array(c);
  const fp = new Float64Array(c);
  const fn = new Float64Array(c);
  for (let i = 0; i < y.length; i++) {
    if (pred[i] === y[i]) tp[y[i]]++;
    else {
      fp[pred[i]]++;
      fn[y[i]]++;
    }
  }
  let sum = 0;
  let k = 0;
  for (let j = 0; j < c; j++) {
    if (tp[j] + fp[j] + fn[j] === 0) continue;
    sum += (2 * tp[j]) / (2 * tp[j] + fp[j] + fn[j]);
    k++;
  }
  return k ? sum / k : NaN;
}

export function crossEntropy(probs: ArrayLike<number>, y: ArrayLike<number>, c: number): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s -= Math.log(Math.max(probs[i * c + y[i]], 1e-12));
  return s / y.length;
}

export function rocAuc(score: ArrayLike<number>, y: ArrayLike<number>): number {
  const idx = Array.from({ length: y.length }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && score[idx[j + 1]] === score[idx[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (y[idx[k]] === 1) {
      pos++;
      rankSum += avgRank;
    }
    i = j + 1;
  }
  const neg = y.length - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Average precision: Σ (R_k − R_{k−1}) P_k over thresholds at each distinct score. */
export function averagePrecision(score: ArrayLike<number>, y: ArrayLike<number>): number {
  const idx = Array.from({ length: y.length }, (_, i) => i).sort((a, b) => score[b] - score[a]);
  let totalPos = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) totalPos++;
  if (totalPos === 0) return NaN;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let prevRecall = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && score[idx[j + 1]] === score[idx[i]]) j++;
    for (let k = i; k <= j; k++) (y[idx[k]] === 1 ? tp++ : fp++);
    const recall = tp / totalPos;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
    i = j + 1;
  }
  return ap;
}

export function classificationMetrics(probs: ArrayLike<number>, y: ArrayLike<number>, c: number, binary: boolean): ClassMetrics {
  const n = y.length;
  const pred = argmaxRows(probs, n, c);
  const m: ClassMetrics = { n, accuracy: accuracy(pred, y), macro_f1: macroF1(pred, y, c), cross_entropy: crossEntropy(probs, y, c) };
  if (binary) {
    const s = new Float64Array(n);
    for (let i = 0; i < n; i++) s[i] = probs[i * c + 1];
    m.roc_auc = rocAuc(s, y);
    m.pr_auc = averagePrecision(s, y);
  }
  return m;
}

/** Class probabilities from raw scores (n rows of `width`): softmax per row; one score per row (binary) is a sigmoid, [1 − p, p]. */
export function probabilitiesFromLogits(logits: ArrayLike<number>, n: number, width: number): Float32Array {
  if (width === 1) {
    const out = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-logits[i]));
      out[2 * i] = 1 - p;
      out[2 * i + 1] = p;
    }
    return out;
  }
  const out = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < width; j++) max = Math.max(max, logits[i * width + j]);
    let sum = 0;
    for (let j = 0; j < width; j++) sum += out[i * width + j] = Math.exp(logits[i * width + j] - max);
    for (let j = 0; j < width; j++) out[i * width + j] /= sum;
  }
  return out;
}
