import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { runsToCsv } from './csv.js';
import { experimentId, mlflowKey, mlflowRunId, mlflowStatus, writeMlflow } from './mlflow.js';
import { configParams, readExportRun, resolveExportArgs } from './source.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mmc-export-'));

/** Every file and folder under dir, relative, sorted (folders end in /). */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        out.push(relative(dir, p) + '/');
        walk(p);
      } else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

const RUN_ID = '20260101-120000-train-tiny-abc123';

/** A run folder shaped like mmc train's (fields as in run.json/summary.json/metrics.jsonl), by hand. */
function fakeRun(parent: string, o: { id?: string; status?: string; ended?: string | null; summary?: boolean } = {}): string {
  const id = o.id ?? RUN_ID;
  const dir = join(parent, id);
  mkdirSync(join(dir, 'eval'), { recursive: true });
  mkdirSync(join(dir, 'checkpoints', 'last'), { recursive: true });
  writeFileSync(join(dir, 'checkpoints', 'last', 'weights.bin'), 'not exported');
  writeFileSync(join(dir, 'log.jsonl'), '{"msg":"not exported"}\n');
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({ id, command: 'train', argv: ['train', '--config', 'c.yaml'], status: o.status ?? 'finished', started: '2026-01-01T12:00:00.000Z', ended: o.ended === undefined ? '2026-01-01T12:00:05.000Z' : o.ended, config_hash: 'deadbeef0001', parent: null, teacher: null }),
  );
  writeFileSync(
    join(dir, 'config.yaml'),
    ['name: tiny', 'seed: 3', 'dataset:', '  name: synthetic', '  modalities:', '    - name: image', '      strength: 2.5', '    - name: audio', '      strength: 1', 'model:', '  encoder:', '    hidden:', '      - 16', '      - 8', '  encoders: {}', 'train:', '  epochs: 2', '  optimizer:', '    eps: 1e-8', 'distill:', '  teacher: null', ''].join('\n'),
  );
  writeFileSync(
    join(dir, 'metrics.jsonl'),
    [
      { epoch: 1, step: 8, lr: 0.01, train_loss: 2.5, val_loss: 1.5, val_acc: 0.25, samples_per_s: 1000, epoch_s: 0.5, val_alone_ce: { image: 1.25, audio: 2 }, adversary_on: false },
      { epoch: 2, step: 16, lr: 0.01, train_loss: 1.25, val_loss: 1.125, val_acc: 0.5, samples_per_s: 2000, epoch_s: 0.25, val_alone_ce: { image: 1, audio: 1.75 }, adversary_on: true },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n',
  );
  if (o.summary !== false) {
    writeFileSync(
      join(dir, 'summary.json'),
      JSON.stringify({ run: id, name: 'tiny', dataset: 'synthetic', modalities: ['image', 'audio'], fusion: 'concat', epochs: 2, steps: 16, best_epoch: 2, best_metric: { name: 'val_loss', value: 1.125 }, final: { val_acc: 0.5 }, test: { n: 256, accuracy: 0.625 }, samples_per_s: 1500 }),
    );
  }
  writeFileSync(join(dir, 'env.json'), JSON.stringify({ mmc: '0.1.0', backend: { name: 'wasm' }, git_commit: 'c0ffee', seed: 3 }));
  writeFileSync(join(dir, 'eval', 'analysis.json'), '{"poly_fraction":0.5}');
  return dir;
}

test('ids: Default is experiment 0; others and run ids are stable hashes', () => {
  assert.equal(experimentId('Default'), '0');
  assert.match(experimentId('ablation'), /^[1-9]\d*$/);
  assert.equal(experimentId('ablation'), experimentId('ablation'));
  assert.notEqual(experimentId('ablation'), experimentId('ablation2'));
  assert.match(mlflowRunId('0', RUN_ID), /^[0-9a-f]{32}$/);
  assert.notEqual(mlflowRunId('0', RUN_ID), mlflowRunId('1', RUN_ID));
  assert.deepEqual(['finished', 'failed', 'interrupted', 'running'].map(mlflowStatus), [3, 4, 5, 1]);
  assert.equal(mlflowKey('shapley/audio:x'), 'shapley_audio_x');
});

test('configParams: dotted keys, named list items by name, other lists and empty maps as JSON', () => {
  const p = configParams(readExportRun(fakeRun(tmp())).config);
  assert.deepEqual(p, {
    name: 'tiny',
    seed: '3',
    'dataset.name': 'synthetic',
    'dataset.modalities.image.strength': '2.5',
    'dataset.modalities.audio.strength': '1',
    'model.encoder.hidden': '[16,8]',
    'model.encoders': '{}',
    'train.epochs': '2',
    'train.optimizer.eps': '1e-8',
    'distill.teacher': 'null',
  });
});

test('writeMlflow: the file-store tree and file contents for one run', () => {
  const src = tmp();
  const runDir = fakeRun(src);
  const out = tmp();
  const r = writeMlflow([readExportRun(runDir)], { out, now: 1767268800000, user: 'tester' });
  const rid = mlflowRunId('0', RUN_ID);
  assert.equal(r.experiment.id, '0');
  assert.deepEqual(r.runs, [{ run: runDir, mlflow_run_id: rid, dir: join(out, 'mlruns', '0', rid) }]);
  const p = (s: string) => `mlruns/0/${rid}/${s}`;
  assert.deepEqual(tree(out), [
    'mlruns/',
    'mlruns/0/',
    p('').slice(0, -1) + '/',
    p('artifacts/'),
    p('artifacts/config.yaml'),
    p('artifacts/env.json'),
    p('artifacts/eval/'),
    p('artifacts/eval/analysis.json'),
    p('artifacts/metrics.csv'),
    p('artifacts/metrics.jsonl'),
    p('artifacts/run.json'),
    p('artifacts/summary.json'),
    p('meta.yaml'),
    p('metrics/'),
    ...['adversary_on', 'best_epoch', 'best_metric.value', 'epoch_s', 'epochs', 'final.val_acc', 'lr', 'samples_per_s', 'step', 'steps', 'summary.samples_per_s', 'test.accuracy', 'test.n', 'train_loss', 'val_acc', 'val_alone_ce.audio', 'val_alone_ce.image', 'val_loss'].map((m) => p(`metrics/${m}`)),
    p('params/'),
    ...['dataset.modalities.audio.strength', 'dataset.modalities.image.strength', 'dataset.name', 'distill.teacher', 'model.encoder.hidden', 'model.encoders', 'name', 'seed', 'train.epochs', 'train.optimizer.eps'].map((k) => p(`params/${k}`)),
    p('tags/'),
    ...['mlflow.runName', 'mlflow.source.git.commit', 'mlflow.source.name', 'mlflow.source.type', 'mlflow.user', 'mmc.argv', 'mmc.backend', 'mmc.command', 'mmc.config_hash', 'mmc.path', 'mmc.run_id', 'mmc.status'].map((k) => p(`tags/${k}`)),
    'mlruns/0/meta.yaml',
  ].sort());

  const read = (s: string) => readFileSync(join(out, s), 'utf8');
  assert.equal(
    read('mlruns/0/meta.yaml'),
    `artifact_location: file://${out}/mlruns/0\ncreation_time: 1767268800000\nexperiment_id: "0"\nlast_update_time: 1767268800000\nlifecycle_stage: active\nname: Default\n`,
  );
  assert.equal(
    read(p('meta.yaml')),
    [
      `artifact_uri: file://${out}/mlruns/0/${rid}/artifacts`,
      'end_time: 1767268805000',
      'entry_point_name: ""',
      'experiment_id: "0"',
      'lifecycle_stage: active',
      `run_id: ${rid}`,
      `run_name: ${RUN_ID}`,
      `run_uuid: ${rid}`,
      'source_name: ""',
      'source_type: 4',
      'source_version: c0ffee',
      'start_time: 1767268800000',
      'status: 3',
      'tags: []',
      'user_id: tester',
      '',
    ].join('\n'),
  );
  // <timestamp ms> <value> <step>: run start plus the epochs' durations; summary numbers at the last epoch.
  assert.equal(read(p('metrics/val_loss')), '1767268800500 1.5 1\n1767268800750 1.125 2\n');
  assert.equal(read(p('metrics/val_alone_ce.audio')), '1767268800500 2 1\n1767268800750 1.75 2\n');
  assert.equal(read(p('metrics/adversary_on')), '1767268800500 0 1\n1767268800750 1 2\n'); // booleans as 0/1
  assert.equal(read(p('metrics/test.accuracy')), '1767268805000 0.625 2\n');
  assert.equal(read(p('metrics/summary.samples_per_s')), '1767268805000 1500 2\n');
  assert.equal(read(p('params/train.epochs')), '2');
  assert.equal(read(p('params/dataset.modalities.audio.strength')), '1');
  assert.equal(read(p('tags/mlflow.runName')), RUN_ID);
  assert.equal(read(p('tags/mlflow.source.name')), 'mmc train');
  assert.equal(read(p('artifacts/metrics.csv')).split('\n')[0], 'epoch,step,lr,train_loss,val_loss,val_acc,samples_per_s,epoch_s,val_alone_ce.image,val_alone_ce.audio,adversary_on');
  assert.equal(read(p('artifacts/summary.json')), readFileSync(join(runDir, 'summary.json'), 'utf8'));
});

test('writeMlflow: exporting again replaces the run and keeps the experiment creation time', () => {
  const src = tmp();
  const runDir = fakeRun(src);
  const out = tmp();
  writeMlflow([readExportRun(runDir)], { out, experiment: 'ablation', now: 1000, user: 'u' });
  // The run changes (one more epoch); the export must not keep the old metric lines.
  writeFileSync(join(runDir, 'metrics.jsonl'), '{"epoch":1,"val_loss":9}\n');
  const r = writeMlflow([readExportRun(runDir)], { out, experiment: 'ablation', now: 2000, user: 'u' });
  const exp = experimentId('ablation');
  assert.deepEqual(readdirSync(join(out, 'mlruns')), [exp]);
  assert.deepEqual(readdirSync(join(out, 'mlruns', exp)).sort(), [mlflowRunId(exp, RUN_ID), 'meta.yaml'].sort());
  assert.equal(readFileSync(join(r.runs[0].dir, 'metrics', 'val_loss'), 'utf8'), '1767268800000 9 1\n');
  const meta = readFileSync(join(out, 'mlruns', exp, 'meta.yaml'), 'utf8');
  assert.match(meta, /^creation_time: 1000$/m);
  assert.match(meta, /^last_update_time: 2000$/m);
  assert.match(meta, /^name: ablation$/m);
  assert.match(meta, new RegExp(`^experiment_id: "${exp}"$`, 'm'));
});

test('an interrupted run without summary.json: status KILLED, no end time, per-epoch metrics only', () => {
  const runDir = fakeRun(tmp(), { status: 'interrupted', ended: null, summary: false });
  const out = tmp();
  const r = writeMlflow([readExportRun(runDir)], { out, now: 1, user: 'u' });
  const meta = readFileSync(join(r.runs[0].dir, 'meta.yaml'), 'utf8');
  assert.match(meta, /^status: 5$/m);
  assert.match(meta, /^end_time: null$/m);
  assert.ok(!readdirSync(join(r.runs[0].dir, 'metrics')).includes('test.accuracy'));
  assert.ok(!readdirSync(join(r.runs[0].dir, 'artifacts')).includes('summary.json'));
});

test('resolveExportArgs: a sweep folder gives its runs with sweep and job; a run named twice counts once', () => {
  const runs = tmp();
  const sweep = join(runs, '20260101-120000-sweep-tiny-000001');
  mkdirSync(join(sweep, 'runs'), { recursive: true });
  writeFileSync(join(sweep, 'sweep.json'), JSON.stringify({ id: '20260101-120000-sweep-tiny-000001', jobs: [] }));
  const a = fakeRun(join(sweep, 'runs'), { id: '20260101-120001-train-tiny-j000-aaaaaa' });
  fakeRun(join(sweep, 'runs'), { id: '20260101-120002-train-tiny-j001-bbbbbb', status: 'failed', summary: false });
  writeFileSync(join(sweep, 'results.jsonl'), JSON.stringify({ job: 'j000', status: 'finished', run: a, metrics: {} }) + '\n');
  const got = resolveExportArgs([sweep, a, '20260101-120000-sweep-tiny-000001'], runs);
  assert.deepEqual(got.map((r) => [r.id, r.sweep?.job]), [
    ['20260101-120001-train-tiny-j000-aaaaaa', 'j000'],
    ['20260101-120002-train-tiny-j001-bbbbbb', undefined],
  ]);
  assert.throws(() => resolveExportArgs([join(runs, 'nope')], runs), (e: Error) => e.name === 'UsageError' && e.message.includes(join(runs, 'nope')));

  const csv = runsToCsv(got).split('\n');
  assert.equal(csv[0], 'run_id,command,status,started,ended,sweep,job,parent,teacher,path,params.name,params.seed,params.dataset.name,params.dataset.modalities.image.strength,params.dataset.modalities.audio.strength,params.model.encoder.hidden,params.model.encoders,params.train.epochs,params.train.optimizer.eps,params.distill.teacher,metrics.epochs,metrics.steps,metrics.best_epoch,metrics.best_metric.value,metrics.final.val_acc,metrics.test.n,metrics.test.accuracy,metrics.samples_per_s');
  assert.equal(csv[1], `20260101-120001-train-tiny-j000-aaaaaa,train,finished,2026-01-01T12:00:00.000Z,2026-01-01T12:00:05.000Z,20260101-120000-sweep-tiny-000001,j000,,,${a},tiny,3,synthetic,2.5,1,"[16,8]",{},2,1e-8,null,2,16,2,1.125,0.5,256,0.625,1500`);
  assert.match(csv[2], /^20260101-120002-train-tiny-j001-bbbbbb,train,failed,.*,null(,){8}$/);
  assert.equal(csv.length, 4); // header, two rows, final newline
});
