// Linear probe: multinomial logistic regression on a frozen representation (standardised with the
// training split's statistics), trained full-batch with Adam from zero weights — a convex problem,
// so the result does not depend on a seed. An L2 penalty keeps it finite on separable data.
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../adam.js';
import { crossEntropy, accuracy, argmaxRows } from '../metrics.js';

export interface ProbeOptions {
  iterations: number;
  lr: number;
  l2: number;
}

export const DEFAULT_PROBE: ProbeOptions = { iterations: 300, lr: 0.05, l2: 1e-3 };

export interface ProbeResult {
  train_cross_entropy: number;
  cross_entropy: number; // on the evaluation split
  accuracy: number;
}

export async function linearProbe(train: Float32Array, yTrain: Int32Array, evalX: Float32Array, yEval: Int32Array, d: number, classes: number, o: ProbeOptions = DEFAULT_PROBE): Promise<ProbeResult> {
  const nT = yTrain.length;
  const nE = yEval.length;
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (let i = 0; i < nT; i++) for (let j = 0; j < d; j++) mean[j] += train[i * d + j] / nT;
  for (let i = 0; i < nT; i++) for (let j = 0; j < d; j++) sd[j] += (train[i * d + j] - mean[j]) ** 2 / nT;
  const scale = Array.from(sd, (v) => (v > 1e-12 ? 1 / Math.sqrt(v) : 0)); // constant features carry nothing
  const standardise = (x: Float32Array, n: number) => {
    const out = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = (x[i * d + j] - mean[j]) * scale[j];
    return tf.tensor2d(out, [n, d]);
  };
  const xT = standardise(train, nT);
  const xE = standardise(evalX, nE);
  // Only the variables and yT outlive these tidies: the label and zero tensors they come from would
  // otherwise stay (3 tensors per probe, which a process running many jobs would pile up).
  const yT = tf.tidy(() => tf.oneHot(tf.tensor1d(yTrain, 'int32'), classes));
  const w = tf.tidy(() => tf.variable(tf.zeros([d, classes]), true, `probe-w-${Math.random().toString(36).slice(2)}`));
  const b = tf.tidy(() => tf.variable(tf.zeros([classes]), true, `probe-b-${Math.random().toString(36).slice(2)}`));
  const params = new Map([
    ['w', w],
    ['b', b],
  ]);
  const opt = new Adam(params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  for (let it = 0; it < o.iterations; it++) {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const logp = tf.logSoftmax(tf.add(tf.matMul(xT, w), b));
        const ce = tf.neg(tf.mean(tf.sum(tf.mul(yT, logp), 1)));
        return tf.add(ce, tf.mul(o.l2, tf.sum(tf.square(w)))) as tf.Scalar;
      }, [w, b]);
      opt.apply(grads, o.lr);
    });
  }
  const probsOf = async (x: tf.Tensor2D) => {
    const p = tf.tidy(() => tf.softmax(tf.add(tf.matMul(x, w), b)));
    const data = (await p.data()) as Float32Array;
    p.dispose();
    return data;
  };
  const pT = await probsOf(xT);
  const pE = await probsOf(xE);
  tf.dispose([xT, xE, yT, w, b]);
  opt.dispose();
  return { train_cross_entropy: crossEntropy(pT, yTrain, classes), cross_entropy: crossEntropy(pE, yEval, classes), accuracy: accuracy(argmaxRows(pE, nE, classes), yEval) };
}
