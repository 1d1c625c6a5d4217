// End-to-end: `mmc reproduce --seeds` on one small experiment, and the resume guards (exit 2).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MMC_BIN, REPO_ROOT } from '../src/test-support.js';

function mmc(args: string[]) {
  const r = spawnSync(process.execPath, [MMC_BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('reproduce --seeds N runs N seeds per grid point; a resume keeps N and refuses another N or mode', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'mmc-reproduce-')), 'r');
  // fig4 in quick mode: two grid points, no analysis — the smallest experiment in the registry.
  const r = mmc(['reproduce', '--quick', '--only', 'fig4', '--seeds', '1', '--out', out, '--json', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  assert.equal(res.failed_jobs, 0);
  const rows = readFileSync(join(res.sweeps.fig4, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((x) => x.seed), [0, 0], 'one seed for each of the two grid points');
  assert.equal(JSON.parse(readFileSync(join(out, 'reproduce.json'), 'utf8')).seeds, 1);

  // Resuming without --seeds keeps 1 (nothing left to run); another count or mode is refused.
  const again = mmc(['reproduce', '--quick', '--only', 'fig4', '--out', out, '--json', '-q']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).sweeps.fig4, res.sweeps.fig4);
  const other = mmc(['reproduce', '--quick', '--only', 'fig4', '--seeds', '2', '--out', out, '-q']);
  assert.equal(other.code, 2);
  assert.match(other.stderr, /^mmc: error: .*\/r was started with --seeds 1; rerun with --seeds 1 to resume it, or use another --out\n$/);
  const full = mmc(['reproduce', '--full', '--only', 'fig4', '--out', out, '-q']);
  assert.equal(full.code, 2);
  assert.match(full.stderr, /^mmc: error: .*\/r holds a --quick reproduction; use another --out for --full\n$/);

  // --plan runs nothing: the folder's seed count and measured seconds; the other mode is refused.
  const plan = mmc(['reproduce', '--quick', '--plan', '--only', 'fig4', '--out', out, '--json']);
  assert.equal(plan.code, 0, plan.stderr);
  const [row] = JSON.parse(plan.stdout);
  assert.deepEqual({ ...row, seconds: typeof row.seconds }, { id: 'fig4', tuning: 0, teachers: 0, runs: 2, seconds: 'number' });
  assert.ok(row.seconds > 0);
  assert.match(mmc(['reproduce', '--quick', '--plan', '--only', 'fig4', '--out', out]).stdout, /\| fig4 \| 0 \| 0 \| 2 \| 2 \| \d+ \|/);
  const planFull = mmc(['reproduce', '--full', '--plan', '--out', out]);
  assert.equal(planFull.code, 2);
  assert.match(planFull.stderr, /^mmc: error: .*\/r holds a --quick reproduction; use another --out for --full\n$/);

  for (const bad of ['0', '1.5', 'x', '101']) {
    const b = mmc(['reproduce', '--seeds', bad, '--out', join(out, 'never')]);
    assert.equal(b.code, 2, bad);
    assert.match(b.stderr, new RegExp(`^mmc: error: --seeds ${bad.replace('.', '\\.')}: expected an integer from 1 to 100\\n$`));
  }
});

test('a tuned experiment: every configuration on validation first, the best fixed for its sweep; a resume keeps the choice', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'mmc-reproduce-tune-')), 'r');
  const args = ['reproduce', '--quick', '--only', 'missing-synthetic-vanilla', '--seeds', '1', '--out', out, '--json', '-q'];
  const r = mmc(args);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  assert.equal(res.failed_jobs, 0);
  const progress = JSON.parse(readFileSync(join(out, 'reproduce.json'), 'utf8'));
  const choice = progress.tuned['missing-synthetic-vanilla'];
  // The tuning sweep: every configuration × its own seeds (not --seeds), analysed on validation.
  const tuneRows = readFileSync(join(progress.sweeps['missing-synthetic-vanilla-tune'], 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(tuneRows.length, choice.configurations.length * choice.seeds);
  assert.ok(choice.configurations.length >= 2);
  for (const row of tuneRows) assert.equal(JSON.parse(readFileSync(join(row.run, 'eval', 'analysis.json'), 'utf8')).split, 'val');
  // The choice is the best mean of the rows' validation metric.
  const mean = (values: Record<string, string>) => {
    const xs = tuneRows.filter((x) => JSON.stringify(x.values) === JSON.stringify(values)).map((x) => x.metrics[choice.metric]);
    return xs.reduce((a: number, b: number) => a + b, 0) / xs.length;
  };
  for (const c of choice.configurations) assert.ok(mean(c.values) <= choice.score + 1e-12);
  assert.ok(Math.abs(mean(choice.chosen) - choice.score) < 1e-12);
  // The experiment's sweep runs the chosen configuration; its runs are scored on test.
  const spec = JSON.parse(readFileSync(join(res.sweeps['missing-synthetic-vanilla'], 'sweep.json'), 'utf8'));
  for (const [k, v] of Object.entries(choice.chosen)) assert.ok(spec.sets.includes(`${k}=${v}`), `${k}=${v} not in the sweep's sets`);
  const runs = readFileSync(join(res.sweeps['missing-synthetic-vanilla'], 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  for (const row of runs) assert.equal(JSON.parse(readFileSync(join(row.run, 'eval', 'analysis.json'), 'utf8')).split, 'test');
  assert.match(readFileSync(join(out, 'headline.md'), 'utf8'), /^## missing-synthetic-vanilla\n\n\d+ configurations × \d+ seeds, metric `missing_zero\.image@0\.5` on validation; chosen: /m);
  // A resume runs nothing and keeps the choice.
  const again = mmc(args);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'reproduce.json'), 'utf8')).tuned, progress.tuned);
});
