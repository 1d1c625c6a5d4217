// An mmc model as an ONNX graph: the same computation as FusionModel.forward (core/model.ts) with
// the zero protocol, node for node. Inputs: one per modality, [batch, inputDim] as mmc stores it, and
// `present` [batch, M] (1 = present, columns in modality order; a required input: ONNX runtimes
// hide inputs that have a default). Outputs
// `logits` and `fused` (the fusion head's last hidden layer).
import { convOutputShape, type EncoderSpec, type ModelSpec } from '../../core/model.js';
import { UsageError } from '../../errors.js';
import { FLOAT, INT64, type Graph, type Initializer, type Node } from './proto.js';

export interface NamedWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

export const PRESENT_INPUT = 'present';

/** Why a model cannot be exported (null: it can); one definition, used by the command and its test. */
export function onnxExportProblem(spec: ModelSpec): string | null {
  if (spec.fusion.type === 'attention') return 'attention fusion is not exported to ONNX (concat, sum and late fusion are)';
  const clash = spec.modalities.find((m) => [PRESENT_INPUT, 'logits', 'fused'].includes(m.name));
  if (clash) return `a modality named "${clash.name}" would clash with an ONNX input or output of that name`;
  return null;
}

export function onnxGraph(spec: ModelSpec, weights: NamedWeight[], name: string): Graph {
  const problem = onnxExportProblem(spec);
  if (problem) throw new UsageError(problem);
  const byName = new Map(weights.map((w) => [w.name, w]));
  const nodes: Node[] = [];
  const inits: Initializer[] = [];
  let k = 0;
  const tmp = (hint: string) => `mmc/${hint}_${k++}`; // a slash: no modality name can clash
  const weight = (key: string): string => {
    const w = byName.get(key);
    if (!w) throw new Error(`checkpoint has no weight "${key}"`);
    inits.push({ name: key, dims: w.shape, type: FLOAT, values: w.data });
    return key;
  };
  const ints = (values: number[]): string => {
    const n = tmp('const');
    inits.push({ name: n, dims: [values.length], type: INT64, values: BigInt64Array.from(values.map(BigInt)) });
    return n;
  };
  const op = (type: string, inputs: string[], attrs?: Node['attrs']): string => {
    const out = tmp(type.toLowerCase());
    nodes.push({ op: type, inputs, outputs: [out], attrs });
    return out;
  };
  /** dense(x, kernel [in, out], bias) as Gemm, then ReLU when asked (ops/dense.ts). */
  const dense = (x: string, prefix: string, relu: boolean) => {
    const y = op('Gemm', [x, weight(`${prefix}/kernel`), weight(`${prefix}/bias`)]);
    return relu ? op('Relu', [y]) : y;
  };
  const mlp = (x: string, prefix: string, layers: number) => {
    let h = x;
    for (let i = 0; i < layers; i++) h = dense(h, `${prefix}/dense${i}`, true);
    return h;
  };
  const encoder = (x: string, m: string, e: EncoderSpec) => {
    if (e.type === 'mlp') return mlp(x, `enc/${m}`, e.hidden.length + 1);
    // mmc is NHWC; ONNX Conv and MaxPool are NCHW: transpose in, convolve with kernels transposed to
    // [cout, cin, k, k], transpose back before flattening so the MLP sees mmc's order.
    const [h, w, c] = e.inputShape;
    let t = op('Transpose', [op('Reshape', [x, ints([-1, h, w, c])])], [{ name: 'perm', ints: [0, 3, 1, 2] }]);
    let cin = c;
    const before = Math.floor((e.kernelSize - 1) / 2); // tf 'same' for stride 1: the extra pad goes after
    const after = e.kernelSize - 1 - before;
    e.channels.forEach((cout, i) => {
      const key = `enc/${m}/conv${i}`;
      const kw = byName.get(`${key}/kernel`);
      if (!kw) throw new Error(`checkpoint has no weight "${key}/kernel"`);
      const ks = e.kernelSize;
      const oihw = new Float32Array(kw.data.length);
      for (let a = 0; a < ks; a++) for (let b = 0; b < ks; b++) for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) oihw[((co * cin + ci) * ks + a) * ks + b] = kw.data[((a * ks + b) * cin + ci) * cout + co];
      inits.push({ name: `${key}/kernel`, dims: [cout, cin, ks, ks], type: FLOAT, values: oihw });
      const conv = op('Conv', [t, `${key}/kernel`, weight(`${key}/bias`)], [{ name: 'kernel_shape', ints: [ks, ks] }, { name: 'pads', ints: [before, before, after, after] }]);
      t = op('MaxPool', [op('Relu', [conv])], [{ name: 'kernel_shape', ints: [e.pool, e.pool] }, { name: 'strides', ints: [e.pool, e.pool] }]);
      cin = cout;
    });
    const [oh, ow, oc] = convOutputShape(e);
    const flat = op('Reshape', [op('Transpose', [t], [{ name: 'perm', ints: [0, 2, 3, 1] }]), ints([-1, oh * ow * oc])]);
    return mlp(flat, `enc/${m}`, e.hidden.length + 1);
  };

  const names = spec.modalities.map((m) => m.name);
  const features: string[] = [];
  const presence: string[] = [];
  spec.modalities.forEach((m, i) => {
    let f = encoder(m.name, m.name, m.encoder);
    if (spec.ebr) {
      // EBR: the head sees h⁻¹(h(f)); h: ReLU then linear; h⁻¹: ReLU then linear or ReLU (hinvOutput).
      const g = dense(dense(f, `ebr/h/${m.name}/dense0`, true), `ebr/h/${m.name}/dense1`, false);
      f = dense(dense(g, `ebr/hinv/${m.name}/dense0`, true), `ebr/hinv/${m.name}/dense1`, (spec.ebr.hinvOutput ?? 'relu') === 'relu');
    }
    const p = op('Slice', [PRESENT_INPUT, ints([i]), ints([i + 1]), ints([1])]);
    presence.push(p);
    features.push(op('Mul', [f, p])); // the zero protocol: an absent modality's features are zero
  });

  const head = (x: string, prefix: string) => {
    const fused = mlp(x, prefix, spec.fusion.hidden.length);
    return { fused, logits: dense(fused, `${prefix}/out`, false) };
  };
  let fused: string;
  let logits: string;
  if (spec.fusion.type === 'late') {
    // An absent modality leaves the logit average: Σ p_m·logits_m / max(Σ p_m, 1).
    const heads = names.map((m, i) => head(features[i], `head/${m}`));
    fused = names.length === 1 ? heads[0].fused : op('Concat', heads.map((h) => h.fused), [{ name: 'axis', i: 1 }]);
    const num = op('Sum', heads.map((h, i) => op('Mul', [h.logits, presence[i]])));
    const one = `late/one`;
    inits.push({ name: one, dims: [], type: FLOAT, values: Float32Array.of(1) });
    logits = op('Div', [num, op('Max', [op('Sum', presence), one])]);
  } else {
    const z = names.length === 1 ? features[0] : spec.fusion.type === 'concat' ? op('Concat', features, [{ name: 'axis', i: 1 }]) : op('Sum', features);
    ({ fused, logits } = head(z, 'head'));
  }
  nodes.push({ op: 'Identity', inputs: [fused], outputs: ['fused'] }, { op: 'Identity', inputs: [logits], outputs: ['logits'] });
  const width = spec.fusion.type === 'late' ? null : spec.fusion.hidden.at(-1);
  return {
    name,
    nodes,
    initializers: inits,
    inputs: [...spec.modalities.map((m) => ({ name: m.name, dims: ['batch', m.inputDim] })), { name: PRESENT_INPUT, dims: ['batch', names.length] }],
    outputs: [
      { name: 'logits', dims: ['batch', spec.numClasses] },
      { name: 'fused', dims: ['batch', width ?? 'width'] },
    ],
  };
}
