// mmc analyze, mmc sweep (with resume and a failing job) and mmc plot, end to end on tiny configs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MMC_BIN, QUICK_CONFIG, REPO_ROOT } from '../src/test-support.js';
import { createSweep, runJob } from '../src/commands/sweep.js';

function mmc(args: string[]) {
  const r = spawnSync(process.execPath, [MMC_BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const tmp = () => mkdtempSync(join(tmpdir(), 'mmc-sweep-'));

test('analyze --json prints every measurement and writes eval/analysis.json', () => {
  const runs = tmp();
  const t = mmc(['train', '--config', QUICK_CONFIG, '--runs-dir', runs, '--json', '-q']);
  assert.equal(t.code, 0, t.stderr);
  const run = JSON.parse(t.stdout).run;
  const r = mmc(['analyze', '--run', run, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const a = JSON.parse(r.stdout);
  assert.ok(existsSync(join(run, 'eval', 'analysis.json')));
  assert.deepEqual(a.modalities, ['image', 'audio']);
  assert.ok(a.rank.fused.effective_rank > 0 && a.rank.fused.numerical_rank <= a.rank.fused.dims[1]);
  // Shapley efficiency: the values add up to v(all) − v(none).
  const phi = Object.values(a.contribution.shapley.values) as number[];
  assert.ok(Math.abs(phi.reduce((x, y) => x + y, 0) - (a.contribution.shapley.all_present - a.contribution.shapley.none_present)) < 1e-9);
  // With two modalities, image's zero-protocol contribution is all-present minus audio alone.
  assert.ok(Math.abs(a.contribution.zero.image.accuracy_drop - (a.all_present.accuracy - a.semantic_loss.audio.alone_accuracy)) < 1e-12);
  assert.ok(a.polysemanticity.cross_modal_fraction >= 0 && a.polysemanticity.cross_modal_fraction <= 1);
  assert.equal(a.polysemanticity.threshold, 0.25);
  assert.ok(a.collisions && a.collisions.noise_predictive_collision_fraction >= 0);
  assert.equal(a.robustness.missing.audio.x.length, 11);
  // Missing rate 0 is the all-present accuracy; noise σ = 0 too.
  assert.equal(a.robustness.missing.audio.y[0], a.all_present.accuracy);
  assert.equal(a.robustness.noise.image.y[0], a.all_present.accuracy);
  // Each modality missing independently: rate 0 is all present, rate 1 is every modality gone
  // (Shapley's v(none) under the same zero protocol); no substitution without EBR.
  assert.equal(a.robustness.missing_each.zero.y[0], a.all_present.accuracy);
  assert.equal(a.robustness.missing_each.zero.y.at(-1), a.contribution.shapley.none_present);
  assert.equal(a.robustness.missing_each.substitute, null);
  const table = mmc(['analyze', '--run', run]);
  assert.match(table.stdout, /cross-modal fraction/);
  assert.match(table.stdout, /^each modality missing independently, AUC over rate 0→1: zero \d\.\d{3}, mean \d\.\d{3}$/m);
  assert.equal(mmc(['analyze', '--run', run, '--tau', '-1']).code, 2);
});

// eval/analysis.json without the fields that name the run folder.
const analysisOf = (run: string) => {
  const { run: _id, file: _file, ...rest } = JSON.parse(readFileSync(join(run, 'eval', 'analysis.json'), 'utf8'));
  return rest;
};

test('train --analyze writes, in the same process, the analysis `mmc analyze --run` writes; an unfinished run gets none', () => {
  const runs = tmp();
  const base = ['--config', QUICK_CONFIG, '--set', 'train.epochs=2', '--seed', '4', '--runs-dir', runs, '--json', '-q'];
  const apart = mmc(['train', ...base]);
  assert.equal(apart.code, 0, apart.stderr);
  const runApart = JSON.parse(apart.stdout).run;
  assert.equal(existsSync(join(runApart, 'eval', 'analysis.json')), false);
  assert.equal(mmc(['analyze', '--run', runApart, '--json']).code, 0);
  const here = mmc(['train', ...base, '--analyze']);
  assert.equal(here.code, 0, here.stderr);
  const out = JSON.parse(here.stdout); // stdout is still the run's result alone
  assert.equal(out.status, 'finished');
  assert.deepEqual(analysisOf(out.run), analysisOf(runApart));
  const stopped = mmc(['train', ...base, '--stop-after', '1', '--analyze']);
  assert.equal(stopped.code, 0, stopped.stderr);
  const s = JSON.parse(stopped.stdout);
  assert.equal(s.status, 'interrupted');
  assert.equal(existsSync(join(s.run, 'eval', 'analysis.json')), false);
  const table = mmc(['train', '--config', QUICK_CONFIG, '--set', 'train.epochs=1', '--runs-dir', runs, '-q', '--analyze']);
  assert.match(table.stdout, /^analysis .*eval\/analysis\.json$/m);
});

test('a sweep job trains and analyses in one child (train --analyze); an adopted run without its analysis gets an analyze child', async () => {
  const runs = tmp();
  const { dir, spec } = createSweep({ configPath: QUICK_CONFIG, sets: ['train.epochs=1'], grid: [], seeds: 1, varyDataSeed: false, analyze: true, runsDir: runs });
  const verbs: string[] = [];
  const onChild = (p: ChildProcess | null) => {
    if (p) verbs.push(p.spawnargs[2]);
  };
  const row = await runJob(spec.jobs[0], { dir, spec, baseDataSeed: null, onChild });
  assert.equal(row.status, 'finished', row.error);
  assert.deepEqual(verbs, ['train']);
  assert.equal(typeof row.metrics.fused_effective_rank, 'number'); // the row holds the analysis
  const inProcess = analysisOf(row.run!);
  // The same run, its analysis gone (as for a run trained by an older mmc): adopted, analysed by a child.
  rmSync(join(row.run!, 'eval', 'analysis.json'));
  verbs.length = 0;
  const again = await runJob(spec.jobs[0], { dir, spec, baseDataSeed: null, onChild, known: new Set() });
  assert.equal(again.adopted, true);
  assert.equal(again.run, row.run);
  assert.deepEqual(verbs, ['analyze']);
  assert.deepEqual(analysisOf(row.run!), inProcess);
});

test('sweep runs the grid × seeds in workers, records a failed job, resumes only what is missing, and plots', () => {
  const runs = tmp();
  const cfg = join(runs, 'sweep.yaml');
  writeFileSync(cfg, readFileSync(QUICK_CONFIG, 'utf8').replace('epochs: 3', 'epochs: 1'));
  // An encoder width that passes the schema but cannot be built for conv (no image shape) fails at run time.
  const r = mmc(['sweep', '--config', cfg, '--grid', 'model.fusion.hidden=[4],[8,4]', '--grid', 'model.encoder.type=mlp,conv', '--seeds', '2', '--workers', '2', '--runs-dir', runs, '--json', '-q', '--no-analyze']);
  assert.equal(r.code, 1, r.stderr); // some jobs failed: exit 1, but the sweep finished
  const out = JSON.parse(r.stdout);
  assert.equal(out.rows.length, 8);
  assert.equal(out.rows.filter((x: { status: string }) => x.status === 'finished').length, 4);
  const failed = out.rows.filter((x: { status: string }) => x.status === 'failed');
  assert.equal(failed.length, 4);
  assert.match(failed[0].error, /conv needs image-shaped input/);
  const csv = readFileSync(join(out.sweep, 'results.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 9);
  assert.match(csv[0], /^job,status,seed,model\.fusion\.hidden,model\.encoder\.type,run,test_acc/);
  // Resume: the finished jobs are kept, the failed ones are tried again (and fail again).
  const lines = () => readFileSync(join(out.sweep, 'results.jsonl'), 'utf8').trim().split('\n').length;
  assert.equal(lines(), 8);
  const runsBefore = readdirSync(join(out.sweep, 'runs')).length; // failed jobs stopped before creating a run folder
  assert.equal(runsBefore, 4);
  const again = mmc(['sweep', '--resume', out.sweep, '--json', '-q']);
  assert.equal(again.code, 1);
  assert.equal(lines(), 12); // only the 4 failed jobs ran again
  assert.equal(readdirSync(join(out.sweep, 'runs')).length, runsBefore);
  const rows2 = JSON.parse(again.stdout).rows;
  assert.deepEqual(rows2.filter((x: { status: string }) => x.status === 'finished').map((x: { run: string }) => x.run), out.rows.filter((x: { status: string }) => x.status === 'finished').map((x: { run: string }) => x.run));
  // A plot of test accuracy over the hidden width, one series per encoder type.
  const svg = join(runs, 'acc.svg');
  const p = mmc(['plot', '--sweep', out.sweep, '--x', 'model.fusion.hidden:length', '--y', 'test_acc', '--out', svg, '--json']);
  assert.equal(p.code, 0, p.stderr);
  assert.match(readFileSync(svg, 'utf8'), /^<svg/);
  const plotted = JSON.parse(p.stdout);
  assert.equal(plotted.series[0].points[0].n, 2); // mean over two seeds
  const e = mmc(['plot', '--sweep', out.sweep, '--x', 'epoch', '--y', 'val_loss', '--out', join(runs, 'loss.svg')]);
  assert.equal(e.code, 0, e.stderr);
  const bad = mmc(['plot', '--sweep', out.sweep, '--x', 'nope', '--y', 'test_acc', '--out', svg]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /"nope" is not a grid key/);
});

test('sweep refuses a bad grid value before running anything', () => {
  const runs = tmp();
  const r = mmc(['sweep', '--config', QUICK_CONFIG, '--grid', 'train.epochs=1,zero', '--runs-dir', runs]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--set train\.epochs=zero: train\.epochs: expected number/);
  assert.deepEqual(readdirSync(runs), []);
});
