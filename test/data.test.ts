// End-to-end: mmc data, training on avmnist-mini and on a dataset folder with natural missingness.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Rng } from '../src/core/rng.js';
import { writeNpy } from '../src/data/npy.js';
import { MMC_BIN, REPO_ROOT } from '../src/test-support.js';

function mmc(args: string[]) {
  const r = spawnSync(process.execPath, [MMC_BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const tmp = () => mkdtempSync(join(tmpdir(), 'mmc-data-'));

test('mmc data list, verify, info; a corrupted copy of the embedded data is refused with exit 2', () => {
  const list = mmc(['data', 'list', '--json']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout).map((d: { name: string }) => d.name), ['synthetic', 'avmnist-mini', 'avmnist', 'folder']);
  const v = mmc(['data', 'verify']);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /avmnist-mini: 13 files verified, and the dataset loads/);
  const info = mmc(['data', 'info', 'avmnist-mini', '--json']);
  assert.equal(info.code, 0, info.stderr);
  const i = JSON.parse(info.stdout);
  assert.deepEqual([i.splits.train.n, i.splits.val.n, i.splits.test.n], [6000, 1000, 3000]);
  assert.equal(i.splits.train.class_counts.reduce((a: number, b: number) => a + b, 0), 6000);
  // flip one byte of a copy of the audio features: the loader names the file and stops
  const copy = tmp();
  cpSync(join(REPO_ROOT, 'datasets', 'avmnist-mini'), copy, { recursive: true });
  const bytes = readFileSync(join(copy, 'audio.u8'));
  bytes[1000] ^= 0xff;
  writeFileSync(join(copy, 'audio.u8'), bytes);
  const cfg = join(copy, 'c.yaml');
  writeFileSync(cfg, `dataset:\n  name: avmnist-mini\n  dir: ${copy}\n`);
  const bad = mmc(['data', 'info', '--config', cfg]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /audio\.u8.*sha256/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /); // no stack trace
});

test('mmc train trains a conv model on avmnist-mini (tiny sizes)', () => {
  const runs = tmp();
  const t = mmc(['train', '--config', 'configs/avmnist-mini/vanilla.yaml', '--set', 'dataset.train_size=256', '--set', 'dataset.val_size=64', '--set', 'dataset.test_size=64', '--set', 'train.epochs=1', '--runs-dir', runs, '--json', '-q', '--no-progress']);
  assert.equal(t.code, 0, t.stderr);
  const out = JSON.parse(t.stdout);
  assert.equal(out.status, 'finished');
  const env = JSON.parse(readFileSync(join(out.run, 'env.json'), 'utf8'));
  assert.equal(env.dataset_info.voices.test, 21);
  const model = JSON.parse(readFileSync(join(out.run, 'checkpoints', 'best', 'model.json'), 'utf8'));
  assert.match(JSON.stringify(model), /conv/);
});

/**
 * A binary dataset whose "notes" modality is absent for a third of the patients. `junk` fills the
 * absent rows: training must not depend on it, since absent rows are never read as data.
 */
function clinicFolder(junk: number): string {
  const dir = tmp();
  const r = new Rng(11);
  const split = (name: string, n: number) => {
    const y = new Int32Array(n);
    const vit = new Float32Array(n * 4);
    const notes = new Float32Array(n * 6);
    const present = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = r.int(2);
      present[i] = r.uniform() < 0.67 ? 1 : 0;
      for (let j = 0; j < 4; j++) vit[i * 4 + j] = (y[i] ? 0.5 : -0.5) * (j === 0 ? 1 : 0) + r.normal();
      for (let j = 0; j < 6; j++) notes[i * 6 + j] = present[i] ? (y[i] ? 1 : -1) + r.normal() : junk;
    }
    writeNpy(join(dir, `${name}_y.npy`), { dtype: 'i4', shape: [n], data: y });
    writeNpy(join(dir, `${name}_vitals.npy`), { dtype: 'f4', shape: [n, 4], data: vit });
    writeNpy(join(dir, `${name}_notes.npy`), { dtype: 'f4', shape: [n, 6], data: notes });
    writeNpy(join(dir, `${name}_notes_present.npy`), { dtype: 'u1', shape: [n], data: present });
    return `  ${name}: { labels: ${name}_y.npy, x: { vitals: ${name}_vitals.npy, notes: ${name}_notes.npy }, present: { notes: ${name}_notes_present.npy } }\n`;
  };
  const splits = split('train', 400) + split('val', 100) + split('test', 200);
  writeFileSync(join(dir, 'manifest.yaml'), `name: clinic\ntask: binary\nmodalities:\n  - name: vitals\n    shape: [4]\n  - name: notes\n    shape: [6]\nsplits:\n${splits}`);
  return dir;
}

test('a folder dataset with natural missingness trains (binary: ROC-AUC, PR-AUC); absent rows are never read', () => {
  const runs = tmp();
  const cfgFor = (dir: string) => {
    const f = join(dir, 'exp.yaml');
    writeFileSync(f, `name: clinic\ndataset:\n  name: folder\n  path: ${dir}\nmodel:\n  encoder: { hidden: [16], out_dim: 8 }\n  fusion: { hidden: [8] }\ntrain:\n  epochs: 10\n  batch_size: 32\n`);
    return f;
  };
  const a = mmc(['train', '--config', cfgFor(clinicFolder(0)), '--runs-dir', runs, '--json', '-q', '--no-progress']);
  assert.equal(a.code, 0, a.stderr);
  const b = mmc(['train', '--config', cfgFor(clinicFolder(123.5)), '--runs-dir', runs, '--json', '-q', '--no-progress']);
  assert.equal(b.code, 0, b.stderr);
  const ra = JSON.parse(a.stdout).run;
  const rb = JSON.parse(b.stdout).run;
  assert.ok(readFileSync(join(ra, 'checkpoints', 'last', 'weights.bin')).equals(readFileSync(join(rb, 'checkpoints', 'last', 'weights.bin'))), 'junk in absent rows changed training');
  const summary = JSON.parse(readFileSync(join(ra, 'summary.json'), 'utf8'));
  assert.equal(typeof summary.test.roc_auc, 'number');
  assert.equal(typeof summary.test.pr_auc, 'number');
  assert.ok(summary.test.roc_auc > 0.6, `ROC-AUC ${summary.test.roc_auc}`);
  // mean protocol: the fill row is the mean over present samples only
  const e = mmc(['eval', '--run', ra, '--missing-modality', 'notes', '--protocol', 'mean', '--json']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal(typeof JSON.parse(e.stdout).metrics.roc_auc, 'number');
  // a config naming a modality the manifest lacks is refused when the data load
  const bad = mmc(['train', '--config', cfgFor(clinicFolder(0)), '--set', 'modalities=[vitals, labs]', '--runs-dir', runs]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /modalities\.1: "labs" is not a modality of the dataset \(it has vitals, notes\)/);
});
