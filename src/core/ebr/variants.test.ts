// EBR's variants (issue 15): g-space width from the encoders (ebr.g_dim/hidden null), h⁻¹'s output
// layer (ebr.hinv_output), ψ's own learning rate (ebr.psi_lr), and loading runs saved before them.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { modelSpec, specForCheckpoint } from '../../commands/data-and-model.js';
import { ebrSizes } from '../../config/schema.js';
import { generateSynthetic } from '../../data/synthetic.js';
import { quickConfig, tinyEbr, useBackend } from '../../test-support.js';
import { Adam } from '../adam.js';
import { softmaxCrossEntropy } from '../losses.js';
import { FusionModel } from '../model.js';
import { setFastOps } from '../ops/dense.js';
import { Rng } from '../rng.js';
import { adversarialTerm } from './adversary.js';
import { psiLrScale } from './training.js';

before(() => useBackend('wasm'));

/** The quick config with EBR on and these overrides; its model spec and a model with its g per modality on 4 training rows. */
function ebrModel(overrides: string[]) {
  const cfg = quickConfig(['ebr.enabled=true', ...overrides]);
  const data = generateSynthetic(cfg.dataset as Parameters<typeof generateSynthetic>[0]);
  const spec = modelSpec(cfg, data);
  const model = new FusionModel(spec, new Rng(0));
  const widths = tf.tidy(() => {
    const dim = (m: string) => data.modalities.find((x) => x.name === m)!.dim;
    const xs = Object.fromEntries(model.modalityNames.map((m) => [m, tf.tensor2d(data.splits.train.x[m].subarray(0, 4 * dim(m)), [4, dim(m)])]));
    const out = model.forward(xs as Record<string, tf.Tensor2D>);
    return Object.fromEntries(model.modalityNames.map((m) => [m, { g: out.g![m].shape[1], head: out.features[m].shape[1] }]));
  });
  model.dispose();
  return { cfg, spec, widths };
}

test('ebr.g_dim null: g-space as wide as the widest encoder output (shared by all modalities); hidden null: as wide as g', () => {
  // quick: both encoders output 8.
  const same = ebrModel([]);
  assert.deepEqual(same.spec.ebr, { gDim: 8, hidden: 8, psiHidden: 32, hinvOutput: 'linear' });
  assert.deepEqual(same.widths, { image: { g: 8, head: 8 }, audio: { g: 8, head: 8 } });
  // Different encoder widths: g takes the widest, and h⁻¹ still maps back to each encoder's own width.
  const wide = ebrModel(['model.encoders.audio.out_dim=12']);
  assert.deepEqual(wide.spec.ebr, { gDim: 12, hidden: 12, psiHidden: 32, hinvOutput: 'linear' });
  assert.deepEqual(wide.widths, { image: { g: 12, head: 8 }, audio: { g: 12, head: 12 } });
  // Numbers still choose a narrower or wider space; hidden null follows a given g_dim.
  assert.deepEqual(ebrModel(['ebr.g_dim=5']).spec.ebr, { gDim: 5, hidden: 5, psiHidden: 32, hinvOutput: 'linear' });
  assert.deepEqual(ebrModel(['ebr.g_dim=16', 'ebr.hidden=32', 'ebr.hinv_output=relu']).spec.ebr, { gDim: 16, hidden: 32, psiHidden: 32, hinvOutput: 'relu' });
  assert.deepEqual(ebrModel(['ebr.g_dim=16', 'ebr.hidden=32']).widths.audio, { g: 16, head: 8 });
  // Only the modalities in use count.
  const cfg = quickConfig(['ebr.enabled=true', 'model.encoders.audio.out_dim=12']);
  assert.equal(ebrSizes(cfg, ['image'])!.gDim, 8);
  assert.equal(ebrSizes({ ...cfg, ebr: { ...cfg.ebr, enabled: false } }, ['image']), null);
});

test('the size limits count g-space at the width null resolves to', () => {
  // Encoders 4096 wide: g and h's hidden layer 4096 too, ~67M parameters per modality's h and h⁻¹.
  const wide = ['ebr.enabled=true', 'model.encoder.out_dim=4096'];
  assert.throws(() => quickConfig(wide), /parameters, over the limit .*ebr\.hidden, ebr\.g_dim/);
  assert.doesNotThrow(() => quickConfig([...wide, 'ebr.g_dim=16', 'ebr.hidden=32']));
});

/** h⁻¹ by hand: relu(g·W0 + b0)·W1 + b1, from the model's own weights. */
async function hinvByHand(model: FusionModel, m: string, g: number[][]): Promise<number[][]> {
  const w = Object.fromEntries((await model.weightValues()).map((v) => [v.name, v]));
  const layer = (x: number[][], name: string, relu: boolean) => {
    const k = w[`ebr/hinv/${m}/${name}/kernel`];
    const b = w[`ebr/hinv/${m}/${name}/bias`];
    const [rows, cols] = k.shape;
    return x.map((xi) => Array.from({ length: cols }, (_, j) => {
      let s = b.data[j];
      for (let i = 0; i < rows; i++) s += xi[i] * k.data[i * cols + j];
      return relu ? Math.max(0, s) : s;
    }));
  };
  return layer(layer(g, 'dense0', true), 'dense1', false);
}

test('ebr.hinv_output: linear lets negative values through h⁻¹; relu (and a spec saved before the key) clamps them', async () => {
  const g = [[1.5, -2, 0.7], [-1, 0.3, 2.2], [0.2, 0.9, -1.4], [-0.6, -0.8, 0.5]];
  for (const hinvOutput of ['linear', 'relu', undefined] as const) {
    const { model, dispose } = await tinyEbr({ modalities: 2, n: 1, seed: 33, ...(hinvOutput ? { hinvOutput } : {}) });
    const want = await hinvByHand(model, 'a', g);
    const got = tf.tidy(() => model.fromG('a', tf.tensor2d(g)).arraySync());
    assert.ok(want.flat().some((v) => v < -1e-3), 'the pre-activation has negative values to test with');
    const expected = hinvOutput === 'linear' ? want : want.map((r) => r.map((v) => Math.max(0, v)));
    got.flat().forEach((v, i) => assert.ok(Math.abs(v - expected.flat()[i]) < 1e-5, `${hinvOutput} [${i}]: ${v} vs ${expected.flat()[i]}`));
    if (hinvOutput === 'linear') assert.ok(got.flat().some((v) => v < -1e-3));
    else assert.ok(got.flat().every((v) => v >= 0));
    dispose();
  }
});

test('a checkpoint saved before ebr.hinv_output loads as ReLU whatever the config now defaults to', () => {
  const spec = { modalities: [], numClasses: 2, fusion: { type: 'concat' as const, hidden: [4] } };
  const now = { ...spec, ebr: { gDim: 8, hidden: 8, psiHidden: 32, hinvOutput: 'linear' as const } };
  assert.equal(specForCheckpoint(now, { ...spec, ebr: { gDim: 8, hidden: 8, psiHidden: 32 } }).ebr!.hinvOutput, 'relu');
  assert.equal(specForCheckpoint(now, now).ebr!.hinvOutput, 'linear');
  assert.equal(specForCheckpoint({ ...now, ebr: { ...now.ebr, hinvOutput: 'relu' } }, now).ebr!.hinvOutput, 'linear');
  assert.deepEqual(specForCheckpoint(spec, spec), spec);
});

test('ebr.psi_lr: one Adam step moves ψ at psi_lr and every other parameter at the shared rate, both update paths', async () => {
  const lr = 0.01;
  const psiLr = 0.002;
  for (const fast of ['auto', 'off'] as const) {
    setFastOps(fast);
    const { model, xs, dispose } = await tinyEbr({ modalities: 2, n: 6, seed: 9 });
    const y = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
    // A gradient on every group: L_sem plus the reversal term (which reaches ψ).
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(xs);
      return tf.add(softmaxCrossEntropy(out.logits, y), adversarialTerm(model, out.g!, 'reversal', 0.5)) as tf.Scalar;
    }, model.trainable);
    const before = new Map((await model.weightValues()).map((w) => [w.name, w.data]));
    const g = new Map([...model.params].map(([name, v]) => [name, grads[v.name].dataSync() as Float32Array]));
    const scale = psiLrScale(model, { psi_lr: psiLr }, lr)!;
    assert.deepEqual(Object.keys(scale).sort(), ['ebr/psi/dense0/bias', 'ebr/psi/dense0/kernel', 'ebr/psi/dense1/bias', 'ebr/psi/dense1/kernel']);
    assert.equal(psiLrScale(model, { psi_lr: null }, lr), undefined);
    const opt = new Adam(model.params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, lrScale: scale });
    opt.apply(grads, lr);
    // Step 1 by hand: m̂ = g, v̂ = g², so w' = w − rate·g/(|g| + eps).
    let checked = 0;
    for (const w of await model.weightValues()) {
      const rate = model.paramGroup(w.name) === 'psi' ? psiLr : lr;
      const w0 = before.get(w.name)!;
      const gi = g.get(w.name)!;
      for (let i = 0; i < w.data.length; i++) {
        if (Math.abs(gi[i]) < 1e-6) continue; // an idle unit: |g| ≈ eps makes the step ill-conditioned to check
        const want = w0[i] - (rate * gi[i]) / (Math.abs(gi[i]) + 1e-8);
        assert.ok(Math.abs(w.data[i] - want) < 1e-6, `${fast} ${w.name}[${i}]: ${w.data[i]} vs ${want} (rate ${rate})`);
        checked++;
      }
    }
    assert.ok(checked > 50, `checked ${checked} entries`);
    // The state keeps one optimiser's shape: a step count and a moment pair per parameter, ψ's included.
    const st = await opt.state();
    assert.equal(st.t, 1);
    assert.deepEqual(st.moments.map((mo) => mo.name), [...model.params.keys()]);
    tf.dispose([value, y, ...Object.values(grads)]);
    opt.dispose();
    dispose();
  }
  setFastOps('auto');
});
