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
  // Holm over this table's two comparisons (p 1 and 0.25): 0.25·2 = 0.5, then max(0.5, 1·1) = 1.
  // Δ: paired differences 0, 0, 0 (all present) and +40, +20, +30 (image missing): means 0 and +30;
  // a resample of three all-20 (or all-40) pairs has probability 1/27 > 2.5 %, so the CI is [+20, +40].
  const d = row('dropout 0.3');
  assert.match(d, /\| 92\.0 ± 2\.0 \[[\d.]+, [\d.]+\]; Δ \+0\.0 \[\+0\.0, \+0\.0\], p=1\.0, Holm 1\.0 \| 50\.0 ± 10\.0 \[[\d.]+, [\d.]+\]; Δ \+30\.0 \[\+20\.0, \+40\.0\], p=0\.25, Holm 0\.50 \|/);
  assert.match(md, /Holm: m = 2 comparisons with vanilla in this table\./);
  assert.match(md, /## Synthetic collapse benchmark/);
  assert.match(md, /\| polysemantic fraction \| fused effective rank \| collision fraction \|\n/); // Table 9's measures for every method
  assert.doesNotMatch(md, /## avmnist-mini/); // no sweeps for it: no table
});

test('headline (full): a weak-only model shows in the strong-missing column only, tested against vanilla over paired seeds', () => {
  const root = mkdtempSync(join(tmpdir(), 'mmc-headline-'));
  const vanilla = sweep(root, 'v', [0.2, 0.3, 0.1].map((a, seed) => ({ values: { 'train.modality_dropout': '0' }, seed, metrics: { test_acc: 0.9, 'alone_acc.audio': a } })));
  const audioOnly = sweep(root, 'u', [0.7, 0.75, 0.8].map((test_acc, seed) => ({ values: { modalities: '[audio]' }, seed, metrics: { test_acc } })));
  const md = headlineMarkdown({ mode: 'full', sweeps: { 'synthetic-vanilla': vanilla, 'synthetic-unimodal': audioOnly }, seconds: {} }, 'full');
  const row = md.split('\n').find((l) => l.startsWith('| audio-only model (n=3)'))!;
  // all present: — (the model has no image); image missing: 75.0 ± 5.0, every paired difference positive → p = 0.25
  // Δ: +50, +45, +70 → +55.0; the only comparison of its table besides vanilla's own (m = 1): Holm = p.
  assert.match(row, /^\| audio-only model \(n=3\) \| — \| 75\.0 ± 5\.0 \[[\d.]+, [\d.]+\]; Δ \+55\.0 \[\+4\d\.\d, \+\d\d\.\d\], p=0\.25, Holm 0\.25 \| — \| — \| — \| — \| — \|$/);
  // quick mode has no such experiment: the row is not read even when a sweep is named
  assert.doesNotMatch(headlineMarkdown({ mode: 'quick', sweeps: { 'synthetic-vanilla': vanilla, 'synthetic-unimodal': audioOnly }, seconds: {} }, 'quick'), /audio-only/);
});
