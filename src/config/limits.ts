// Size limits checked before anything is allocated. The schema bounds each key alone (input_dim ≤
// 65,536, train_size ≤ 10^7, hidden widths ≤ 65,536, …), but products of keys that each pass can ask
// for terabytes (train_size 10^7 × input_dim 65,536 = 6.6·10^11 floats) and the process would swap,
// hang or die of OOM instead of saying why. These limits are far above every shipped config and below
// what a 16 GB machine can hold; raise them here if you have a bigger one (docs/reliability.md).

/** Values the in-memory dataset may hold: 2^28 float32 = 1 GiB. */
export const MAX_DATA_VALUES = 2 ** 28;
/** Trainable parameters: 2^26 = 67M (256 MiB of float32; Adam's moments and the gradients ×4). */
export const MAX_MODEL_PARAMS = 2 ** 26;
/** Activations of one batch through the widest path: 2^28 float32 = 1 GiB. */
export const MAX_BATCH_ACTIVATIONS = 2 ** 28;

export interface ModalitySize {
  name: string;
  inputDim: number;
  shape: number[];
  mlpIn: number; // the MLP's input width: inputDim, or the flattened output of the conv stages
  layers: number[]; // hidden…, out_dim
  convParams: number;
}

export interface SizeInput {
  modalities: ModalitySize[];
  /** `attention`: the resolved sizes (schema.ts attentionFor), for type attention. */
  fusion: { type: 'concat' | 'sum' | 'late' | 'attention'; hidden: number[]; attention?: AttentionSizes };
  numClasses: number;
  batchRows: number; // min(batch_size, train split), and at least the 2048-row evaluation chunks
  ebr: { gDim: number; hidden: number; psiHidden: number } | null;
}

export interface AttentionSizes {
  dModel: number;
  layers: number;
  heads: number;
  ffDim: number;
  norm: 'pre' | 'post';
}

/** Attention fusion's parameters (core/attention.ts): projections of widths ≠ d_model, embeddings, blocks, pre-norm's final norm. */
export function attentionParams(outs: number[], a: AttentionSizes): number {
  const D = a.dModel;
  let p = outs.reduce((s, o) => s + (o === D ? 0 : (o + 1) * D), 0) + outs.length * D;
  p += a.layers * (4 * (D + 1) * D + (D + 1) * a.ffDim + (a.ffDim + 1) * D + 4 * D);
  return p + (a.norm === 'pre' ? 2 * D : 0);
}

/** Activations per sample of attention fusion: M tokens of width D, per block per token about 10·D + ff_dim + 2·heads·M (norms, q/k/v, mix, output, feed-forward, residuals; scores and softmax), the pooled D. */
function attentionWidths(M: number, a: AttentionSizes): number {
  return M * a.dModel + a.layers * M * (10 * a.dModel + a.ffDim + 2 * a.heads * M) + a.dModel;
}

const fmt = (n: number) => (n < 1e15 ? Math.round(n).toLocaleString('en-US') : n.toExponential(2));

function mlpParams(widths: number[]): number {
  let p = 0;
  for (let i = 1; i < widths.length; i++) p += (widths[i - 1] + 1) * widths[i];
  return p;
}

/** Trainable parameters of the model the sizes describe (EBR maps and ψ included). */
export function modelParams(s: SizeInput): number {
  let p = 0;
  for (const m of s.modalities) p += m.convParams + mlpParams([m.mlpIn, ...m.layers]);
  const outs = s.modalities.map((m) => m.layers.at(-1)!);
  const att = s.fusion.type === 'attention' ? s.fusion.attention : undefined;
  if (s.fusion.type === 'attention' && !att) throw new Error('attention fusion sizes missing');
  if (s.fusion.type === 'late') for (const o of outs) p += mlpParams([o, ...s.fusion.hidden, s.numClasses]);
  else if (att) p += attentionParams(outs, att) + mlpParams([att.dModel, ...s.fusion.hidden, s.numClasses]);
  else p += mlpParams([s.fusion.type === 'sum' ? Math.max(...outs) : outs.reduce((a, b) => a + b, 0), ...s.fusion.hidden, s.numClasses]);
  if (s.ebr) {
    const e = s.ebr;
    for (const o of outs) p += mlpParams([o, e.hidden, e.gDim]) + mlpParams([e.gDim, e.hidden, o]);
    p += mlpParams([e.gDim, e.psiHidden, s.modalities.length]);
  }
  return p;
}

/** The first size problem, as a message naming the keys to change; null when within the limits. */
export function modelSizeProblem(s: SizeInput): string | null {
  const params = modelParams(s);
  if (params > MAX_MODEL_PARAMS) {
    return `the model would have about ${fmt(params)} parameters, over the limit of ${fmt(MAX_MODEL_PARAMS)} (src/config/limits.ts); make model.encoder.hidden, model.encoder.out_dim, model.fusion.hidden${s.fusion.attention ? ', model.fusion.d_model, model.fusion.ff_dim, model.fusion.layers' : ''}${s.ebr ? ', ebr.hidden, ebr.g_dim' : ''} or the input dimensions smaller`;
  }
  const widths =
    s.modalities.reduce((a, m) => a + m.inputDim + m.layers.reduce((x, y) => x + y, 0), 0) +
    s.fusion.hidden.reduce((a, b) => a + b, 0) * (s.fusion.type === 'late' ? s.modalities.length : 1) +
    (s.fusion.type === 'attention' && s.fusion.attention ? attentionWidths(s.modalities.length, s.fusion.attention) : 0);
  const acts = s.batchRows * widths;
  if (acts > MAX_BATCH_ACTIVATIONS) {
    return `one batch of ${fmt(s.batchRows)} rows through layers ${fmt(widths)} wide in all needs ${fmt(acts)} activation values, over the limit of ${fmt(MAX_BATCH_ACTIVATIONS)} (src/config/limits.ts); make train.batch_size or the layer widths smaller`;
  }
  return null;
}

/** Values a synthetic dataset holds: inputs and latents of every split, plus the projections. */
export function syntheticValues(d: { train_size: number; val_size: number; test_size: number; modalities: { input_dim: number; predictive_features: number; noise_features: number }[] }): number {
  const rows = d.train_size + d.val_size + d.test_size;
  let v = 0;
  for (const m of d.modalities) v += rows * (m.input_dim + m.predictive_features + m.noise_features) + (m.predictive_features + m.noise_features) * m.input_dim;
  return v;
}

export function syntheticDataProblem(d: Parameters<typeof syntheticValues>[0]): string | null {
  const v = syntheticValues(d);
  if (v <= MAX_DATA_VALUES) return null;
  return `(train_size + val_size + test_size) × Σ(input_dim + predictive_features + noise_features) over the modalities = ${fmt(v)} values, over the limit of ${fmt(MAX_DATA_VALUES)} (1 GiB of float32, src/config/limits.ts); make the splits or the modalities smaller`;
}

export interface EncoderLike {
  type: 'mlp' | 'conv';
  hidden: number[];
  out_dim: number;
  channels: number[];
  kernel_size: number;
  pool: number;
}

/** One modality's sizes from its resolved encoder config and input shape. */
export function modalitySize(name: string, shape: number[], e: EncoderLike): ModalitySize {
  const inputDim = shape.reduce((a, b) => a * b, 1);
  if (e.type === 'conv' && shape.length === 3) {
    let [h, w, c] = shape;
    let convParams = 0;
    for (const ch of e.channels) {
      convParams += e.kernel_size * e.kernel_size * c * ch + ch;
      c = ch;
      h = Math.max(1, Math.floor(h / e.pool));
      w = Math.max(1, Math.floor(w / e.pool));
    }
    return { name, inputDim, shape, mlpIn: h * w * c, layers: [...e.hidden, e.out_dim], convParams };
  }
  return { name, inputDim, shape, mlpIn: inputDim, layers: [...e.hidden, e.out_dim], convParams: 0 };
}
