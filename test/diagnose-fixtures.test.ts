// mmc diagnose on models PyTorch built with known behaviour (scripts/oracle/export_onnx.py wrote
// test/fixtures/onnx/: the models, their data and what PyTorch computed on it), and its one-line
// refusals of bad input.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openOnnx } from '../src/diagnose/onnx-model.js';
import { encodeModel, INT64 } from '../src/export/onnx/proto.js';
import { readNpy } from '../src/data/npy.js';
import { MMC_BIN, REPO_ROOT } from '../src/test-support.js';
import type { Diagnosis } from '../src/run/records/index.js';

const FIX = join(REPO_ROOT, 'test', 'fixtures', 'onnx');
const DATA = join(FIX, 'data');
const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as Record<string, { accuracy: Record<string, number>; logits_first5: number[][]; input_layout: Record<string, number[]> }>;

function mmc(args: string[]) {
  const r = spawnSync(process.execPath, [MMC_BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const diagnose = (model: string, extra: string[] = []): Diagnosis => {
  const r = mmc(['diagnose', '--model', join(FIX, model), '--data', DATA, '--json', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};
const oneLine = (args: string[], pattern: RegExp) => {
  const r = mmc(args);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, pattern);
};

test('PyTorch logits on the first test samples equal onnxruntime-web on the same file', async () => {
  const x = (m: string) => readNpy(join(DATA, 'test', `${m}.npy`)).data as Float32Array;
  for (const [name, e] of Object.entries(expected).filter(([k]) => k !== 'audio_only')) {
    const model = await openOnnx(join(FIX, `${name}.onnx`));
    const r = await model.run(5, { image: { data: x('image').slice(0, 5 * 16), dims: e.input_layout.image }, audio: { data: x('audio').slice(0, 5 * 8), dims: e.input_layout.audio } }, ['logits']);
    await model.close();
    e.logits_first5.flat().forEach((v, i) => assert.ok(Math.abs(r.logits.data[i] - v) < 1e-5, `${name} logit ${i}: ${r.logits.data[i]} vs ${v}`));
  }
});

test('a model that ignores audio by construction: Shapley 0, accuracy unchanged without audio, collapsed', () => {
  const d = diagnose('ignores_audio.onnx', ['--features', 'fused']);
  const e = expected.ignores_audio.accuracy;
  assert.equal(d.measures.all_present.accuracy, e.all_present);
  assert.equal(d.measures.without.audio.accuracy, e.without_audio);
  assert.equal(d.measures.without.image.accuracy, e.without_image);
  assert.equal(d.measures.without.audio.accuracy, d.measures.all_present.accuracy);
  assert.equal(d.measures.shapley.values.audio, 0);
  assert.equal(d.verdicts.audio.verdict, 'collapsed');
  assert.equal(d.verdicts.image.verdict, 'dominant');
  // No fused neuron responds to audio: none is shared across modalities.
  assert.equal(d.measures.fused!.polysemanticity.cross_modal_fraction, 0);
  assert.equal(d.absence.level, 'input');
});

test('--unimodal: the collapse gap against a model on audio alone', () => {
  const d = diagnose('ignores_audio.onnx', ['--unimodal', `audio=${join(FIX, 'audio_only.onnx')}`]);
  const u = d.unimodal.audio;
  assert.equal(u.accuracy, expected.audio_only.accuracy.all_present);
  assert.equal(u.fused_model_alone, expected.ignores_audio.accuracy.without_image);
  assert.equal(u.gap, u.accuracy - u.fused_model_alone);
  assert.ok(u.gap > 0.3, `gap ${u.gap}`); // audio alone classifies; the model that ignores it cannot
});

test('equal reliance: equal Shapley values, each modality alone as good as the other', () => {
  const d = diagnose('equal.onnx', ['--features', 'fused']);
  const e = expected.equal.accuracy;
  assert.equal(d.measures.all_present.accuracy, e.all_present);
  assert.equal(d.measures.shapley.values.image, d.measures.shapley.values.audio);
  assert.ok(d.measures.shapley.values.image > 0.2);
  assert.equal(d.measures.alone.image.accuracy, d.measures.alone.audio.accuracy);
  assert.deepEqual([d.verdicts.image.verdict, d.verdicts.audio.verdict], ['used', 'used']);
  // fused = [image[:3], audio[:3]]: the two halves are equal copies of one 3-d signal.
  assert.equal(d.measures.fused!.rank.numerical_rank, 3);
});

test('a conv-encoder model (NCHW input) fed from the dataset HWC rows: the accuracies PyTorch computes', () => {
  const d = diagnose('conv.onnx');
  const e = expected.conv.accuracy;
  assert.deepEqual([d.measures.all_present.accuracy, d.measures.without.image.accuracy, d.measures.without.audio.accuracy], [e.all_present, e.without_image, e.without_audio]);
  assert.equal(d.measures.fused, null);
});

test('--inputs renames, --out writes diagnosis.json, and mmc report renders the folder', () => {
  const out = mkdtempSync(join(tmpdir(), 'mmc-diag-'));
  const r = mmc(['diagnose', '--model', join(FIX, 'ignores_audio.onnx'), '--data', DATA, '--inputs', 'image=image,audio=audio', '--absence', 'mean', '--out', out, '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^audio: collapsed$/m);
  const saved = JSON.parse(readFileSync(join(out, 'diagnosis.json'), 'utf8')) as Diagnosis;
  assert.equal(saved.absence.protocol, 'mean');
  // The mean input of audio goes through zero weights too: audio still contributes nothing.
  assert.equal(saved.measures.shapley.values.audio, 0);
  const rep = mmc(['report', out, '--out', join(out, 'report')]);
  assert.equal(rep.code, 0, rep.stderr);
  const md = readFileSync(join(out, 'report', 'report.md'), 'utf8');
  assert.match(md, /audio/);
  assert.match(md, /collapsed/);
});

test('bad input: one line, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmc-diag-'));
  const base = (model: string) => ['diagnose', '--model', model, '--data', DATA];
  oneLine(base(join(DATA, 'manifest.yaml')), /^mmc: error: --model .*manifest\.yaml: not an ONNX model/);
  oneLine([...base(join(FIX, 'equal.onnx')), '--inputs', 'image=nope'], /^mmc: error: --inputs image=nope: the model has no input nope/);
  oneLine([...base(join(FIX, 'equal.onnx')), '--inputs', 'video=image'], /^mmc: error: --inputs video=image: the data have no modality video/);
  oneLine([...base(join(FIX, 'equal.onnx')), '--inputs', 'image=audio,audio=image'], /^mmc: error: model input image \[batch, 16\] does not fit modality audio of shape \[8\] \(8 values per sample\)\n$/);
  oneLine([...base(join(FIX, 'equal.onnx')), '--logits', 'scores'], /^mmc: error: --logits scores: the model has no output scores/);
  // A model whose input matches no modality, and one whose output is an integer (argmax).
  const graph = (input: string, out: { op: string; type?: typeof INT64 }) =>
    encodeModel(
      { name: 'g', nodes: [{ op: out.op, inputs: [input], outputs: ['logits'], ...(out.op === 'ArgMax' ? { attrs: [{ name: 'axis', i: 1 }] } : {}) }], initializers: [], inputs: [{ name: input, dims: ['batch', 8] }], outputs: [{ name: 'logits', dims: ['batch', out.op === 'ArgMax' ? 1 : 8], ...(out.type ? { type: out.type } : {}) }] },
      { producer: 'test', version: '0', opset: 13 },
    );
  writeFileSync(join(dir, 'video.onnx'), graph('video', { op: 'Identity' }));
  oneLine(base(join(dir, 'video.onnx')), /^mmc: error: model input video matches no modality of the data \(image, audio\)/);
  writeFileSync(join(dir, 'argmax.onnx'), graph('audio', { op: 'ArgMax', type: INT64 }));
  oneLine(base(join(dir, 'argmax.onnx')), /^mmc: error: --logits logits: the output is int64, not float32/);
});
