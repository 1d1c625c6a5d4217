// mmc reallocate and the substitute protocol, end to end on the quick config.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MMC_BIN, QUICK_CONFIG, REPO_ROOT } from '../src/test-support.js';

function mmc(args: string[]) {
  const r = spawnSync(process.execPath, [MMC_BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const runsDir = mkdtempSync(join(tmpdir(), 'mmc-ebr-'));
const timeless = (d: string) => readFileSync(join(d, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => {
  const { samples_per_s: _a, epoch_s: _b, ...rest } = JSON.parse(l);
  return rest;
});

test('reallocate logs the discriminator and g-space, stores the ranking, and eval substitutes', () => {
  const r = mmc(['reallocate', '--config', QUICK_CONFIG, '--set', 'train.epochs=4', '--set', 'ebr.alternate_k=2', '--runs-dir', runsDir, '--json', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(JSON.parse(readFileSync(join(out.run, 'run.json'), 'utf8')).command, 'reallocate');
  assert.match(readFileSync(join(out.run, 'config.yaml'), 'utf8'), /ebr:\n\s+enabled: true/);
  const recs = readFileSync(join(out.run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(recs.map((x) => x.adversary_on), [false, false, true, true]);
  for (const x of recs) {
    assert.ok(x.disc_acc >= 0 && x.disc_acc <= 1 && x.l_md > 0);
    assert.ok(Math.abs(x.g_cosine['image~audio']) <= 1);
  }
  const ebr = JSON.parse(readFileSync(join(out.run, 'ebr.json'), 'utf8'));
  assert.deepEqual(ebr.ranking, { image: ['audio'], audio: ['image'] });
  assert.equal(ebr.chance, 0.5);
  const e = mmc(['eval', '--run', out.run, '--missing-modality', 'audio', '--protocol', 'substitute', '--json']);
  assert.equal(e.code, 0, e.stderr);
  const ev = JSON.parse(e.stdout);
  assert.deepEqual(ev.substitutes, { audio: 'image' });
  assert.equal(ev.protocol, 'substitute');
  assert.ok(existsSync(join(out.run, 'eval', 'test-best-substitute-missing-audio-r1.json')));
  // Forcing the substitute (Table 6 analogue) and naming it in the file.
  const forced = mmc(['eval', '--run', out.run, '--missing-modality', 'audio', '--protocol', 'substitute', '--substitute-with', 'image', '--json']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.ok(existsSync(join(out.run, 'eval', 'test-best-substitute-missing-audio-r1-with-image.json')));
  assert.equal(mmc(['eval', '--run', out.run, '--missing-modality', 'audio', '--substitute-with', 'image']).code, 2);
  // Zero and mean keep working on an EBR run; substitution differs from zero-filling.
  const z = JSON.parse(mmc(['eval', '--run', out.run, '--missing-modality', 'audio', '--protocol', 'zero', '--json']).stdout);
  assert.notDeepEqual(z.metrics, ev.metrics);
  assert.equal(mmc(['eval', '--run', out.run, '--protocol', 'mean', '--json']).code, 0);
  // analyze works on an EBR model too, with missing-rate curves under all three protocols.
  const an = mmc(['analyze', '--run', out.run, '--json']);
  assert.equal(an.code, 0, an.stderr);
  const rob = JSON.parse(an.stdout).robustness;
  assert.equal(rob.missing_substitute.audio.y.length, 11);
  assert.equal(rob.missing_substitute.audio.y[0], rob.missing.audio.y[0]); // rate 0: nothing substituted
  // Its saved config is refused by mmc train (it needs mmc reallocate).
  const t = mmc(['train', '--config', join(out.run, 'config.yaml'), '--runs-dir', runsDir]);
  assert.equal(t.code, 2);
  assert.match(t.stderr, /run it with mmc reallocate/);
});

test('substitute on a run without g-space is a usage error; a resumed reallocate (substitution, a missing rate, ψ\'s own rate) equals an uninterrupted one', () => {
  const plain = JSON.parse(mmc(['train', '--config', QUICK_CONFIG, '--set', 'train.epochs=1', '--runs-dir', runsDir, '--json', '-q']).stdout).run;
  const e = mmc(['eval', '--run', plain, '--missing-modality', 'audio', '--protocol', 'substitute']);
  assert.equal(e.code, 2);
  assert.match(e.stderr, /only runs trained with mmc reallocate can substitute/);
  const args = ['reallocate', '--config', QUICK_CONFIG, '--set', 'train.epochs=4', '--set', 'ebr.alternate_k=0', '--set', 'ebr.form=reversal', '--set', 'ebr.train_substitution=0.3', '--set', 'train.missing_rate.audio=0.3', '--set', 'ebr.psi_lr=0.002', '--runs-dir', runsDir, '--json', '-q'];
  const full = JSON.parse(mmc(args).stdout).run;
  const stopped = mmc([...args, '--stop-after', '2']);
  const part = JSON.parse(stopped.stdout);
  assert.equal(part.status, 'interrupted');
  assert.match(stopped.stderr, /continue with: mmc reallocate --resume /, 'the hint names the verb that can resume it');
  assert.equal(mmc(['reallocate', '--resume', part.run, '--runs-dir', runsDir, '--json', '-q']).code, 0);
  assert.deepEqual(timeless(part.run), timeless(full));
  assert.equal(new Set(timeless(full).map((r) => r.num_tensors)).size, 1, 'no tensor growth across epochs');
  assert.deepEqual(readFileSync(join(part.run, 'checkpoints/last/weights.bin')), readFileSync(join(full, 'checkpoints/last/weights.bin')));
  assert.deepEqual(JSON.parse(readFileSync(join(part.run, 'ebr.json'), 'utf8')), JSON.parse(readFileSync(join(full, 'ebr.json'), 'utf8')));
  // Training-time substitution changes training (it is not a no-op) …
  const noSub = JSON.parse(mmc(args.map((a) => (a === 'ebr.train_substitution=0.3' ? 'ebr.train_substitution=0' : a))).stdout).run;
  assert.notDeepEqual(timeless(noSub), timeless(full));
  // … and so does ψ's own rate (ψ at the shared 0.01 otherwise).
  const sharedLr = JSON.parse(mmc(args.map((a) => (a === 'ebr.psi_lr=0.002' ? 'ebr.psi_lr=null' : a))).stdout).run;
  assert.notDeepEqual(timeless(sharedLr), timeless(full));
  // … and cannot be combined with modality dropout.
  const both = mmc([...args, '--set', 'train.modality_dropout=0.2']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /cannot both be on/);
});

const weights = (run: string, which = 'last') => readFileSync(join(run, 'checkpoints', which, 'weights.bin'));

test('ebr.substitution: eval_only and missing never substitute present data in training; missing substitutes the really absent', () => {
  const run = (sets: string[]) => {
    const r = mmc(['reallocate', '--config', QUICK_CONFIG, '--set', 'train.epochs=2', '--set', 'ebr.alternate_k=0', ...sets.flatMap((x) => ['--set', x]), '--runs-dir', runsDir, '--json', '-q']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).run as string;
  };
  const absent = 'train.missing_rate.audio=0.4';
  // eval_only trains exactly as random substitution at rate 0: nothing substituted in training.
  const evalOnly = run(['ebr.substitution=eval_only', absent]);
  assert.deepEqual(weights(evalOnly), weights(run(['ebr.substitution=random', 'ebr.train_substitution=0', absent])));
  // missing: nothing absent, nothing substituted (the same as eval_only) …
  assert.deepEqual(weights(run(['ebr.substitution=missing'])), weights(run(['ebr.substitution=eval_only'])));
  // … and with audio absent from 40 % of the samples, h_audio⁻¹(g_image) stands in for it there.
  assert.notDeepEqual(weights(run(['ebr.substitution=missing', absent])), weights(evalOnly));
  // Random drops with eval_only are a config error, before any run folder.
  const bad = mmc(['reallocate', '--config', QUICK_CONFIG, '--set', 'ebr.substitution=eval_only', '--set', 'ebr.train_substitution=0.3', '--runs-dir', runsDir]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /ebr\.substitution: eval_only rules out/);
});

test('train.select last: summary.json, ebr.json and eval\'s default come from checkpoints/last; val_missing_loss selects on substitution; resumes stay identical', () => {
  // lr 0.1 from the He draw: the best validation loss comes at epoch 1 of 4, so best and last differ
  // (the test needs them apart; from the torch draw this seed improves to the last epoch).
  const args = ['reallocate', '--config', QUICK_CONFIG, '--set', 'train.epochs=4', '--set', 'train.optimizer.lr=0.1', '--set', 'model.init=he', '--set', 'train.select=last', '--runs-dir', runsDir, '--json', '-q'];
  const out = JSON.parse(mmc(args).stdout);
  const s = JSON.parse(readFileSync(join(out.run, 'summary.json'), 'utf8'));
  assert.ok(s.best_epoch < s.epochs, `best epoch ${s.best_epoch} of ${s.epochs}`);
  assert.equal(s.test_checkpoint, 'last');
  const ev = JSON.parse(mmc(['eval', '--run', out.run, '--json']).stdout);
  assert.equal(ev.checkpoint, 'last');
  assert.deepEqual(s.test, ev.metrics);
  assert.notDeepEqual(s.test, JSON.parse(mmc(['eval', '--run', out.run, '--checkpoint', 'best', '--json']).stdout).metrics);
  assert.equal(JSON.parse(readFileSync(join(out.run, 'ebr.json'), 'utf8')).checkpoint, 'last');
  // The default still takes the best checkpoint.
  const best = JSON.parse(mmc(args.map((a) => (a === 'train.select=last' ? 'train.select=best' : a))).stdout);
  assert.equal(best.summary.test_checkpoint, 'best');
  assert.deepEqual(best.summary.test, JSON.parse(mmc(['eval', '--run', best.run, '--json']).stdout).metrics);

  // val_missing_loss under the substitute protocol, with natural-like missingness substituted in training and ψ's own rate: a resume is byte-identical.
  const sel = ['reallocate', '--config', QUICK_CONFIG, '--set', 'train.epochs=4', '--set', 'ebr.alternate_k=1', '--set', 'ebr.substitution=missing', '--set', 'train.missing_rate.audio=0.3', '--set', 'train.early_stopping.metric=val_missing_loss', '--set', 'eval.protocol=substitute', '--set', 'ebr.psi_lr=0.05', '--runs-dir', runsDir, '--json', '-q'];
  const full = JSON.parse(mmc(sel).stdout);
  const recs = timeless(full.run);
  for (const r of recs) assert.ok(Math.abs(r.val_missing_loss - (r.val_loss + r.val_missing_ce.image + r.val_missing_ce.audio) / 3) < 1e-12);
  assert.equal(full.summary.best_metric.name, 'val_missing_loss');
  assert.equal(full.summary.best_metric.value, Math.min(...recs.map((r) => r.val_missing_loss)));
  const part = JSON.parse(mmc([...sel, '--stop-after', '2']).stdout);
  assert.equal(part.status, 'interrupted');
  assert.equal(mmc(['reallocate', '--resume', part.run, '--runs-dir', runsDir, '--json', '-q']).code, 0);
  assert.deepEqual(timeless(part.run), recs);
  for (const which of ['last', 'best']) assert.deepEqual(weights(part.run, which), weights(full.run, which));
  assert.deepEqual(readFileSync(join(part.run, 'checkpoints/last/optimizer.bin')), readFileSync(join(full.run, 'checkpoints/last/optimizer.bin')));
  // Substituting needs a g-space: a plain train with this metric and protocol is refused before it starts.
  const plain = mmc(['train', '--config', QUICK_CONFIG, '--set', 'train.early_stopping.metric=val_missing_loss', '--set', 'eval.protocol=substitute', '--runs-dir', runsDir]);
  assert.equal(plain.code, 2);
  assert.match(plain.stderr, /val_missing_loss under eval\.protocol: substitute needs a g-space/);
});

test('a run saved before ebr.hinv_output (no key in config.yaml nor in the checkpoint) still evaluates with its ReLU h⁻¹', () => {
  const out = JSON.parse(mmc(['reallocate', '--config', QUICK_CONFIG, '--set', 'train.epochs=2', '--set', 'ebr.hinv_output=relu', '--runs-dir', runsDir, '--json', '-q']).stdout);
  const evalOf = () => JSON.parse(mmc(['eval', '--run', out.run, '--missing-modality', 'audio', '--protocol', 'substitute', '--json']).stdout).metrics;
  const before = evalOf();
  // Make it look like an old run: the config.yaml line and the specs' hinvOutput gone.
  const cfg = join(out.run, 'config.yaml');
  const text = readFileSync(cfg, 'utf8');
  assert.match(text, /\n\s+hinv_output: relu\n/);
  writeFileSync(cfg, text.replace(/\n\s+hinv_output: relu\n/, '\n'));
  for (const which of ['best', 'last']) {
    const f = join(out.run, 'checkpoints', which, 'model.json');
    const m = JSON.parse(readFileSync(f, 'utf8'));
    assert.equal(m.spec.ebr.hinvOutput, 'relu');
    delete m.spec.ebr.hinvOutput;
    writeFileSync(f, JSON.stringify(m, null, 2));
  }
  assert.deepEqual(evalOf(), before);
  assert.equal(mmc(['analyze', '--run', out.run, '--json']).code, 0);
});

test('reallocate with attention fusion: substitution in training and at eval, a flat tensor count, analyze under all three protocols', () => {
  const args = ['reallocate', '--config', QUICK_CONFIG, '--set', 'model.fusion.type=attention', '--set', 'train.epochs=4', '--set', 'ebr.alternate_k=0', '--set', 'ebr.train_substitution=0.3', '--set', 'train.missing_rate.audio=0.3', '--runs-dir', runsDir, '--json', '-q'];
  const r = mmc(args);
  assert.equal(r.code, 0, r.stderr);
  const run = JSON.parse(r.stdout).run;
  const recs = timeless(run);
  assert.equal(new Set(recs.map((x) => x.num_tensors)).size, 1, 'no tensor growth across epochs');
  assert.ok(recs.every((x) => Number.isFinite(x.train_loss) && x.disc_acc >= 0));
  const metrics: Record<string, unknown> = {};
  for (const protocol of ['zero', 'mean', 'substitute']) {
    const e = mmc(['eval', '--run', run, '--missing-modality', 'audio', '--protocol', protocol, '--json']);
    assert.equal(e.code, 0, e.stderr);
    metrics[protocol] = JSON.parse(e.stdout).metrics;
  }
  assert.notDeepEqual(metrics.substitute, metrics.zero, 'h_audio⁻¹(g_image) as a token is not masking audio');
  const an = mmc(['analyze', '--run', run, '--json']);
  assert.equal(an.code, 0, an.stderr);
  const a = JSON.parse(an.stdout);
  assert.equal(a.robustness.missing_substitute.audio.y.length, 11);
  assert.equal(a.rank.pooled.dims[1], 8);
});
