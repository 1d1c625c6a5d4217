// The headline table of mmc reproduce, from hand-written sweep results with hand-computed statistics.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { headlineMarkdown } from './reproduce.js';

function sweep(root: string, id: string, rows: { values: Record<string, string>; seed: number; metrics: Record<string, number> }[]): string {
  const dir = join(root, id);
  mkdirSync(dir);
  writeFileSync(join(dir, 'results.jsonl'), rows.map((r, i) => JSON.stringify({ job: `j${i}`, status: 'finished', run: null, ...r })).join('\n') + '\n');
  return dir;
}

test('headline: mean ± std per method, and the exact two-sided Wilcoxon p against vanilla over paired seeds', () => {
  const root = mkdtempSync(join(tmpdir(), 'mmc-headline-'));
  const acc = (test_acc: number, audio: number) => ({ test_acc, 'alone_acc.audio': audio });
  const vanilla = sweep(root, 'v', [
    { values: { 'train.modality_dropout': '0' }, seed: 0, metrics: acc(0.9, 0.2) },
    { values: { 'train.modality_dropout': '0' }, seed: 1, metrics: acc(0.92, 0.3) },
    { values: { 'train.modality_dropout': '0' }, seed: 2, metrics: acc(0.94, 0.1) },
    { values: { 'train.modality_dropout': '0.3' }, seed: 0, metrics: acc(0.9, 0.6) },
    { values: { 'train.modality_dropout': '0.3' }, seed: 1, metrics: acc(0.92, 0.5) },
    { values: { 'train.modality_dropout': '0.3' }, seed: 2, metrics: acc(0.94, 0.4) },
  ]);
  const md = headlineMarkdown({ mode: 'quick', sweeps: { 'synthetic-vanilla': vanilla }, seconds: {} }, 'quick');
  const row = (m: string) => md.split('\n').find((l) => l.startsWith(`| ${m} (n=3)`))!;
  // vanilla, all present: mean 92.0, sample std 2.0; image missing (audio alone): 20.0 ± 10.0
  assert.match(row('vanilla'), /^\| vanilla \(n=3\) \| 92\.0 ± 2\.0 \[[\d.]+, [\d.]+\] \| 20\.0 ± 10\.0 /);
  // dropout: all three differences in "image missing" positive → V = 6, two-sided exact p = 2/8 = 0.25;
  // all present: every difference zero → no non-zero differences, p = 1
  const d = row('dropout 0.3');
  assert.match(d, /\| 92\.0 ± 2\.0 \[[\d.]+, [\d.]+\] p=1\.0 \| 50\.0 ± 10\.0 \[[\d.]+, [\d.]+\] p=0\.25 \|/);
  assert.match(md, /## Synthetic collapse benchmark/);
  assert.doesNotMatch(md, /## avmnist-mini/); // no sweeps for it: no table
});

test('headline (full): a weak-only model shows in the strong-missing column only, tested against vanilla over paired seeds', () => {
  const root = mkdtempSync(join(tmpdir(), 'mmc-headline-'));
  const vanilla = sweep(root, 'v', [0.2, 0.3, 0.1].map((a, seed) => ({ values: { 'train.modality_dropout': '0' }, seed, metrics: { test_acc: 0.9, 'alone_acc.audio': a } })));
  const audioOnly = sweep(root, 'u', [0.7, 0.75, 0.8].map((test_acc, seed) => ({ values: { modalities: '[audio]' }, seed, metrics: { test_acc } })));
  const md = headlineMarkdown({ mode: 'full', sweeps: { 'synthetic-vanilla': vanilla, 'synthetic-unimodal': audioOnly }, seconds: {} }, 'full');
  const row = md.split('\n').find((l) => l.startsWith('| audio-only model (n=3)'))!;
  // all present: — (the model has no image); image missing: 75.0 ± 5.0, every paired difference positive → p = 0.25
  assert.match(row, /^\| audio-only model \(n=3\) \| — \| 75\.0 ± 5\.0 \[[\d.]+, [\d.]+\] p=0\.25 \| — \| — \| — \|$/);
  // quick mode has no such experiment: the row is not read even when a sweep is named
  assert.doesNotMatch(headlineMarkdown({ mode: 'quick', sweeps: { 'synthetic-vanilla': vanilla, 'synthetic-unimodal': audioOnly }, seconds: {} }, 'quick'), /audio-only/);
});
