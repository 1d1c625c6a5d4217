// End-to-end: metrics.csv through a stop and a resume, then mmc export of the run (MLflow and CSV).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { metricsToCsv } from '../src/run/metrics-csv.js';
import { mlflowRunId } from '../src/export/mlflow.js';
import { MMC_BIN, QUICK_CONFIG, REPO_ROOT } from '../src/test-support.js';

function mmc(args: string[]) {
  const r = spawnSync(process.execPath, [MMC_BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const tmp = () => mkdtempSync(join(tmpdir(), 'mmc-test-'));
const csvOf = (dir: string) => metricsToCsv(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)));

test('metrics.csv follows metrics.jsonl through a resume; mmc export writes an MLflow store and a CSV', () => {
  const runs = tmp();
  const part = mmc(['train', '--config', QUICK_CONFIG, '--runs-dir', runs, '--set', 'train.epochs=2', '--stop-after', '1', '--json', '-q', '--no-progress']);
  assert.equal(part.code, 0, part.stderr);
  const dir = JSON.parse(part.stdout).run as string;
  const csv1 = readFileSync(join(dir, 'metrics.csv'), 'utf8');
  assert.match(csv1, /^epoch,step,lr,train_loss,train_acc,val_loss,val_acc,val_macro_f1,samples_per_s,epoch_s,num_tensors\n1,8,/);
  assert.equal(csv1.trim().split('\n').length, 2);
  // A record written after the checkpoint (crash before saving) is dropped on resume, from both files.
  writeFileSync(join(dir, 'metrics.jsonl'), readFileSync(join(dir, 'metrics.jsonl'), 'utf8') + '{"epoch":2,"train_loss":99}\n');
  const res = mmc(['train', '--resume', dir, '--runs-dir', runs, '--json', '-q', '--no-progress']);
  assert.equal(res.code, 0, res.stderr);
  const csv2 = readFileSync(join(dir, 'metrics.csv'), 'utf8');
  assert.equal(csv2, csvOf(dir));
  assert.deepEqual(csv2.trim().split('\n').map((l) => l.split(',')[0]), ['epoch', '1', '2']);
  assert.ok(!csv2.includes(',99,'));

  const out = tmp();
  const id = dir.split('/').at(-1)!;
  const e = mmc(['export', '--format', 'mlflow', '--out', out, '--runs-dir', runs, id, '--json']); // the run by id under --runs-dir
  assert.equal(e.code, 0, e.stderr);
  const r = JSON.parse(e.stdout);
  assert.equal(r.experiment.id, '0');
  assert.equal(r.runs[0].mlflow_run_id, mlflowRunId('0', id));
  const rid = mlflowRunId('0', id);
  assert.deepEqual(readdirSync(join(out, 'mlruns', '0')).sort(), [rid, 'meta.yaml']);
  const rd = join(out, 'mlruns', '0', rid);
  assert.deepEqual(readdirSync(rd).sort(), ['artifacts', 'meta.yaml', 'metrics', 'params', 'tags']);
  assert.deepEqual(readdirSync(join(rd, 'artifacts')).sort(), ['config.yaml', 'env.json', 'metrics.csv', 'metrics.jsonl', 'run.json', 'summary.json']);
  assert.equal(readFileSync(join(rd, 'artifacts', 'metrics.csv'), 'utf8'), csv2);
  assert.equal(readFileSync(join(rd, 'params', 'train.epochs'), 'utf8'), '2');
  assert.equal(readFileSync(join(rd, 'params', 'dataset.modalities.audio.strength'), 'utf8'), '1');
  assert.match(readFileSync(join(rd, 'metrics', 'val_loss'), 'utf8'), /^\d{13} [\d.e-]+ 1\n\d{13} [\d.e-]+ 2\n$/);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  assert.match(readFileSync(join(rd, 'metrics', 'test.accuracy'), 'utf8'), new RegExp(`^\\d{13} ${summary.test.accuracy} 2\\n$`));
  assert.match(readFileSync(join(rd, 'meta.yaml'), 'utf8'), /^status: 3$/m);
  assert.equal(readFileSync(join(rd, 'tags', 'mlflow.runName'), 'utf8'), id);

  const c = mmc(['export', '--format', 'csv', '--out', out, '--experiment', 'quick', dir]);
  assert.equal(c.code, 0, c.stderr);
  const rows = readFileSync(join(out, 'quick.csv'), 'utf8').trim().split('\n');
  assert.equal(rows.length, 2);
  assert.match(rows[0], /^run_id,command,status,.*,params\.train\.epochs,.*,metrics\.test\.accuracy,/);
  assert.ok(rows[1].startsWith(`${id},train,finished,`));

  // Errors: exit 2 and a one-line message naming the path.
  const notRun = mmc(['export', '--format', 'mlflow', '--out', out, runs]);
  assert.equal(notRun.code, 2);
  assert.match(notRun.stderr, new RegExp(`^mmc: error: not a run or sweep folder: ${runs} `));
  const file = join(out, 'quick.csv');
  const badOut = mmc(['export', '--format', 'mlflow', '--out', join(file, 'sub'), dir]);
  assert.equal(badOut.code, 2);
  assert.match(badOut.stderr, new RegExp(`^mmc: error: --out ${join(file, 'sub')}: not a writable directory`));
  assert.deepEqual(readdirSync(join(out, 'mlruns')), ['0']);
});
