// mmc report end to end: a 2-value × 2-seed sweep (no analysis) and one analysed run with an eval,
// the tables checked against statistics computed here from results.jsonl, the files against the
// links, and the HTML rendered by headless Chromium when it is installed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findChromium, renderCheck } from '../src/report/render.js';
import { autoBackend, MMC_BIN, QUICK_CONFIG, REPO_ROOT } from '../src/test-support.js';

function mmc(args: string[]) {
  const r = spawnSync(process.execPath, [MMC_BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// ---- fixtures, built once: sweep (4 jobs) + one analysed run + the report.
const runs = mkdtempSync(join(tmpdir(), 'mmc-report-'));
const cfg = join(runs, 'tiny.yaml');
writeFileSync(cfg, readFileSync(QUICK_CONFIG, 'utf8').replace('epochs: 3', 'epochs: 1'));
const sw = mmc(['sweep', '--config', cfg, '--grid', 'model.fusion.hidden=[4],[8,4]', '--seeds', '2', '--workers', '2', '--runs-dir', runs, '--json', '-q', '--no-analyze']);
const sweepDir: string = sw.code === 0 ? JSON.parse(sw.stdout).sweep : '';
const tr = mmc(['train', '--config', cfg, '--runs-dir', runs, '--json', '-q', '--no-progress']);
const runDir: string = tr.code === 0 ? JSON.parse(tr.stdout).run : '';
const an = runDir ? mmc(['analyze', '--run', runDir, '--json']) : null;
const ev = runDir ? mmc(['eval', '--run', runDir, '--missing-modality', 'image', '--json']) : null;
const out = join(runs, 'report');
const rep = sweepDir && runDir ? mmc(['report', sweepDir, runDir, '--out', out, '--title', 'Report test', '--json']) : null;
const md = () => readFileSync(join(out, 'report.md'), 'utf8');
const html = () => readFileSync(join(out, 'report.html'), 'utf8');

/** The Markdown table under the bold caption that contains `name`: header and rows as cells. */
function mdTable(text: string, caption: string): string[][] {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith('**') && l.includes(caption));
  assert.ok(i >= 0, `no table "${caption}"`);
  const rows: string[][] = [];
  for (let j = i + 2; j < lines.length && lines[j].startsWith('|'); j++) {
    if (/^\|[-:|]+\|$/.test(lines[j])) continue;
    rows.push(lines[j].slice(2, -2).split(' | '));
  }
  return rows;
}

interface Row { job: string; status: string; seed: number; values: Record<string, string>; metrics: Record<string, number | null> }
const sweepRows = (): Row[] => {
  const latest = new Map<string, Row>();
  for (const l of readFileSync(join(sweepDir, 'results.jsonl'), 'utf8').trim().split('\n')) {
    const r = JSON.parse(l) as Row;
    latest.set(r.job, r);
  }
  return [...latest.values()].filter((r) => r.status === 'finished');
};

test('the fixtures ran: sweep, analysed run, eval, report', () => {
  assert.equal(sw.code, 0, sw.stderr);
  assert.equal(tr.code, 0, tr.stderr);
  assert.equal(an?.code, 0, an?.stderr);
  assert.equal(ev?.code, 0, ev?.stderr);
  assert.equal(rep?.code, 0, rep?.stderr);
  const r = JSON.parse(rep!.stdout);
  assert.ok(r.tables > 0 && r.figures.length > 0);
  assert.ok(JSON.parse(readFileSync(join(sweepDir, 'sweep.json'), 'utf8')).argv.includes('--no-analyze'));
});

test('sweep tables: n, mean ± std and the bootstrap CI agree with statistics computed from results.jsonl', () => {
  const rows = sweepRows();
  assert.equal(rows.length, 4);
  const key = 'model.fusion.hidden';
  for (const metric of ['test_acc', 'test_ce', 'test_macro_f1']) {
    const table = mdTable(md(), `\`${metric}\``);
    assert.deepEqual(table[0], [key, 'n', 'mean ± std', '95% CI']);
    assert.equal(table.length, 3, metric);
    for (const cells of table.slice(1)) {
      const xs = rows.filter((r) => r.values[key] === cells[0]).map((r) => r.metrics[metric] as number);
      assert.equal(xs.length, 2);
      const m = (xs[0] + xs[1]) / 2;
      const sd = Math.abs(xs[0] - xs[1]) / Math.SQRT2; // sample std of two values
      assert.equal(cells[1], '2');
      assert.equal(cells[2], `${m.toFixed(4)} ± ${sd.toFixed(4)}`, `${metric} ${cells[0]}`);
      // Two values: resample means are min, mid or max, each end with probability ¼ > 2.5 %, so the
      // 95 % percentile interval is [min, max] exactly.
      assert.equal(cells[3], `[${Math.min(...xs).toFixed(4)}, ${Math.max(...xs).toFixed(4)}]`);
    }
  }
  assert.match(md(), /No missing-modality accuracies in the results/);
  assert.match(md(), /No analysis fields in the results \(the sweep ran with `--no-analyze`\)/);
});

test('paired Wilcoxon rows agree with a brute-force sign-flip test over the seeds', () => {
  const rows = sweepRows();
  const key = 'model.fusion.hidden';
  const table = mdTable(md(), `Paired tests between values of \`${key}\``);
  assert.deepEqual(table[0], ['metric', 'a', 'b', 'pairs', 'mean a − b', 'V', 'p (two-sided, unadjusted)', 'test']);
  assert.equal(table.length, 4); // 3 accuracy metrics × 1 pair of values
  for (const [metric, a, b, pairs, meanDiff, V, p, kind] of table.slice(1)) {
    const val = (v: string, s: number) => rows.find((r) => r.values[key] === v && r.seed === s)!.metrics[metric] as number;
    const d = [0, 1].map((s) => val(a, s) - val(b, s)).filter((x) => x !== 0);
    assert.equal(pairs, '2');
    assert.equal(meanDiff, ((val(a, 0) - val(b, 0) + val(a, 1) - val(b, 1)) / 2).toFixed(4));
    if (!d.length) {
      assert.equal(kind, 'no non-zero differences');
      continue;
    }
    // Ranks of |d| (midranks for ties), V = sum over positive d, p = share of the 2^n sign flips
    // at least as far from the centre.
    const abs = d.map(Math.abs);
    const rank = abs.map((x) => abs.filter((y) => y < x).length + (abs.filter((y) => y === x).length + 1) / 2);
    const v = rank.reduce((s, r, i) => s + (d[i] > 0 ? r : 0), 0);
    const total = rank.reduce((s, r) => s + r, 0);
    let extreme = 0;
    for (let mask = 0; mask < 1 << d.length; mask++) {
      const vv = rank.reduce((s, r, i) => s + (mask & (1 << i) ? r : 0), 0);
      if (Math.abs(vv - total / 2) >= Math.abs(v - total / 2) - 1e-12) extreme++;
    }
    assert.equal(Number(V), v, metric);
    assert.equal(p, (extreme / (1 << d.length)).toFixed(4), metric);
    assert.equal(kind, 'exact');
  }
  assert.match(md(), /p-values are \*\*not adjusted\*\*/);
});

test('run section: command, config hash, backend, test metrics, eval table and analysis highlights', () => {
  const text = md();
  const runJson = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8'));
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
  const analysis = JSON.parse(readFileSync(join(runDir, 'eval', 'analysis.json'), 'utf8'));
  assert.match(text, new RegExp(`config hash: ${runJson.config_hash}`));
  assert.ok(text.includes(`command: \`mmc ${runJson.argv.join(' ')}\``));
  if (autoBackend() === 'native') assert.match(text, /backend: native \(OpenBLAS [\d.]+, \w+ kernels, 1 thread\)/);
  else assert.match(text, /backend: wasm \(@tensorflow\/tfjs-backend-wasm/);
  const tm = mdTable(text, 'Test split, best checkpoint');
  assert.deepEqual(tm.find((r) => r[0] === 'accuracy'), ['accuracy', summary.test.accuracy.toFixed(4)]);
  const evTable = mdTable(text, 'eval/test-best-zero-missing-image-r1.json');
  const evJson = JSON.parse(readFileSync(join(runDir, 'eval', 'test-best-zero-missing-image-r1.json'), 'utf8'));
  assert.deepEqual(evTable.find((r) => r[0] === 'image missing (rate 1)')?.[1], (100 * evJson.metrics.accuracy).toFixed(1));
  const contrib = mdTable(text, 'Per-modality contribution');
  for (const m of ['image', 'audio']) assert.equal(contrib.find((r) => r[0] === m)?.[1], analysis.contribution.shapley.values[m].toFixed(4));
  const poly = mdTable(text, 'Polysemanticity of the fusion head');
  assert.equal(poly.find((r) => r[0] === 'cross-modal polysemantic fraction')?.[1], analysis.polysemanticity.cross_modal_fraction.toFixed(4));
  const ranks = mdTable(text, 'Ranks (');
  assert.equal(ranks.find((r) => r[0] === 'fused')?.[3], analysis.rank.fused.effective_rank.toFixed(4));
  // Every table and figure carries its provenance line; the sweep's is its recorded command line.
  const provs = text.match(/<sub>Source: .* · command `mmc .*` · config hash \S+.* · backend .+<\/sub>/g) ?? [];
  const captions = (text.match(/^\*\*.*\*\*$/gm) ?? []).length + (text.match(/^!\[/gm) ?? []).length;
  assert.equal(provs.length, captions);
  assert.ok(text.includes(`command \`mmc sweep --config ${cfg} --grid model.fusion.hidden=[4],[8,4] --seeds 2`));
});

test('figures: the Markdown links files that exist, the HTML inlines each one and references no URL', () => {
  const links = [...md().matchAll(/!\[[^\]]*\]\((figures\/[^)]+)\)/g)].map((m) => m[1]);
  const files = readdirSync(join(out, 'figures')).map((f) => `figures/${f}`).sort();
  assert.deepEqual([...links].sort(), files);
  // sweep: 2 training curves + test_acc vs the list length; run: 2 curves + Shapley, missing-rate, spectrum
  assert.ok(links.some((l) => /s1-curve-val_acc/.test(l)) && links.some((l) => /s1-test_acc-vs-model\.fusion\.hidden/.test(l)), links.join(' '));
  assert.ok(links.some((l) => /r2-shapley/.test(l)) && links.some((l) => /r2-missing-rate/.test(l)), links.join(' '));
  for (const f of files) assert.match(readFileSync(join(out, f), 'utf8'), /^<svg/);
  const h = html();
  assert.doesNotMatch(h, /https?:\/\//);
  assert.doesNotMatch(h, /<(link|img|iframe)\b|src=/);
  assert.equal((h.match(/<svg[\s>]/g) ?? []).length, files.length);
  for (const f of files) assert.ok(h.includes(`data-file="${f}"><svg`), f);
});

test('-q is accepted, as train, eval, sweep and reproduce accept it: the same files, nothing on standard error', () => {
  const qOut = join(runs, 'report-q');
  const r = mmc(['report', runDir, '--out', qOut, '-q']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /report\.html\n.*report\.md\n\d+ tables, \d+ figures from 1 source\n$/s);
  assert.ok(existsSync(join(qOut, 'report.html')) && existsSync(join(qOut, 'report.md')));
});

test('bad arguments exit 2 with a message', () => {
  const r = mmc(['report', join(runs, 'nope'), '--out', join(runs, 'x')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not a run or sweep folder/);
});

const chromium = findChromium();
test('headless Chromium renders every figure with a non-zero size and screenshots the page', { skip: chromium ? false : 'no Chromium at /usr/bin/chromium: install it (apt-get install -y chromium) to run the render check' }, () => {
  const png = join(out, 'report.png');
  const r = renderCheck(join(out, 'report.html'), png);
  const figures = readdirSync(join(out, 'figures')).length;
  assert.equal(r.figures, figures);
  assert.equal(r.visible, figures);
  assert.equal(r.svgElements, figures);
  assert.ok(r.area > figures * 10_000, `figure area ${r.area}`);
  assert.ok(r.screenshotBytes > 1000 && statSync(png).size === r.screenshotBytes);
  assert.deepEqual([...readFileSync(png).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(existsSync(png));
});
