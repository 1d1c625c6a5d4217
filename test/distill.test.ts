// mmc distill end to end on the quick config: teacher checks, what the run records, resume, errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCheckpoint } from '../src/run/checkpoint.js';
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

const distillArgs = (teacher: string, extra: string[]) => ['distill', '--config', QUICK_CONFIG, '--teacher', teacher, '--student-modality', 'audio', '--runs-dir', runsDir, '--json', '-q', ...extra];
const bytes = (w: { data: Float32Array }) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength);

test('two-stage KD (distill.head_epochs): stage 2 retrains a fresh head on frozen encoders and projectors; stops in and at the edge of stage 2 resume identical', () => {
  const teacher = trainRun(['--set', 'modalities=[image]', '--name', 'teacher3']);
  const args = distillArgs(teacher, ['--set', 'train.epochs=3', '--set', 'distill.head_epochs=2']);
  const full = mmc(args);
  assert.equal(full.code, 0, full.stderr);
  const fullRun = JSON.parse(full.stdout).run;
  assert.deepEqual(timeless(fullRun).map((r) => r.stage), [1, 1, 1, 2, 2]);
  assert.ok(JSON.parse(readFileSync(join(fullRun, 'summary.json'), 'utf8')).best_epoch >= 4, 'the reported model is a stage-2 one');
  // Stopped at the end of stage 1, then one epoch into stage 2, then resumed to the end.
  const part = JSON.parse(mmc([...args, '--stop-after', '3']).stdout);
  assert.equal(part.status, 'interrupted');
  const stage1 = loadCheckpoint(join(part.run, 'checkpoints/last'));
  assert.equal(stage1.state.stage, undefined);
  const mid = mmc(['distill', '--resume', part.run, '--runs-dir', runsDir, '--json', '-q', '--stop-after', '1']);
  assert.equal(JSON.parse(mid.stdout).status, 'interrupted', mid.stderr);
  assert.deepEqual(loadCheckpoint(join(part.run, 'checkpoints/last')).state.stage, { index: 2, epoch: 3, step: 24 });
  const res = mmc(['distill', '--resume', part.run, '--runs-dir', runsDir, '--json', '-q']);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(JSON.parse(res.stdout).status, 'finished');
  assert.deepEqual(timeless(part.run), timeless(fullRun));
  for (const f of ['checkpoints/last/weights.bin', 'checkpoints/last/optimizer.bin', 'checkpoints/best/weights.bin']) assert.deepEqual(readFileSync(join(part.run, f)), readFileSync(join(fullRun, f)), f);
  // Stage 2 left the encoders and the projector byte for byte as stage 1 ended them, and retrained the head.
  const end = loadCheckpoint(join(fullRun, 'checkpoints/last'));
  const after = new Map(end.weights.map((w) => [w.name, bytes(w)]));
  assert.ok(stage1.weights.some((w) => w.name.startsWith('aux/')));
  for (const w of stage1.weights) {
    const frozen = w.name.startsWith('enc/') || w.name.startsWith('aux/');
    assert.equal(bytes(w).equals(after.get(w.name)!), frozen, `${w.name} ${frozen ? 'changed in stage 2' : 'not retrained'}`);
  }
  // Stage 2's optimiser is a fresh Adam over the head alone: 2 epochs × 8 steps, no moments for frozen weights.
  assert.equal(end.optimizer.t, 16);
  assert.ok(end.optimizer.moments.every((m) => m.name.startsWith('head/')), end.optimizer.moments.map((m) => m.name).join(', '));
});

test('KD with modality dropout (train.modality_dropout > 0): the dropout is applied and the KD term still trains the projector', () => {
  const teacher = trainRun(['--set', 'modalities=[image]', '--name', 'teacher4']);
  const run = (dropout: number, lambda: number) => {
    const r = mmc(distillArgs(teacher, ['--set', 'train.epochs=2', '--set', `train.modality_dropout=${dropout}`, '--set', `distill.lambda=${lambda}`]));
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).run as string;
  };
  const kdDrop = run(0.3, 1);
  const kdOnly = run(0, 1);
  const dropOnly = run(0.3, 0);
  assert.match(readFileSync(join(kdDrop, 'config.yaml'), 'utf8'), /modality_dropout: 0\.3/);
  const w = (r: string) => new Map(loadCheckpoint(join(r, 'checkpoints/last')).weights.map((x) => [x.name, bytes(x)]));
  const [a, b, c] = [w(kdDrop), w(kdOnly), w(dropOnly)];
  assert.ok(!a.get('head/out/kernel')!.equals(b.get('head/out/kernel')!), 'dropout changes the run');
  // With λ = 0 the projector gets no gradient and keeps its initial weights; with the KD term it trains.
  assert.ok(!a.get('aux/kd-audio-image/kernel')!.equals(c.get('aux/kd-audio-image/kernel')!), 'the KD term trains the projector under dropout');
  assert.ok(timeless(kdDrop)[0].train_loss > timeless(dropOnly)[0].train_loss, 'train_loss includes the KD term');
});

test('distill.projector none: no projector weights; feature/cosine need equal widths (a one-line error before any run folder)', () => {
  const teacher = trainRun(['--set', 'modalities=[image]', '--name', 'teacher5']);
  for (const loss of ['feature', 'logit']) {
    const r = mmc(distillArgs(teacher, ['--set', 'train.epochs=2', '--set', 'distill.projector=none', '--set', `distill.loss=${loss}`]));
    assert.equal(r.code, 0, r.stderr);
    const names = loadCheckpoint(join(JSON.parse(r.stdout).run, 'checkpoints/last')).weights.map((w) => w.name);
    assert.ok(!names.some((n) => n.startsWith('aux/')), names.join(', '));
  }
  const before = readdirSync(runsDir).length;
  const bad = mmc(distillArgs(teacher, ['--set', 'distill.projector=none', '--set', 'model.encoders={audio: {out_dim: 6}}']));
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /distill\.projector none .*"audio" encoder output \(width 6\).*"image" encoder output \(width 8\)/);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.equal(readdirSync(runsDir).length, before, 'no run folder');
  // The logit loss without a projector has no width constraint.
  const logit = mmc(distillArgs(teacher, ['--set', 'train.epochs=1', '--set', 'distill.projector=none', '--set', 'distill.loss=logit', '--set', 'model.encoders={audio: {out_dim: 6}}']));
  assert.equal(logit.code, 0, logit.stderr);
});

test('distill sweeps with --teacher-grid: one teacher per seed and missing rate, each trained on what its students observe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmc-kd-grid-'));
  const args = ['sweep', '--command', 'distill', '--config', QUICK_CONFIG, '--set', 'train.epochs=1', '--set', 'distill.student=audio', '--set', 'distill.from=image', '--teacher-config', QUICK_CONFIG, '--teacher-set', 'modalities=[image]', '--teacher-set', 'train.epochs=1', '--grid', 'train.missing_rate.image=0,0.5', '--grid', 'distill.loss=feature,logit', '--seeds', '1', '--runs-dir', dir, '--json', '-q'];
  const bad = mmc([...args.slice(0, -4), '--teacher-grid', 'train.missing_rate.audio', '--runs-dir', dir, '--json', '-q']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--teacher-grid train\.missing_rate\.audio: not a --grid key of this sweep \(train\.missing_rate\.image, distill\.loss\)/);
  const r = mmc([...args, '--teacher-grid', 'train.missing_rate.image']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { sweep: string; rows: { status: string; values: Record<string, string>; run: string }[] };
  assert.deepEqual(out.rows.map((x) => x.status), ['finished', 'finished', 'finished', 'finished']);
  const teachers = readFileSync(join(out.sweep, 'teachers.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { seed: number; values: Record<string, string>; run: string });
  assert.deepEqual(teachers.map((t) => t.values['train.missing_rate.image']).sort(), ['0', '0.5']);
  for (const t of teachers) {
    // The teacher trained with its rate: the same image samples missing as its students (dataset order seeds them).
    const cfg = readFileSync(join(t.run, 'config.yaml'), 'utf8');
    assert.match(cfg, new RegExp(`missing_rate:\\n\\s+image: ${t.values['train.missing_rate.image'].replace('.', '\\.')}\\n`));
    for (const row of out.rows.filter((x) => x.values['train.missing_rate.image'] === t.values['train.missing_rate.image'])) {
      assert.equal(JSON.parse(readFileSync(join(row.run, 'run.json'), 'utf8')).teacher, t.run.split('/').at(-1));
    }
  }
});
