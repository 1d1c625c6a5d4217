import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { csvCell, flatten, metricsToCsv, writeMetricsCsv } from './metrics-csv.js';

test('metricsToCsv: epoch first, keys in first-seen order, missing values empty', () => {
  const csv = metricsToCsv([
    { step: 8, epoch: 1, train_loss: 2.5 },
    { epoch: 2, step: 16, train_loss: 1.25, val_acc: 0.5 },
  ]);
  assert.equal(csv, 'epoch,step,train_loss,val_acc\n1,8,2.5,\n2,16,1.25,0.5\n');
});

test('metricsToCsv: numbers in full precision, nested objects flattened with dots', () => {
  const csv = metricsToCsv([{ epoch: 1, val_loss: 1.1563193774766902, tiny: 1e-21, big: 123456789012, neg: -0.1, val_alone_ce: { image: 0.1 + 0.2, audio: 1 / 3 }, deep: { a: { b: 7 } } }]);
  assert.equal(csv, 'epoch,val_loss,tiny,big,neg,val_alone_ce.image,val_alone_ce.audio,deep.a.b\n1,1.1563193774766902,1e-21,123456789012,-0.1,0.30000000000000004,0.3333333333333333,7\n');
});

test('metricsToCsv: quoting of commas, quotes and newlines; null empty; arrays as JSON', () => {
  const csv = metricsToCsv([{ epoch: 1, note: 'a,b', quote: 'say "hi"', multi: 'x\ny', plain: 'ok', none: null, list: [1, 2], flag: true }]);
  assert.equal(csv, 'epoch,note,quote,multi,plain,none,list,flag\n1,"a,b","say ""hi""","x\ny",ok,,"[1,2]",true\n');
});

test('metricsToCsv: no epoch column keeps the first-seen order; no records gives an empty file', () => {
  assert.equal(metricsToCsv([{ b: 1, a: 2 }, { c: 3 }]), 'b,a,c\n1,2,\n,,3\n');
  assert.equal(metricsToCsv([]), '');
});

test('csvCell and flatten', () => {
  assert.equal(csvCell(undefined), '');
  assert.equal(csvCell('a"b'), '"a""b"');
  assert.equal(csvCell('r\rn'), '"r\rn"');
  assert.equal(csvCell(NaN), 'NaN');
  assert.deepEqual(flatten({ a: { b: { c: 1 } }, d: [1], e: undefined, f: {} }), { 'a.b.c': 1, d: [1] });
});

test('writeMetricsCsv mirrors the JSONL, dropping a torn last line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmc-csv-'));
  writeFileSync(join(dir, 'metrics.jsonl'), '{"epoch":1,"loss":0.5}\n{"epoch":2,"loss":0.25}\n{"epoch":3,"lo');
  writeMetricsCsv(join(dir, 'metrics.jsonl'), join(dir, 'metrics.csv'));
  assert.equal(readFileSync(join(dir, 'metrics.csv'), 'utf8'), 'epoch,loss\n1,0.5\n2,0.25\n');
});
