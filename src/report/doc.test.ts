import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inlineSvg, toHtml, toMarkdown, type ReportDoc } from './doc.js';
import { categoricalKeys, metricLabel, numericAxes } from './sweep-report.js';
import { shellJoin } from './source.js';
import type { SweepSpec } from '../run/records/index.js';

const prov = { source: 'run r1', command: 'mmc train --config a.yaml', configHash: 'abc123def456', backend: 'wasm' };
const svg = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><rect width="5" height="5"/></svg>';
const doc: ReportDoc = {
  title: 'T <1>',
  generated: '2026-01-01T00:00:00Z',
  blocks: [
    { kind: 'heading', level: 1, text: 'Run r1' },
    { kind: 'paragraph', text: 'p-values are **not adjusted**; see `x|y`' },
    { kind: 'table', table: { caption: 'acc', head: ['a|b', 'n'], numeric: [false, true], rows: [['x', '2']], provenance: prov } },
    { kind: 'figure', figure: { caption: 'fig [1]', file: 'r1-a.svg', svg, provenance: prov } },
  ],
};

test('Markdown: tables with escaped pipes, figures linked under figures/, provenance under each', () => {
  const md = toMarkdown(doc);
  assert.match(md, /^# T <1>/);
  assert.match(md, /\| a\\\|b \| n \|\n\|---\|---:\|\n\| x \| 2 \|/);
  assert.match(md, /!\[fig 1\]\(figures\/r1-a\.svg\)/);
  assert.equal(md.match(/command `mmc train --config a\.yaml` · config hash abc123def456 · backend wasm/g)?.length, 2);
});

test('HTML: self-contained, figures inlined without namespace URLs, text escaped', () => {
  const html = toHtml(doc);
  assert.doesNotMatch(html, /https?:\/\//);
  assert.match(html, /<figure class="mmc-figure" data-file="figures\/r1-a\.svg"><svg width="10" height="10"><rect/);
  assert.match(html, /<title>T &lt;1&gt;<\/title>/);
  assert.match(html, /<strong>not adjusted<\/strong>; see <code>x\|y<\/code>/);
  assert.match(html, /<style>/);
  assert.match(html, /data-figure-area/);
  assert.equal(inlineSvg('<?xml version="1.0"?>\n' + svg).startsWith('<svg width'), true);
});

test('grid keys: numbers and lists of distinct lengths are axes; non-numbers are categorical', () => {
  const spec = { grid: [{ key: 'lr', values: ['0.01', '0.1'] }, { key: 'h', values: ['[4]', '[8,4]'] }, { key: 'f', values: ['concat', 'sum'] }, { key: 'one', values: ['1'] }] } as unknown as SweepSpec;
  const axes = numericAxes(spec);
  assert.deepEqual(axes.map((a) => a.key), ['lr', 'h']);
  assert.equal(axes[1].x('[8,4]'), 2);
  assert.deepEqual(categoricalKeys(spec), ['h', 'f']);
  assert.equal(metricLabel('missing_zero.audio@1'), 'test accuracy, audio missing (zero protocol)');
  assert.equal(metricLabel('shapley.image'), 'Shapley value (accuracy): image');
  assert.equal(shellJoin(['sweep', '--grid', 'h=[4],[8,4]', '--title', "it's x"]), `sweep --grid h=[4],[8,4] --title 'it'\\''s x'`);
});
