// Bad input, fuzzed: seeded mutations of configs, dataset folders and teacher runs. Every refusal is
// one line naming the file, key or path (exit 2 from the CLI, no stack), and no existing run changes.
// scripts/fuzz.mjs runs the same generators for as many cases as asked.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Rng } from '../src/core/rng.js';
import { MMC_BIN, QUICK_CONFIG, REPO_ROOT } from '../src/test-support.js';
import { BASE_CONFIG, corruptFolder, judgeConfig, judgeFolder, makeFolder, mutateConfig } from './fuzz-cases.js';
import { parseConfigText } from '../src/config/load.js';
import { MAX_DATA_VALUES, MAX_MODEL_PARAMS } from '../src/config/limits.js';

const tmp = (p = 'mmc-fuzz-') => mkdtempSync(join(tmpdir(), p));

test('150 seeded config mutations: each is accepted or refused in one line naming the file', () => {
  const rng = new Rng(20250101);
  const counts: Record<string, number> = {};
  for (let i = 0; i < 150; i++) {
    const { kind, text } = mutateConfig(rng);
    const v = judgeConfig(text, 'fuzz.yaml');
    counts[`${v.outcome}`] = (counts[v.outcome] ?? 0) + 1;
    assert.ok(v.ok, `case ${i} (${kind}): ${v.outcome} in ${v.ms} ms: ${v.message}`);
    if (v.outcome === 'refused') assert.match(v.message, /^fuzz\.yaml(:\d+:\d+)?: /, `case ${i} (${kind})`);
  }
  assert.equal(counts.crash ?? 0, 0);
  assert.ok((counts.refused ?? 0) > 75, JSON.stringify(counts)); // most mutations break something
});

test('the size limits: products of keys that each pass alone are refused, naming the keys', () => {
  const big = BASE_CONFIG.replace('train_size: 512', 'train_size: 10000000').replaceAll('input_dim: 16', 'input_dim: 65536');
  assert.throws(() => parseConfigText(big, 'f.yaml'), /f\.yaml:\d+:\d+: dataset\.train_size: \(train_size \+ val_size \+ test_size\) × .* values, over the limit of 268,435,456/);
  const wide = BASE_CONFIG.replace('hidden: [16]', 'hidden: [65536, 65536]');
  assert.throws(() => parseConfigText(wide, 'f.yaml'), /f\.yaml:\d+:\d+: model: the model would have about [\d,]+ parameters, over the limit of 67,108,864 .*model\.encoder\.hidden/);
  const batch = BASE_CONFIG.replace('train_size: 512', 'train_size: 1000000').replace('batch_size: 64', 'batch_size: 1000000').replace('hidden: [16]', 'hidden: [2048]');
  assert.throws(() => parseConfigText(batch, 'f.yaml'), /model: one batch of 1,000,000 rows .* activation values, over the limit .*train\.batch_size/);
  // Attention fusion: its blocks' parameters and activations count too.
  const att = BASE_CONFIG.replace('type: concat', 'type: attention\n    d_model: 4096\n    layers: 4');
  assert.throws(() => parseConfigText(att, 'f.yaml'), /f\.yaml:\d+:\d+: model: the model would have about [\d,]+ parameters, over the limit of 67,108,864 .*model\.fusion\.d_model, model\.fusion\.ff_dim, model\.fusion\.layers/);
  const deep = BASE_CONFIG.replace('train_size: 512', 'train_size: 1000000').replace('batch_size: 64', 'batch_size: 1000000');
  assert.doesNotThrow(() => parseConfigText(deep, 'f.yaml')); // concat: about 88 activations a row
  assert.throws(() => parseConfigText(deep.replace('type: concat', 'type: attention\n    layers: 16'), 'f.yaml'), /model: one batch of 1,000,000 rows .* activation values, over the limit .*train\.batch_size/);
  // Below the limits stays accepted (and the shipped configs are far below).
  assert.doesNotThrow(() => parseConfigText(BASE_CONFIG.replace('train_size: 512', 'train_size: 100000'), 'f.yaml'));
  assert.equal(MAX_DATA_VALUES, 2 ** 28);
  assert.equal(MAX_MODEL_PARAMS, 2 ** 26);
});

test('YAML resource attacks and odd keys are ConfigErrors, not ReferenceErrors or stderr warnings', () => {
  const bomb = 'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';
  assert.throws(() => parseConfigText(bomb, 'f.yaml'), /f\.yaml:\d+:\d+: invalid YAML: too many aliases expand/);
  assert.throws(() => parseConfigText('a: *nope\n', 'f.yaml'), /f\.yaml:1:4: invalid YAML: alias \*nope names no anchor/);
  assert.throws(() => parseConfigText(`${BASE_CONFIG}\n? [a, b]\n: 1\n`, 'f.yaml'), /f\.yaml:\d+:3: invalid YAML: a key must be a plain value/);
  assert.throws(() => parseConfigText('['.repeat(5000) + ']'.repeat(5000), 'f.yaml'), /f\.yaml:\d+:\d+: invalid YAML: nested too deeply/);
  assert.throws(() => parseConfigText(BASE_CONFIG.replace('epochs: 3', 'epochs: .inf'), 'f.yaml'), /train\.epochs: expected number, got Infinity \(not a finite number\)/);
  assert.throws(() => parseConfigText(BASE_CONFIG.replace('epochs: 3', 'epochs: 1152921504606846976'), 'f.yaml'), /train\.epochs: must be <=\d+, got number/);
  assert.throws(() => parseConfigText(BASE_CONFIG.replace('name: quick', `name: ${'a'.repeat(300)}`), 'f.yaml'), /f\.yaml:2:7: name: must be <=100 characters/);
});

test('60 corrupted dataset folders (.npy files and manifests): each refused in one line naming the path', () => {
  const rng = new Rng(7);
  const root = tmp('mmc-fuzz-folders-');
  const good = join(root, 'good');
  mkdirSync(good);
  makeFolder(good);
  assert.equal(judgeFolder(good).outcome, 'accepted');
  const kinds = new Map<string, number>();
  for (let i = 0; i < 60; i++) {
    const dir = join(root, `c${i}`);
    cpSync(good, dir, { recursive: true });
    const kind = corruptFolder(rng, dir);
    const v = judgeFolder(dir);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    assert.ok(v.ok, `case ${i} (${kind}): ${v.outcome}: ${v.message}`);
  }
  assert.ok(kinds.size >= 8, [...kinds.keys()].join(', '));
  rmSync(root, { recursive: true, force: true });
});

// ---- the CLI, end to end ----

function mmc(args: string[], timeout = 60_000) {
  const r = spawnSync(process.execPath, [MMC_BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

/** sha256 of every file under dir, by relative path. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[p.slice(dir.length)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

function assertRefused(r: ReturnType<typeof mmc>, names: RegExp, what: string) {
  assert.equal(r.signal, null, `${what}: killed by ${r.signal} (a hang?)`);
  assert.equal(r.code, 2, `${what}: exit ${r.code}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `${what}: stderr has ${lines.length} lines:\n${r.stderr}`);
  assert.match(lines[0], /^mmc: error: /, what);
  assert.match(lines[0], names, what);
  assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: a stack trace`);
}

test('the CLI refuses bad configs, datasets, teachers and run directories with exit 2 and one line; existing runs are untouched', async (t) => {
  const runs = tmp();
  const work = tmp('mmc-fuzz-work-');
  const trained = mmc(['train', '--config', QUICK_CONFIG, '--runs-dir', runs, '--json', '-q', '--set', 'train.epochs=1']);
  assert.equal(trained.code, 0, trained.stderr);
  const teacher = JSON.parse(trained.stdout).run as string;
  const before = snapshot(runs);
  const file = (name: string, text: string | Buffer) => {
    const p = join(work, name);
    writeFileSync(p, text);
    return p;
  };
  const train = (config: string, ...extra: string[]) => mmc(['train', '--config', config, '--runs-dir', runs, '-q', '--no-progress', ...extra]);

  const bomb = file('bomb.yaml', `${BASE_CONFIG}\nl0: &l0 [x,x,x,x,x,x,x,x,x,x]\nl1: &l1 [*l0,*l0,*l0,*l0,*l0,*l0,*l0,*l0,*l0,*l0]\nl2: [*l1,*l1,*l1,*l1,*l1,*l1,*l1,*l1,*l1,*l1]\n`);
  assertRefused(train(bomb), /bomb\.yaml:\d+:\d+: invalid YAML: too many aliases/, 'alias bomb');
  const junk = file('junk.yaml', Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 37) % 256)));
  assertRefused(train(junk), /junk\.yaml/, 'binary junk');
  assertRefused(train(file('empty.yaml', '')), /empty\.yaml: the config is empty/, 'empty file');
  assertRefused(train(QUICK_CONFIG, '--set', 'dataset.train_size=10000000', '--set', 'dataset.modalities.image.input_dim=65536', '--set', 'dataset.modalities.audio.input_dim=65536'), /--set .*dataset\.train_size: \(train_size \+ val_size \+ test_size\).*over the limit/, 'huge dataset');
  assertRefused(train(QUICK_CONFIG, '--set', 'model.encoder.hidden=[65536, 65536]'), /model: the model would have about .* parameters, over the limit/, 'huge model');
  assertRefused(train(QUICK_CONFIG, '--set', 'train.epochs=1152921504606846976'), /--set train\.epochs=1152921504606846976: train\.epochs: must be/, '2^60 epochs');

  // A folder dataset: a truncated .npy, and a model too big for its (valid) arrays.
  const folder = makeFolder(mkdtempSync(join(work, 'data-')));
  const folderCfg = (extra = '') => file('folder.yaml', `name: f\ndataset: {name: folder, path: ${folder}}\ntrain: {epochs: 1, batch_size: 4}\n${extra}`);
  const npy = join(folder, 'train_a.npy');
  const good = readFileSync(npy);
  writeFileSync(npy, good.subarray(0, good.length - 5));
  assertRefused(train(folderCfg()), new RegExp(`${npy.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*truncated data`), 'truncated .npy');
  writeFileSync(npy, good);
  assertRefused(train(folderCfg('model: {encoder: {hidden: [65536, 65536]}}\n')), /^mmc: error: model: the model would have about/, 'folder dataset, huge model');

  // Teachers: missing, trained on other data, torn run.json.
  assertRefused(mmc(['distill', '--config', QUICK_CONFIG, '--teacher', join(work, 'no-such-run'), '--runs-dir', runs, '-q']), /run not found: .*no-such-run/, 'missing teacher');
  assertRefused(mmc(['distill', '--config', QUICK_CONFIG, '--set', 'dataset.seed=8', '--teacher', teacher, '--runs-dir', runs, '-q']), /was trained on a different dataset \(dataset\.seed differs\)/, 'teacher on other data');
  const torn = join(work, 'torn-teacher');
  cpSync(teacher, torn, { recursive: true });
  writeFileSync(join(torn, 'run.json'), '{"status": "fini');
  assertRefused(mmc(['distill', '--config', QUICK_CONFIG, '--teacher', torn, '--runs-dir', runs, '-q']), /torn-teacher\/run\.json: not valid JSON/, 'torn teacher run.json');
  writeFileSync(join(torn, 'run.json'), readFileSync(join(teacher, 'run.json')));
  const w = join(torn, 'checkpoints', 'best', 'weights.bin');
  writeFileSync(w, readFileSync(w).subarray(0, 40));
  assertRefused(mmc(['distill', '--config', QUICK_CONFIG, '--teacher', torn, '--student-modality', 'audio', '--runs-dir', runs, '-q']), /teacher torn-teacher: cannot load .*weights\.bin is shorter/, 'truncated teacher weights');

  // Unwritable run directories.
  const aFile = file('a-file', 'x');
  assertRefused(train(QUICK_CONFIG, '--runs-dir', join(aFile, 'runs')), /cannot create runs directory .*a-file\/runs: ENOTDIR/, 'runs dir under a file');
  await t.test('chmod 555 runs directory', (s) => {
    const ro = join(work, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    if (process.getuid?.() === 0) return s.skip('running as root: chmod does not stop writes (the ENOTDIR case covers refused mkdir)');
    assertRefused(train(QUICK_CONFIG, '--runs-dir', ro), /ro: EACCES|permission denied/, 'read-only runs dir');
  });
  await t.test('full disk (64 KiB tmpfs)', (s) => {
    const small = join(work, 'small');
    mkdirSync(small);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small], { encoding: 'utf8' });
    if (m.status !== 0) return s.skip(`cannot mount a tmpfs here (${(m.stderr || m.error?.message || '').trim()})`);
    try {
      const r = train(QUICK_CONFIG, '--runs-dir', small);
      assertRefused(r, /cannot write \(no space left on the device, ENOSPC\)/, 'full disk');
      const tmpFiles = spawnSync('find', [small, '-name', '*.tmp'], { encoding: 'utf8' }).stdout.trim();
      assert.equal(tmpFiles, '', 'a temporary file was left behind');
    } finally {
      spawnSync('umount', [small]);
    }
  });

  assert.deepEqual(snapshot(runs), before, 'an existing run changed');
  assert.deepEqual(readdirSync(runs), [teacher.split('/').at(-1)], 'a refused command left a run folder');
});
