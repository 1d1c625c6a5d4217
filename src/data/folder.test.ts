import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { datasetSchema, type FolderDatasetConfig } from '../config/schema.js';
import { loadFolder } from './folder.js';
import { writeNpy } from './npy.js';
import { UsageError } from '../errors.js';

const f32 = (shape: number[], data: number[]) => ({ dtype: 'f4' as const, shape, data: Float32Array.from(data) });
const i64 = (data: number[]) => ({ dtype: 'i8' as const, shape: [data.length], data: BigInt64Array.from(data.map(BigInt)) });
const u1 = (data: number[]) => ({ dtype: 'u1' as const, shape: [data.length], data: Uint8Array.from(data) });

const MANIFEST = `name: toy-clinic
task: binary
modalities:
  - name: vitals
    shape: [2]
  - name: notes
    shape: [3]
splits:
  train: { labels: train_y.npy, x: { vitals: train_vitals.npy, notes: train_notes.npy }, present: { notes: train_notes_present.npy } }
  val: { labels: val_y.npy, x: { vitals: val_vitals.npy, notes: val_notes.npy } }
  test: { labels: test_y.npy, x: { vitals: test_vitals.npy, notes: test_notes.npy }, present: { notes: test_notes_present.npy } }
`;

/** A 4/2/2-sample binary dataset; the second training sample has no notes (stored as NaN). */
function makeFolder(edit: (dir: string) => void = () => {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'mmc-folder-'));
  writeFileSync(join(dir, 'manifest.yaml'), MANIFEST);
  writeNpy(join(dir, 'train_y.npy'), i64([0, 1, 1, 0]));
  writeNpy(join(dir, 'train_vitals.npy'), f32([4, 2], [1, 10, 3, 10, 5, 20, 7, 20]));
  writeNpy(join(dir, 'train_notes.npy'), f32([4, 3], [1, 1, 1, NaN, NaN, NaN, 3, 3, 3, 5, 5, 5]));
  writeNpy(join(dir, 'train_notes_present.npy'), u1([1, 0, 1, 1]));
  writeNpy(join(dir, 'val_y.npy'), i64([0, 1]));
  writeNpy(join(dir, 'val_vitals.npy'), f32([2, 2], [4, 15, 4, 15]));
  writeNpy(join(dir, 'val_notes.npy'), f32([2, 3], [3, 3, 3, 3, 3, 3]));
  writeNpy(join(dir, 'test_y.npy'), i64([1, 0]));
  writeNpy(join(dir, 'test_vitals.npy'), f32([2, 2], [1, 10, 7, 20]));
  writeNpy(join(dir, 'test_notes.npy'), f32([2, 3], [Infinity, 0, 0, 1, 1, 1]));
  writeNpy(join(dir, 'test_notes_present.npy'), u1([0, 1]));
  edit(dir);
  return dir;
}

const cfg = (path: string, standardize = 'feature') => datasetSchema.parse({ name: 'folder', path, standardize }) as FolderDatasetConfig;

test('a folder dataset loads with its presence masks; absent samples are zeroed, never read', () => {
  const d = loadFolder(cfg(makeFolder()));
  assert.equal(d.task, 'binary');
  assert.equal(d.numClasses, 2);
  assert.deepEqual(d.modalities.map((m) => [m.name, m.dim]), [['vitals', 2], ['notes', 3]]);
  assert.deepEqual(Array.from(d.splits.train.y), [0, 1, 1, 0]);
  assert.deepEqual(Array.from(d.splits.train.present!.notes), [1, 0, 1, 1]);
  assert.equal(d.splits.val.present, undefined);
  // vitals, per feature over train: means (4, 15), population sd (√5, 5)
  const v = d.splits.train.x.vitals;
  const s5 = Math.sqrt(5);
  [(1 - 4) / s5, -1, (3 - 4) / s5, -1, (5 - 4) / s5, 1, (7 - 4) / s5, 1].forEach((want, i) => assert.ok(Math.abs(v[i] - want) < 1e-6, `vitals[${i}] ${v[i]} vs ${want}`));
  // notes: statistics from the three present rows (1, 3, 5): mean 3, sd √(8/3); the absent row stays 0
  const n = d.splits.train.x.notes;
  const sd = Math.sqrt(8 / 3);
  assert.ok(Math.abs(n[0] - -2 / sd) < 1e-6);
  assert.deepEqual(Array.from(n.subarray(3, 6)), [0, 0, 0]);
  // the Inf in an absent test sample is gone
  assert.deepEqual(Array.from(d.splits.test.x.notes.subarray(0, 3)), [0, 0, 0]);
  assert.deepEqual(d.info?.missing_share, { train: { vitals: 0, notes: 0.25 }, val: { vitals: 0, notes: 0 }, test: { vitals: 0, notes: 0.5 } });
  assert.equal(loadFolder(cfg(makeFolder(), 'none')).splits.train.x.vitals[0], 1);
});

const errorOf = (dir: string) => {
  try {
    loadFolder(cfg(dir));
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    return (e as Error).message;
  }
  throw new Error('expected an error');
};

test('bad folders are refused with the file and the problem', () => {
  assert.match(errorOf(makeFolder((d) => writeNpy(join(d, 'train_notes_present.npy'), u1([1, 1, 1, 1])))), /train_notes\.npy \(splits\.train\.x\.notes\): row 1, value 0 is NaN in a sample marked present/);
  assert.match(errorOf(makeFolder((d) => writeNpy(join(d, 'val_y.npy'), i64([0, 2])))), /val_y\.npy \(splits\.val\.labels\): row 1: label 2 is not a class index in 0…1/);
  assert.match(errorOf(makeFolder((d) => writeNpy(join(d, 'val_vitals.npy'), f32([2, 3], [1, 2, 3, 4, 5, 6])))), /val_vitals\.npy \(splits\.val\.x\.vitals\): expected shape \[2, 2\], found \[2, 3\]/);
  assert.match(errorOf(makeFolder((d) => writeNpy(join(d, 'val_vitals.npy'), f32([3, 2], [1, 2, 3, 4, 5, 6])))), /expected shape \[2, 2\], found \[3, 2\]/);
  assert.match(errorOf(makeFolder((d) => writeNpy(join(d, 'test_notes_present.npy'), u1([0, 2])))), /test_notes_present\.npy \(splits\.test\.present\.notes\): row 1: presence must be 0 or 1, found 2/);
  assert.match(errorOf(makeFolder((d) => writeFileSync(join(d, 'manifest.yaml'), MANIFEST.replace('val_vitals.npy', 'gone.npy')))), /manifest\.yaml: splits\.val\.x\.vitals: file not found: .*gone\.npy/);
  assert.match(errorOf(makeFolder((d) => writeFileSync(join(d, 'manifest.yaml'), MANIFEST.replace('task: binary', 'task: binary\nnum_clases: 2')))), /manifest\.yaml:3:1: num_clases: unknown key \(did you mean "num_classes"\?\)/);
  assert.match(errorOf(makeFolder((d) => writeFileSync(join(d, 'manifest.yaml'), MANIFEST.replace('{ vitals: val_vitals.npy, notes: val_notes.npy }', '{ vitals: val_vitals.npy }')))), /manifest\.yaml:\d+:\d+: splits\.val\.x: no array for modality "notes"/);
  assert.match(errorOf(makeFolder((d) => writeFileSync(join(d, 'train_vitals.npy'), readFileSync(join(d, 'train_vitals.npy')).subarray(0, 100)))), /train_vitals\.npy/);
  assert.match(errorOf(mkdtempSync(join(tmpdir(), 'mmc-empty-'))), /manifest\.yaml: cannot read the dataset manifest \(no such file\)/);
});
