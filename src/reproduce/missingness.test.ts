// The missing-modality protocol's tables, from hand-written sweep results with hand-computed values.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { aucOverRates, missingnessMarkdown } from './missingness.js';

test('aucOverRates: the trapezoid mean over the rates; one rate is its value; a missing rate gives null', () => {
  // rates 0, 0.1, 0.3: ((0.9+0.8)/2·0.1 + (0.8+0.6)/2·0.2) / 0.3 = (0.085 + 0.14) / 0.3 = 0.75
  assert.ok(Math.abs(aucOverRates([0, 0.1, 0.3], (r) => ({ 0: 0.9, 0.1: 0.8, 0.3: 0.6 })[r])! - 0.75) < 1e-12);
  assert.equal(aucOverRates([0.5], () => 0.7), 0.7);
  assert.equal(aucOverRates([0, 0.5], (r) => (r === 0 ? 0.9 : undefined)), null);
});

test('missingnessMarkdown: per method and training rate r, accuracy at test rate r; Δ, p and Holm against vanilla at the same r; AUC over r', () => {
  // One sweep per method (each tuned on its own), as the registry runs them.
  const root = mkdtempSync(join(tmpdir(), 'mmc-missing-'));
  const dirs: Record<string, string> = { '0': join(root, 'vanilla'), '0.3': join(root, 'dropout') };
  const lines: Record<string, string[]> = { '0': [], '0.3': [] };
  // vanilla: 0.90 at r = 0 and 0.50 at r = 0.5 (all seeds); dropout: 0.90 and 0.60, 0.70, 0.80 at r = 0.5.
  const acc: Record<string, number[]> = { '0|0': [0.9, 0.9, 0.9], '0|0.5': [0.5, 0.5, 0.5], '0.3|0': [0.9, 0.9, 0.9], '0.3|0.5': [0.6, 0.7, 0.8] };
  for (const [key, vs] of Object.entries(acc)) {
    const [drop, rate] = key.split('|');
    vs.forEach((a, seed) => lines[drop].push(JSON.stringify({ job: `j${lines[drop].length}`, status: 'finished', seed, run: null, values: { 'train.missing_rate.image': rate }, metrics: { [`missing_zero.image@${rate}`]: a, [`missing_mean.image@${rate}`]: a - 0.1, fused_effective_rank: (drop === '0' ? 5 : 6) + Number(rate) } })));
  }
  for (const [drop, dir] of Object.entries(dirs)) {
    mkdirSync(dir);
    writeFileSync(join(dir, 'results.jsonl'), lines[drop].join('\n') + '\n');
  }
  const md = missingnessMarkdown({ mode: 'quick', sweeps: { 'missing-synthetic-vanilla': dirs['0'], 'missing-synthetic-dropout': dirs['0.3'] }, seconds: {} }, 'quick');
  const zero = md.slice(md.indexOf('### Zero-filled'), md.indexOf('### Mean-filled'));
  assert.match(zero, /\| method \| r = 0 \| r = 0\.5 \| AUC over r \|/);
  assert.match(zero, /^\| vanilla \(n=3\) \| 90\.0 ± 0\.0 \[90\.0, 90\.0\] \| 50\.0 ± 0\.0 \[50\.0, 50\.0\] \| 0\.700 ± 0\.000 \[0\.700, 0\.700\] \|$/m);
  // dropout at r = 0.5: differences +10, +20, +30 (mean +20, all positive: exact p = 2/8 = 0.25);
  // AUC per seed (0.9 + x)/2: 0.75, 0.80, 0.85 against 0.70 (p = 0.25); r = 0: all ties, p = 1.
  // Holm over those three: 0.25·3 = 0.75, then max(0.75, 0.25·2) = 0.75, then max(0.75, 1·1) = 1.
  const d = zero.split('\n').find((l) => l.startsWith('| dropout (n=3)'))!;
  assert.match(d, /\| 90\.0 ± 0\.0 \[90\.0, 90\.0\]; Δ \+0\.0 \[\+0\.0, \+0\.0\], p=1\.0, Holm 1\.0 \| 70\.0 ± 10\.0 \[[\d.]+, [\d.]+\]; Δ \+20\.0 \[\+10\.0, \+30\.0\], p=0\.25, Holm 0\.75 \| 0\.800 ± 0\.050 \[[\d.]+, [\d.]+\]; Δ \+0\.100 \[\+0\.050, \+0\.150\], p=0\.25, Holm 0\.75 \|$/);
  assert.match(zero, /Holm: m = 3 comparisons with vanilla in this table\./);
  // The mean protocol reads its own columns (0.1 lower here).
  assert.match(md.slice(md.indexOf('### Mean-filled')), /^\| vanilla \(n=3\) \| 80\.0 ± 0\.0 \[80\.0, 80\.0\] \| 40\.0 ± 0\.0/m);
  // Table 9's measures at the middle rate (r = 0 of 0, 0.5); measures a run lacks show as —.
  const t9 = md.slice(md.indexOf('### Table 9 measures of the models trained at r = 0 '));
  assert.match(t9, /^\| vanilla \(n=3\) \| 5\.00 ± 0\.00 \[5\.00, 5\.00\] \| — \| — \|$/m);
  assert.match(t9, /^\| dropout \(n=3\) \| 6\.00 ± 0\.00 \[6\.00, 6\.00\]; Δ \+1\.00 \[\+1\.00, \+1\.00\], p=0\.25, Holm 0\.25 \| — \| — \|$/m);
  assert.match(t9, /Holm: m = 1 comparisons with vanilla in this table\./);
  assert.equal(missingnessMarkdown({ mode: 'quick', sweeps: {}, seconds: {} }, 'quick'), '');
});

test('missingnessMarkdown: EBR substituted at test at r = 0 (nothing missing) is the same comparison as EBR zero-filled: Holm counts it once', () => {
  const root = mkdtempSync(join(tmpdir(), 'mmc-missing-ebr-'));
  const sweeps: Record<string, string> = {};
  // vanilla 0.9 / 0.5 at r = 0 / 0.5; EBR 0.8, 0.85, 0.9 at r = 0 (zero = substituted: nothing to substitute) and 0.6 zero-filled, 0.7 substituted at r = 0.5.
  const rows = (id: string, value: (rate: string, seed: number, protocol: string) => number) => {
    const dir = join(root, id);
    mkdirSync(dir);
    const out: string[] = [];
    for (const rate of ['0', '0.5']) for (let seed = 0; seed < 3; seed++) out.push(JSON.stringify({ job: `j${out.length}`, status: 'finished', seed, run: null, values: { 'train.missing_rate.image': rate }, metrics: Object.fromEntries(['zero', 'mean', 'substitute'].map((p) => [`missing_${p}.image@${rate}`, value(rate, seed, p)])) }));
    writeFileSync(join(dir, 'results.jsonl'), out.join('\n') + '\n');
    sweeps[`missing-synthetic-${id}`] = dir;
  };
  rows('vanilla', (rate) => (rate === '0' ? 0.9 : 0.5));
  rows('ebr-missing', (rate, seed, p) => (rate === '0' ? 0.8 + 0.05 * seed : p === 'substitute' ? 0.7 : 0.6));
  rows('attention-ebr-missing', (rate, seed, p) => (rate === '0' ? 0.7 + 0.05 * seed : p === 'substitute' ? 0.65 : 0.55));
  const md = missingnessMarkdown({ mode: 'full', sweeps, seconds: {} }, 'full');
  const zero = md.slice(md.indexOf('### Zero-filled'), md.indexOf('### Mean-filled'));
  const ebr = zero.split('\n').find((l) => l.startsWith('| EBR (substitution where missing) (n=3)'))!;
  const sub = zero.split('\n').find((l) => l.startsWith('| EBR (substitution where missing), substituted at test (n=3)'))!;
  // r = 0: the same cell, the same p and Holm p in both rows; m = 2 × (6 − 1) (r = 0.5 and AUC differ).
  assert.equal(ebr.split(' | ')[1], sub.split(' | ')[1]);
  // EBR under attention fusion is scored substituted at test too.
  assert.ok(zero.includes('| attention: EBR (substitution where missing), substituted at test (n=3)'));
  assert.match(zero, /Holm: m = 10 comparisons with vanilla in this table\./);
});
