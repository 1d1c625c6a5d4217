import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../errors.js';
import { latestRows, locateFolders, readAnalysis, readDiagnosis, readEbr, readEnv, readEvalFolder, readEvalResult, readMetrics, readReproduceProgress, readRunJson, readRunRecords, readSummary, readSweepRows, readSweepSpec, readTeachers, type SweepRow, type SweepSpec } from './index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mmc-records-'));
const metrics = { n: 4, accuracy: 0.5, macro_f1: 0.5, cross_entropy: 0.7 };
const RUN = { id: 'r1', command: 'train', argv: ['train'], status: 'finished', started: '2026-01-01T00:00:00.000Z', ended: '2026-01-01T00:00:05.000Z', config_hash: 'abc123def456', parent: null, teacher: null };
const SPEC: SweepSpec = { id: 's1', name: 's', command: 'train', config: 'base-config.yaml', sets: [], grid: [{ key: 'seed', values: ['1'] }], seeds: 2, vary_data_seed: true, analyze: false, jobs: [{ id: 'j000', values: {}, seed: 0 }, { id: 'j001', values: {}, seed: 1 }], created: '2026-01-01T00:00:00.000Z' };
const row = (job: string, status: SweepRow['status']): SweepRow => ({ job, status, seed: 0, values: {}, run: null, metrics: { test_acc: 0.5 } });

/** Each JSON record: its file, its reader, a well-formed record, and one missing a required key. */
const JSON_RECORDS: { file: string; read: (file: string) => unknown; good: unknown; missing: string }[] = [
  { file: 'run.json', read: readRunJson, good: RUN, missing: 'status' },
  { file: 'summary.json', read: readSummary, good: { run: 'r1', epochs: 2, best_epoch: 2, test: metrics }, missing: 'test' },
  { file: 'env.json', read: readEnv, good: { mmc: '0.1.0', node: 'v20', backend: { name: 'wasm' }, seed: 0 }, missing: 'backend' },
  { file: 'eval/test-best-zero-full.json', read: readEvalResult, good: { run: 'r1', split: 'test', protocol: 'zero', checkpoint: 'best', condition: { missing: [], rate: 0, seed: 0 }, metrics, all_present: metrics, per_modality: [] }, missing: 'condition' },
  { file: 'eval/analysis.json', read: readAnalysis, good: { run: 'r1', split: 'test', modalities: ['a'], rank: {}, contribution: {} }, missing: 'modalities' },
  { file: 'diagnosis.json', read: readDiagnosis, good: { kind: 'mmc-diagnosis', model: 'm.onnx', modalities: ['a'], measures: {}, verdicts: {} }, missing: 'verdicts' },
  { file: 'ebr.json', read: readEbr, good: { split: 'val', similarity: { 'a~b': 0.5 }, ranking: { a: ['b'], b: ['a'] }, disc_acc: 0.5, chance: 0.5, l_md: 0.7 }, missing: 'similarity' },
  { file: 'sweep.json', read: (f) => readSweepSpec(dirname(f)), good: SPEC, missing: 'jobs' },
  { file: 'reproduce.json', read: readReproduceProgress, good: { mode: 'quick', sweeps: {}, seconds: {} }, missing: 'mode' },
];

/** Throws a UsageError whose message is one line, starts with `file` and says `what`. */
function refused(f: () => unknown, file: string, what: RegExp) {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof UsageError, String(e));
    assert.ok(e.message.startsWith(`${file}`), e.message);
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, what);
    return true;
  });
}

for (const r of JSON_RECORDS) {
  test(`${r.file}: a well-formed record is read; a torn or foreign one is a one-line error naming the file`, () => {
    const file = join(tmp(), r.file);
    mkdirSync(dirname(file), { recursive: true });
    const text = JSON.stringify(r.good, null, 2) + '\n';
    writeFileSync(file, text);
    assert.deepEqual(r.read(file), r.good);
    writeFileSync(file, text.slice(0, text.length / 2)); // torn: a write cut short
    refused(() => r.read(file), file, /: not valid JSON \(/);
    writeFileSync(file, '[]');
    refused(() => r.read(file), file, /: not an? .* \(an array, not an object\)$/);
    const { [r.missing]: _dropped, ...rest } = r.good as Record<string, unknown>;
    writeFileSync(file, JSON.stringify(rest));
    refused(() => r.read(file), file, new RegExp(`: not an? .* \\(no "${r.missing}"\\)$`));
    writeFileSync(file, JSON.stringify({ ...rest, [r.missing]: true }));
    refused(() => r.read(file), file, new RegExp(`: not an? .* \\("${r.missing}" is not an? \\w+\\)$`));
  });
}

test('run.json keeps its messages: a torn one asks whether this is a run folder', () => {
  const file = join(tmp(), 'run.json');
  writeFileSync(file, '{"status": "fini');
  refused(() => readRunJson(file), file, /^\S+: not valid JSON \(.*\); is this a run folder\?$/);
  writeFileSync(file, '{}');
  refused(() => readRunJson(file), file, /: not a run record \(no "status"\)$/);
  refused(() => readRunJson(join(dirname(file), 'nope', 'run.json')), join(dirname(file), 'nope', 'run.json'), /: cannot read \(ENOENT\); is this a run folder\?$/);
});

test('optional records are null when absent', () => {
  const dir = tmp();
  assert.equal(readSummary(join(dir, 'summary.json')), null);
  assert.equal(readEnv(join(dir, 'env.json')), null);
  assert.equal(readReproduceProgress(join(dir, 'reproduce.json')), null);
  assert.deepEqual(readEvalFolder(dir), { results: [], analysis: null });
});

/** Each JSONL record: its file, its reader (of the folder), and a well-formed line. */
const LINE_RECORDS: { file: string; read: (dir: string) => unknown[]; good: unknown }[] = [
  { file: 'results.jsonl', read: readSweepRows, good: row('j000', 'finished') },
  { file: 'teachers.jsonl', read: readTeachers, good: { seed: 0, run: '/runs/t0' } },
  { file: 'metrics.jsonl', read: readMetrics, good: { epoch: 1, train_loss: 0.5, val_acc: 0.75 } },
];

for (const r of LINE_RECORDS) {
  test(`${r.file}: lines are read, a torn last line is dropped, a foreign line is a one-line error naming the file`, () => {
    const dir = tmp();
    const file = join(dir, r.file);
    assert.deepEqual(r.read(dir), []);
    const line = JSON.stringify(r.good);
    writeFileSync(file, `${line}\n${line}\n${line.slice(0, 9)}`); // a crash mid-append
    assert.deepEqual(r.read(dir), [r.good, r.good]);
    writeFileSync(file, `${line}\n[]\n`);
    refused(() => r.read(dir), file, /, line 2: not a .* \(an array, not an object\)$/);
  });
}

test('latestRows: the latest line per job, in job order', () => {
  const rows = [row('j001', 'failed'), row('j000', 'finished'), row('j001', 'finished'), row('j9', 'finished')];
  assert.deepEqual(latestRows(SPEC, rows), [rows[1], rows[2]]);
});

test('readRunRecords: every record of a run folder; a torn config.yaml names the file', () => {
  const dir = tmp();
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ ...RUN, id: undefined }));
  writeFileSync(join(dir, 'config.yaml'), 'name: tiny\ntrain:\n  epochs: 2\n');
  writeFileSync(join(dir, 'metrics.jsonl'), '{"epoch":1}\n');
  const r = readRunRecords(dir);
  assert.equal(r.id, dir.split('/').at(-1)); // no id in run.json: the folder's name
  assert.equal(r.run.status, 'finished');
  assert.deepEqual(r.config, { name: 'tiny', train: { epochs: 2 } });
  assert.deepEqual([r.summary, r.env, r.metrics], [null, null, [{ epoch: 1 }]]);
  writeFileSync(join(dir, 'config.yaml'), 'name: [tiny\n');
  refused(() => readRunRecords(dir), join(dir, 'config.yaml'), /: not valid YAML \(/);
  writeFileSync(join(dir, 'config.yaml'), '- a\n- b\n');
  refused(() => readRunRecords(dir), join(dir, 'config.yaml'), /: not a config \(an array, not an object\)$/);
});

test('readEvalFolder: eval results by file name, and the analysis apart', () => {
  const dir = tmp();
  mkdirSync(join(dir, 'eval'));
  const good = JSON_RECORDS.find((r) => r.file.startsWith('eval/test'))!.good;
  const analysis = JSON_RECORDS.find((r) => r.file === 'eval/analysis.json')!.good;
  for (const name of ['b.json', 'a.json']) writeFileSync(join(dir, 'eval', name), JSON.stringify(good));
  writeFileSync(join(dir, 'eval', 'analysis.json'), JSON.stringify(analysis));
  writeFileSync(join(dir, 'eval', 'notes.txt'), 'not a record');
  assert.deepEqual(readEvalFolder(dir), { results: [{ name: 'a.json', result: good }, { name: 'b.json', result: good }], analysis });
});

test('locateFolders: run and sweep folders by path or by name under the runs folder; anything else names the ref', () => {
  const runs = tmp();
  mkdirSync(join(runs, 'r1'));
  writeFileSync(join(runs, 'r1', 'run.json'), JSON.stringify(RUN));
  mkdirSync(join(runs, 's1'));
  writeFileSync(join(runs, 's1', 'sweep.json'), JSON.stringify(SPEC));
  assert.deepEqual(locateFolders([join(runs, 'r1'), 's1'], runs), [{ kind: 'run', dir: join(runs, 'r1') }, { kind: 'sweep', dir: join(runs, 's1') }]);
  refused(() => locateFolders(['nope'], runs), 'not a run or sweep folder: nope ', /no run\.json or sweep\.json in /);
});
