// Crash safety end to end: real runs SIGKILLed at seeded random times and resumed end with the
// reference's weights and metrics; the run lock; SIGTERM / double SIGINT; non-finite losses.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { Rng } from '../src/core/rng.js';
import type { RunJson } from '../src/run/records/index.js';
import { effectiveStatus } from '../src/run/run-folder.js';
import { QUICK_CONFIG } from '../src/test-support.js';
import { difference, freshArgs, killResumeCase, metricsOf, runFolders, spawnMmc, timedRun, waitFor, type Done, type Ref } from './support/kill-resume.js';

const base = mkdtempSync(join(tmpdir(), 'mmc-crash-'));
const readRun = (d: string) => JSON.parse(readFileSync(join(d, 'run.json'), 'utf8')) as RunJson;
type Verb = 'train' | 'distill' | 'reallocate';
const refs = {} as Record<Verb, Ref>;
let lockCheck: { second: Done; firstPid: number; run: string };

before(async () => {
  // The train reference, with a second `train --resume` of it started while it runs: the lock test.
  const first = spawnMmc(freshArgs('train', join(base, 'ref-train')));
  const t0 = performance.now();
  await waitFor(() => runFolders(join(base, 'ref-train')).length > 0 && existsSync(join(runFolders(join(base, 'ref-train'))[0], 'lock')), 30_000, 'the reference run and its lock');
  const startMs = performance.now() - t0;
  const run = runFolders(join(base, 'ref-train'))[0];
  // Paused (SIGSTOP), the first process is alive but cannot finish before the second one checks.
  first.child.kill('SIGSTOP');
  const second = await spawnMmc(['train', '--resume', run, '--runs-dir', join(base, 'ref-train')]).done;
  first.child.kill('SIGCONT');
  const d = await first.done;
  assert.equal(d.code, 0, d.stderr);
  lockCheck = { second, firstPid: first.child.pid!, run };
  refs.train = { run, ms: d.ms - second.ms, startMs, stdout: d.stdout };
  for (const verb of ['reallocate', 'distill'] as const) refs[verb] = await timedRun(freshArgs(verb, join(base, `ref-${verb}`), refs.train.run), join(base, `ref-${verb}`));
});

test('a second --resume of a live run exits 2 naming the run and the pid; the first finishes untouched', () => {
  const { second, firstPid, run } = lockCheck;
  assert.equal(second.code, 2, second.stderr);
  const lines = second.stderr.trim().split('\n');
  assert.equal(lines.length, 1, second.stderr);
  assert.match(lines[0], new RegExp(`^mmc: error: run ${run.split('/').at(-1)} is in use by process ${firstPid}\\b`));
  const r = readRun(run);
  assert.equal(r.status, 'finished');
  assert.equal(r.resumed, undefined, 'the refused resume left run.json alone');
  assert.ok(!existsSync(join(run, 'lock')), 'the lock is released at the end');
});

test('SIGKILL at seeded random points during train, distill and reallocate: --resume ends identical to an uninterrupted run', async (t) => {
  const rng = new Rng(20250611);
  const verbs: Verb[] = ['train', 'distill', 'reallocate', 'train'];
  let kills = 0;
  let late = 0;
  let stale = 0;
  // Right after a kill: run.json says `running` (listings show `interrupted`) and the lock, if the
  // process got that far, still names the dead process; --resume takes it over. A kill that landed
  // after the run had finished finds it `finished`, and the --resume that follows is a no-op.
  const afterKill = (run: string | null, pid: number, isLate: boolean) => {
    if (!run) return;
    const r = readRun(run);
    assert.equal(r.status, isLate ? 'finished' : 'running');
    assert.equal(r.pid, pid);
    if (isLate) return;
    assert.equal(effectiveStatus(r), 'interrupted');
    if (existsSync(join(run, 'lock'))) stale++;
  };
  for (const [i, verb] of verbs.entries()) {
    const dir = join(base, `kill-${i}`);
    const r = await killResumeCase({ verb, runsDir: dir, teacher: refs.train.run, ref: refs[verb].run, refMs: refs[verb].ms, refStartMs: refs[verb].startMs, rng, maxKills: 1, startupKillP: 0, afterKill });
    assert.ok(r.identical, `${verb}: ${r.why}`);
    kills += r.kills;
    late += r.late;
    const run = readRun(r.run!);
    assert.equal(run.status, 'finished');
    // A resume of a finished run changes nothing, so only resumes of unfinished runs are recorded.
    assert.equal(run.resumed?.length ?? 0, r.resumes - r.late);
    assert.ok(!existsSync(join(r.run!, 'lock')));
    if (verb === 'reallocate') assert.ok(existsSync(join(r.run!, 'ebr.json')));
  }
  // How many kills landed mid-run depends on the machine's speed, so it is reported, not asserted.
  t.diagnostic(`${kills} kills while running (${stale} left a stale lock), ${late} after the run had finished`);
});

test('--resume of a finished run is a no-op success: exit 0, the same stdout as the run, nothing written (train, distill, reallocate)', async () => {
  const snapshot = (dir: string) => JSON.stringify(readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => { const f = join(e.parentPath, e.name); return [f, statSync(f).mtimeMs, readFileSync(f).toString('base64')]; }));
  for (const verb of ['train', 'distill', 'reallocate'] as const) {
    const { run, stdout } = refs[verb];
    const runsDir = join(run, '..');
    const before = snapshot(run);
    for (let i = 0; i < 2; i++) {
      const d = await spawnMmc([verb, '--resume', run, '--runs-dir', runsDir, '--json', '-q']).done;
      assert.equal(d.code, 0, `${verb}: ${d.stderr}`);
      assert.equal(d.stdout, stdout, `${verb}: --resume prints what the run printed at its end`);
    }
    // Without -q, one log line says so; the text output is the verb's usual one.
    const text = await spawnMmc([verb, '--resume', run, '--runs-dir', runsDir]).done;
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stderr, new RegExp(`run ${run.split('/').at(-1)} already finished; nothing to resume`));
    assert.match(text.stdout, new RegExp(`^run ${run}\nstatus finished\n`));
    assert.equal(snapshot(run), before, `${verb}: the run folder is untouched`);
  }
});

test('SIGTERM stops after the epoch (interrupted); a second SIGINT quits at once (interrupted, nothing torn); resume ends identical', async () => {
  const dir = join(base, 'signals');
  const epochs = () => (runFolders(dir).length && existsSync(join(runFolders(dir)[0], 'metrics.jsonl')) ? readFileSync(join(runFolders(dir)[0], 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).length : 0);
  const p = spawnMmc(freshArgs('train', dir));
  await waitFor(() => epochs() >= 1, 30_000, 'the first epoch');
  p.child.kill('SIGTERM');
  const d = await p.done;
  assert.equal(d.code, 0, d.stderr);
  assert.equal(JSON.parse(d.stdout).status, 'interrupted');
  const run = runFolders(dir)[0];
  assert.equal(readRun(run).status, 'interrupted');
  const stoppedAt = JSON.parse(readFileSync(join(run, 'checkpoints/last/state.json'), 'utf8')).epoch;
  assert.ok(stoppedAt < 6);
  assert.equal(metricsOf(run).length, stoppedAt);
  assert.ok(!existsSync(join(run, 'lock')));

  const q = spawnMmc(['train', '--resume', run, '--runs-dir', dir, '--json', '-q']);
  await waitFor(() => epochs() >= stoppedAt + 1, 30_000, 'an epoch of the resumed run');
  q.child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 30));
  q.child.kill('SIGINT');
  const t0 = performance.now();
  const e = await q.done;
  assert.ok(performance.now() - t0 < 1500, 'the second SIGINT quits promptly');
  if (e.code !== 130) {
    // A race the test cannot exclude: the epoch ended within those 30 ms, the first stop completed,
    // and the second signal reached a process already exiting. The run must still be interrupted.
    assert.match(e.stderr, /stopped after epoch \d+/, `exit ${e.code} (${e.signal}) without a completed stop: ${e.stderr}`);
    assert.ok(e.code === 0 || e.signal === 'SIGINT', `exit ${e.code} (${e.signal})`);
  }
  assert.equal(readRun(run).status, 'interrupted');
  assert.ok(!existsSync(join(run, 'lock')));
  metricsOf(run); // no torn line

  const f = await spawnMmc(['train', '--resume', run, '--runs-dir', dir, '--json', '-q']).done;
  assert.equal(f.code, 0, f.stderr);
  assert.equal(difference(run, refs.train.run), null);
  assert.equal(readRun(run).resumed?.length, 2);
});

// lr 3 with weight decay 1 multiplies the weights by about −2 per step: the loss overflows float32
// in epoch 4 (step 29, batch 5 of 8), deterministically; epochs 1–3 are finite.
const overflow = ['--config', QUICK_CONFIG, '--set', 'train.epochs=4', '--set', 'train.optimizer.lr=3', '--set', 'train.optimizer.weight_decay=1', '--json', '-q'];

test('a non-finite loss stops the run (exit 1, failed, epoch and step named); checkpoints/last stays the last good epoch; skip finishes', async () => {
  const dir = join(base, 'nan');
  const stop = await spawnMmc(['train', ...overflow, '--runs-dir', join(dir, 'stop')]).done;
  assert.equal(stop.code, 1, stop.stderr);
  const msg = stop.stderr.trim().split('\n').at(-1)!;
  assert.match(msg, /^mmc: failed: non-finite loss at epoch 4, step 29 \(batch 5 of 8\); the last good checkpoint is epoch 3 \(.*checkpoints\/last\), left untouched; rerun with train\.on_nonfinite=skip to skip such batches$/);
  const run = runFolders(join(dir, 'stop'))[0];
  const r = readRun(run);
  assert.equal(r.status, 'failed');
  assert.equal(`mmc: failed: ${r.error}`, msg);
  assert.equal(JSON.parse(readFileSync(join(run, 'checkpoints/last/state.json'), 'utf8')).epoch, 3);
  assert.deepEqual(metricsOf(run).map((m) => m.epoch), [1, 2, 3]);
  assert.ok(!existsSync(join(run, 'lock')));

  // skip: the same updates while they are finite (checked after 3 epochs), then the bad batches skipped.
  const part = await spawnMmc(['train', ...overflow, '--set', 'train.on_nonfinite=skip', '--stop-after', '3', '--runs-dir', join(dir, 'skip')]).done;
  assert.equal(part.code, 0, part.stderr);
  const skipRun = JSON.parse(part.stdout).run;
  assert.ok(readFileSync(join(skipRun, 'checkpoints/last/weights.bin')).equals(readFileSync(join(run, 'checkpoints/last/weights.bin'))), 'checkpoints/last of the failed run is its epoch 3');
  const done = await spawnMmc(['train', '--resume', skipRun, '--runs-dir', join(dir, 'skip'), '--json', '-q']).done;
  assert.equal(done.code, 0, done.stderr);
  assert.equal(JSON.parse(done.stdout).status, 'finished');
  const m = metricsOf(skipRun);
  assert.deepEqual(m.map((x) => x.skipped_batches), [0, 0, 0, 4]);
  assert.ok(m.every((x) => Number.isFinite(x.train_loss) && Number.isFinite(x.val_loss)));

  // skip, but a whole epoch bad: the run still stops.
  const all = await spawnMmc(['train', ...overflow, '--set', 'train.epochs=5', '--set', 'train.on_nonfinite=skip', '--runs-dir', join(dir, 'all')]).done;
  assert.equal(all.code, 1, all.stderr);
  assert.match(all.stderr, /mmc: failed: every batch of epoch 5 had a non-finite loss or gradient \(steps 33–40\), so all 8 were skipped; the last good checkpoint is epoch 4/);
  assert.equal(readRun(runFolders(join(dir, 'all'))[0]).status, 'failed');
});
