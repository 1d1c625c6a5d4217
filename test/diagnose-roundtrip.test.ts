// The round trip: an mmc run exported as ONNX and measured by `mmc diagnose` equals `mmc analyze` on
// the run itself (accuracies exactly, Shapley values, ranks and polysemanticity within float
// tolerance), for MLP and conv encoders, concat/sum/late fusion and EBR's h⁻¹(h(f)) path.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MMC_BIN, QUICK_CONFIG, REPO_ROOT } from '../src/test-support.js';
import type { Analysis, Diagnosis } from '../src/run/records/index.js';

function mmc(args: string[]) {
  const r = spawnSync(process.execPath, [MMC_BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const ok = (r: ReturnType<typeof mmc>) => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
};
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

// The quick config with the image as a 4×4×1 picture, so one variant can use a conv encoder.
const CONV_CONFIG = readFileSync(QUICK_CONFIG, 'utf8').replace('      input_dim: 16\n    - name: audio', '      input_dim: 16\n      image_shape: [4, 4, 1]\n    - name: audio');

// A folder dataset (standardize: feature by default): diagnose --config standardises as the run did.
const FOLDER_CONFIG = `name: folder-rt
seed: 0
dataset:
  name: folder
  path: ${join(REPO_ROOT, 'test', 'fixtures', 'onnx', 'data')}
model:
  encoder: { hidden: [8], out_dim: 4 }
  fusion: { type: concat, hidden: [6] }
train: { epochs: 2, batch_size: 16, optimizer: { lr: 0.01 } }
`;

const variants: { name: string; verb: 'train' | 'reallocate'; config?: string; sets: string[] }[] = [
  { name: 'concat, MLP encoders', verb: 'train', sets: [] },
  { name: 'sum fusion, conv image encoder (two stages, 2×2 kernels)', verb: 'train', config: CONV_CONFIG, sets: ['model.fusion.type=sum', 'model.encoders.image.type=conv', 'model.encoders.image.channels=[3,2]', 'model.encoders.image.kernel_size=2'] }, // even k: tf's 'same' pads one more after
  { name: 'folder dataset, standardised per feature', verb: 'train', config: FOLDER_CONFIG, sets: [] },
  { name: 'late fusion, two head layers', verb: 'train', sets: ['model.fusion.type=late', 'model.fusion.hidden=[8,6]'] },
  { name: 'EBR (reallocate), h⁻¹ relu', verb: 'reallocate', sets: ['ebr.hinv_output=relu', 'ebr.alternate_k=1'] },
  { name: 'EBR (reallocate), h⁻¹ linear, late fusion', verb: 'reallocate', sets: ['ebr.hinv_output=linear', 'ebr.alternate_k=1', 'model.fusion.type=late'] },
];

for (const v of variants) {
  test(`round trip: export --format onnx, diagnose = analyze (${v.name})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmc-onnx-'));
    let config = QUICK_CONFIG;
    if (v.config) writeFileSync((config = join(dir, 'config.yaml')), v.config);
    const sets = ['train.epochs=2', ...v.sets].flatMap((s) => ['--set', s]);
    const run = ok(mmc([v.verb, '--config', config, ...sets, '--runs-dir', join(dir, 'runs'), '--json', '-q', '--no-progress'])).run as string;
    const exp = ok(mmc(['export', '--format', 'onnx', '--out', join(dir, 'onnx'), run, '--json']));
    const model = exp.models[0].file as string;
    const a: Analysis = ok(mmc(['analyze', '--run', run, '--json', '-q']));
    const d: Diagnosis = ok(mmc(['diagnose', '--model', model, '--config', join(run, 'config.yaml'), '--split', a.split, '--absence', 'mask:present', '--features', 'fused', '--json', '-q']));
    assert.deepEqual(d.modalities, a.modalities);
    assert.equal(d.absence.level, 'fusion');
    assert.equal(d.standardize, v.config === FOLDER_CONFIG ? 'feature' : 'none');
    const m = d.measures;
    assert.equal(m.all_present.accuracy, a.all_present.accuracy);
    close(m.all_present.cross_entropy, a.all_present.cross_entropy, 1e-4, 'cross-entropy');
    assert.equal(m.shapley.none_present, a.contribution.shapley.none_present);
    for (const x of a.modalities) {
      assert.equal(m.ablation[x].accuracy_drop, a.contribution.zero[x].accuracy_drop, `${x} accuracy drop`);
      assert.equal(m.alone[x].accuracy, a.semantic_loss[x].alone_accuracy, `${x} alone`);
      close(m.shapley.values[x], a.contribution.shapley.values[x], 1e-12, `${x} Shapley`);
      assert.deepEqual(m.missing[x].y, a.robustness.missing[x].y, `${x} missing-rate curve`);
    }
    const r = m.fused!.rank;
    close(r.effective_rank, a.rank.fused.effective_rank, 1e-3, 'effective rank');
    assert.equal(r.numerical_rank, a.rank.fused.numerical_rank);
    r.singular_values.forEach((s, i) => close(s, a.rank.fused.singular_values[i], 1e-3 * (1 + s), `σ${i}`));
    close(m.fused!.polysemanticity.cross_modal_fraction, a.polysemanticity.cross_modal_fraction, 0.05, 'cross-modal fraction');
  });
}

test('export --format onnx refuses attention fusion with one line, exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmc-onnx-'));
  const run = ok(mmc(['train', '--config', QUICK_CONFIG, '--set', 'train.epochs=1', '--set', 'model.fusion.type=attention', '--runs-dir', join(dir, 'runs'), '--json', '-q', '--no-progress'])).run as string;
  const r = mmc(['export', '--format', 'onnx', '--out', join(dir, 'onnx'), run]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'mmc: error: attention fusion is not exported to ONNX (concat, sum and late fusion are)\n');
});
