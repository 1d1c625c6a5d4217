import * as tf from '@tensorflow/tfjs';

/** Mean softmax cross-entropy of logits (n × C) against integer labels (n). */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const onehot = tf.oneHot(labels, logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logp), 1))) as tf.Scalar;
  });
}

/** Number of rows whose arg-max equals the label, as a float scalar. */
export function countCorrect(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')));
}

/** Cosine similarity of each row of a with the same row of b (n × d each → n); eps keeps zero rows finite. */
export function rowCosine(a: tf.Tensor2D, b: tf.Tensor2D, eps = 1e-8): tf.Tensor1D {
  const dot = tf.sum(tf.mul(a, b), 1);
  const na = tf.sqrt(tf.add(tf.sum(tf.square(a), 1), eps));
  const nb = tf.sqrt(tf.add(tf.sum(tf.square(b), 1), eps));
  return tf.div(dot, tf.mul(na, nb)) as tf.Tensor1D;
}
