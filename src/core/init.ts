// Initial weights of every dense and conv layer mmc creates (encoders, fusion head, classifier, EBR's
// h, h⁻¹ and ψ, distillation projectors), drawn from the project's Rng: config key model.init.
//   torch  — PyTorch's nn.Linear / nn.Conv2d defaults: kaiming_uniform(a=√5) weights, i.e.
//            U(±1/√fan_in), and biases U(±1/√fan_in). The default, since most users compare with PyTorch.
//   he     — mmc's draw before model.init existed, kept byte-for-byte: He-normal N(0, 2/fan_in) for a
//            layer followed by a ReLU, LeCun-normal N(0, 1/fan_in) for a linear output layer; zero biases.
//   glorot — Glorot (Xavier) uniform U(±√(6/(fan_in+fan_out))) weights; zero biases.
// fan_in is a dense layer's input width, or k·k·in_channels for a conv kernel; fan_out is the output
// width, or k·k·out_channels (the receptive-field convention of PyTorch and Keras).
import type { InitScheme } from '../config/schema.js';
import type { Rng } from './rng.js';

export type { InitScheme } from '../config/schema.js';

export interface LayerShape {
  fanIn: number;
  fanOut: number;
  /** Output units: the bias length (out features, or out channels). The kernel has fanIn · units values. */
  units: number;
  /** The layer's output goes through a ReLU (only `he` looks at it: gain 2 rather than 1). */
  relu: boolean;
}

export interface LayerInit {
  kernel: Float32Array; // fanIn · units values, in the caller's layout ([fanIn, units] or [k, k, cin, cout]): all draws are i.i.d.
  bias: Float32Array; // units values
}

/** U(±bound) values: 2u − 1 from the Rng's uniform [0, 1), scaled. */
function uniforms(rng: Rng, n: number, bound: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rng.uniform() - 1) * bound;
  return out;
}

/** One layer's initial kernel and bias under `scheme`. Draws the kernel first, then (torch only) the bias. */
export function initLayer(scheme: InitScheme, rng: Rng, s: LayerShape): LayerInit {
  const n = s.fanIn * s.units;
  switch (scheme) {
    case 'torch': {
      const bound = 1 / Math.sqrt(s.fanIn);
      const kernel = uniforms(rng, n, bound);
      return { kernel, bias: uniforms(rng, s.units, bound) };
    }
    case 'he':
      return { kernel: rng.normals(n, Math.sqrt((s.relu ? 2 : 1) / s.fanIn)), bias: new Float32Array(s.units) };
    case 'glorot':
      return { kernel: uniforms(rng, n, Math.sqrt(6 / (s.fanIn + s.fanOut))), bias: new Float32Array(s.units) };
    default:
      throw new Error(`unknown init scheme "${scheme as string}"`);
  }
}
