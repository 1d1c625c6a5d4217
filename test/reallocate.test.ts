// mmc reallocate and the substitute protocol, end to end on the quick config.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
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

test('substitute on a run without g-space is a usage error; a resumed reallocate (substitution and a missing rate) equals an uninterrupted one', () => {
  const plain = JSON.parse(mmc(['train', '--config', QUICK_CONFIG, '--set', 'train.epochs=1', '--runs-dir', runsDir, '--json', '-q']).stdout).run;
  const e = mmc(['eval', '--run', plain, '--missing-modality', 'audio', '--protocol', 'substitute']);
  assert.equal(e.code, 2);
  assert.match(e.stderr, /only runs trained with mmc reallocate can substitute/);
  const args = ['reallocate', '--config', QUICK_CONFIG, '--set', 'train.epochs=4', '--set', 'ebr.alternate_k=0', '--set', 'ebr.form=reversal', '--set', 'ebr.train_substitution=0.3', '--set', 'train.missing_rate.audio=0.3', '--runs-dir', runsDir, '--json', '-q'];
  const full = JSON.parse(mmc(args).stdout).run;
  const part = JSON.parse(mmc([...args, '--stop-after', '2']).stdout);
  assert.equal(part.status, 'interrupted');
  assert.equal(mmc(['reallocate', '--resume', part.run, '--runs-dir', runsDir, '--json', '-q']).code, 0);
  assert.deepEqual(timeless(part.run), timeless(full));
  assert.equal(new Set(timeless(full).map((r) => r.num_tensors)).size, 1, 'no tensor growth across epochs');
  assert.deepEqual(readFileSync(join(part.run, 'checkpoints/last/weights.bin')), readFileSync(join(full, 'checkpoints/last/weights.bin')));
  assert.deepEqual(JSON.parse(readFileSync(join(part.run, 'ebr.json'), 'utf8')), JSON.parse(readFileSync(join(full, 'ebr.json'), 'utf8')));
  // Training-time substitution changes training (it is not a no-op) …
  const noSub = JSON.parse(mmc(args.map((a) => (a === 'ebr.train_substitution=0.3' ? 'ebr.train_substitution=0' : a))).stdout).run;
  assert.notDeepEqual(timeless(noSub), timeless(full));
  // … and cannot be combined with modality dropout.
  const both = mmc([...args, '--set', 'train.modality_dropout=0.2']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /cannot both be on/);
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
