// mmc distill end to end on the quick config: teacher checks, what the run records, resume, errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MMC_BIN, QUICK_CONFIG, REPO_ROOT } from '../src/test-support.js';

function mmc(args: string[]) {
  const r = spawnSync(process.execPath, [MMC_BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const runsDir = mkdtempSync(join(tmpdir(), 'mmc-kd-'));
const trainRun = (extra: string[]) => {
  const r = mmc(['train', '--config', QUICK_CONFIG, '--runs-dir', runsDir, '--json', '-q', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout).run as string;
};
const timeless = (d: string) => readFileSync(join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => {
  const { samples_per_s: _a, epoch_s: _b, ...rest } = JSON.parse(l);
  return rest;
});

test('distill from an image teacher into the audio encoder: recorded, teacher untouched, evaluable', () => {
  const teacher = trainRun(['--set', 'modalities=[image]', '--name', 'teacher']);
  const before = readFileSync(join(teacher, 'checkpoints/best/weights.bin'));
  for (const loss of ['feature', 'cosine', 'logit']) {
    const r = mmc(['distill', '--config', QUICK_CONFIG, '--teacher', teacher, '--student-modality', 'audio', '--set', `distill.loss=${loss}`, '--runs-dir', runsDir, '--json', '-q']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(out.pairs, [{ from: 'image', to: 'audio' }]);
    const run = JSON.parse(readFileSync(join(out.run, 'run.json'), 'utf8'));
    assert.equal(run.command, 'distill');
    assert.equal(run.teacher, teacher.split('/').at(-1));
    assert.match(run.teacher_config_hash, /^[0-9a-f]{12}$/);
    const cfg = readFileSync(join(out.run, 'config.yaml'), 'utf8');
    assert.match(cfg, new RegExp(`teacher: ${teacher}`));
    assert.match(cfg, /pairs:\n\s+- from: image\n\s+to: audio/);
    const e = mmc(['eval', '--run', out.run, '--missing-modality', 'image', '--json']);
    assert.equal(e.code, 0, e.stderr);
    if (loss === 'feature') {
      // The distilled run is itself a valid teacher-free config for analysis.
      const a = mmc(['analyze', '--run', out.run, '--json']);
      assert.equal(a.code, 0, a.stderr);
    }
  }
  assert.deepEqual(readFileSync(join(teacher, 'checkpoints/best/weights.bin')), before, 'teacher weights unchanged');
  // A plain train of a distill config is refused.
  const cfgPath = join(JSON.parse(mmc(['distill', '--config', QUICK_CONFIG, '--teacher', teacher, '--student-modality', 'audio', '--runs-dir', runsDir, '--json', '-q', '--set', 'train.epochs=1']).stdout).run, 'config.yaml');
  const t = mmc(['train', '--config', cfgPath, '--runs-dir', runsDir]);
  assert.equal(t.code, 2);
  assert.match(t.stderr, /run it with mmc distill/);
  // …and the saved config repeats the distillation exactly.
  const again = mmc(['distill', '--config', cfgPath, '--runs-dir', runsDir, '--json', '-q']);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(timeless(JSON.parse(again.stdout).run), timeless(join(cfgPath, '..')));
});

test('a resumed distill run equals an uninterrupted one', () => {
  const teacher = trainRun(['--set', 'modalities=[image]', '--name', 'teacher2']);
  const args = ['distill', '--config', QUICK_CONFIG, '--teacher', teacher, '--student-modality', 'audio', '--set', 'train.epochs=4', '--set', 'distill.schedule.type=warmup', '--runs-dir', runsDir, '--json', '-q'];
  const full = JSON.parse(mmc(args).stdout).run;
  const part = JSON.parse(mmc([...args, '--stop-after', '2']).stdout);
  assert.equal(part.status, 'interrupted');
  const res = mmc(['distill', '--resume', part.run, '--runs-dir', runsDir, '--json', '-q']);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(timeless(part.run), timeless(full));
  assert.deepEqual(readFileSync(join(part.run, 'checkpoints/last/weights.bin')), readFileSync(join(full, 'checkpoints/last/weights.bin')));
});

test('teacher problems are usage errors (exit 2) with a clear message', () => {
  const unfinished = JSON.parse(mmc(['train', '--config', QUICK_CONFIG, '--runs-dir', runsDir, '--json', '-q', '--stop-after', '1', '--set', 'modalities=[image]']).stdout).run;
  const multimodal = trainRun(['--name', 'mm-teacher']);
  const cases: [string[], RegExp][] = [
    [['--teacher', join(runsDir, 'nope')], /run not found/],
    [['--teacher', unfinished], /has status "interrupted"; it must have finished/],
    [['--teacher', multimodal, '--student-modality', 'audio', '--set', 'dataset.seed=99'], /different dataset \(dataset\.seed differs\)/],
    [['--teacher', multimodal], /say which modality is the student/],
    [['--teacher', multimodal, '--student-modality', 'video'], /distill student "video" is not a modality of this model/],
    [[], /distill needs a teacher/],
  ];
  for (const [extra, re] of cases) {
    const r = mmc(['distill', '--config', QUICK_CONFIG, '--runs-dir', runsDir, ...extra]);
    assert.equal(r.code, 2, `${extra.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  // With the teacher analysed, the student is its smallest-Shapley modality.
  assert.equal(mmc(['analyze', '--run', multimodal, '--json']).code, 0);
  const a = JSON.parse(readFileSync(join(multimodal, 'eval', 'analysis.json'), 'utf8'));
  const weakest = Object.entries(a.contribution.shapley.values as Record<string, number>).sort((x, y) => x[1] - y[1])[0][0];
  const r = mmc(['distill', '--config', QUICK_CONFIG, '--teacher', multimodal, '--runs-dir', runsDir, '--json', '-q', '--set', 'train.epochs=1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).pairs[0].to, weakest);
});
