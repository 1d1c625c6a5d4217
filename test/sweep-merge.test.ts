// The Slurm executor's merge: rows from run folders (and tasks' failure records), whatever Slurm says.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mergeFromRuns, rowFromRun } from '../src/commands/sweep.js';
import { fakeSweep } from '../src/slurm/merge-fixture.js';
import { MMC_BIN, QUICK_CONFIG, REPO_ROOT } from '../src/test-support.js';

function trainedRun(): string {
  const runs = mkdtempSync(join(tmpdir(), 'mmc-merge-'));
  const t = spawnSync(process.execPath, [MMC_BIN, 'train', '--config', QUICK_CONFIG, '--runs-dir', runs, '--backend', 'wasm', '--json', '-q'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(t.status, 0, t.stderr);
  const run = JSON.parse(t.stdout).run as string;
  const a = spawnSync(process.execPath, [MMC_BIN, 'analyze', '--run', run, '--backend', 'wasm', '-q'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(a.status, 0, a.stderr);
  return run;
}

test('mergeFromRuns: a row per finished run in job order; a task\'s failure record where there is no run; nothing for a job with neither; a torn later folder does not hide a finished one', () => {
  const template = trainedRun();
  const dir = mkdtempSync(join(tmpdir(), 'mmc-merge-sweep-'));
  const spec = fakeSweep({ dir, template, jobs: 40 });
  const runOf = (job: string) => join(dir, 'runs', `20261202-120000-train-fake-${job}-abcdef`);
  // j038: the task failed before a run finished; j039: nothing known.
  for (const job of ['j038', 'j039']) renameSync(runOf(job), join(tmpdir(), `gone-${job}-${Date.now()}`));
  writeFileSync(join(dir, 'tasks', 'j038.json'), JSON.stringify({ job: 'j038', array_job_id: '7', index: 38, restart: 0, node: 'n1', status: 'failed', run: null, error: 'mmc: error: boom', ended: '' }));
  // j005: a later attempt's folder with a torn run.json.
  const torn = join(dir, 'runs', '20261202-130000-train-fake-j005-fedcba');
  mkdirSync(torn);
  writeFileSync(join(torn, 'run.json'), '{"status": "runn');
  const rows = mergeFromRuns(dir, spec);
  assert.equal(rows.length, 39);
  assert.deepEqual(rows.map((r) => r.job), [...spec.jobs.slice(0, 39).map((j) => j.id)]);
  const template0 = rowFromRun(spec, spec.jobs[0], runOf('j000'))!;
  assert.ok(Number.isFinite(template0.metrics.test_acc) && Number.isFinite(template0.metrics['shapley.image']));
  for (const r of rows.slice(0, 38)) {
    assert.equal(r.status, 'finished');
    assert.deepEqual(r.metrics, template0.metrics); // every run is a copy of the template
  }
  assert.equal(rows[5].run, runOf('j005'));
  assert.deepEqual(rows[38], { job: 'j038', status: 'failed', seed: 0, values: { 'train.lr': '38' }, run: null, metrics: {}, error: 'mmc: error: boom' });
  const lines = readFileSync(join(dir, 'results.jsonl'), 'utf8').trim().split('\n');
  assert.deepEqual(lines.map((l) => JSON.parse(l)), rows);
  assert.equal(readFileSync(join(dir, 'results.csv'), 'utf8').trim().split('\n').length, 40);
});
