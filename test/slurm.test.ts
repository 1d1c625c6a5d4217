// `mmc sweep --executor slurm` against a real one-node Slurm cluster (scripts/slurm-local.sh up;
// .ci/run starts one and sets MMC_REQUIRE_SLURM=1). Without a reachable cluster these tests skip,
// unless MMC_REQUIRE_SLURM=1 makes that a failure.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MMC_BIN, QUICK_CONFIG, REPO_ROOT } from '../src/test-support.js';

function slurmSkipReason(): string | undefined {
  const r = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 15_000 });
  const up = r.status === 0 && /idle|mixed|allocated|completing/.test(r.stdout);
  if (up) return undefined;
  if (process.env.MMC_REQUIRE_SLURM === '1') throw new Error(`MMC_REQUIRE_SLURM=1 but no Slurm node answers (sinfo: ${r.error?.message ?? (r.stderr || r.stdout).trim()})`);
  return 'no Slurm cluster reachable (scripts/slurm-local.sh up; MMC_REQUIRE_SLURM=1 makes this a failure)';
}

const skip = slurmSkipReason();
const tmp = () => mkdtempSync(join(tmpdir(), 'mmc-slurm-'));
const FAST = ['--set', 'train.epochs=3'];

function mmc(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [MMC_BIN, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Row {
  job: string;
  status: string;
  run: string | null;
  error?: string;
  metrics: Record<string, number | null>;
}
interface Status {
  tasks: { job: string; state: string; task: string | null; detail?: string }[];
}

/** A row without what differs between two executions of the same job: its folder and its speed. */
const comparable = (r: Row) => ({ ...r, run: undefined, adopted: undefined, metrics: { ...r.metrics, samples_per_s: undefined } });

function sweepJson(out: string): { sweep: string; rows: Row[]; status: Status } {
  return JSON.parse(out);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

test('sweep --executor slurm --wait: the same 4 rows as the local executor (minus folders and timings)', { skip, timeout: 300_000 }, () => {
  const args = ['sweep', '--config', QUICK_CONFIG, '--grid', 'train.modality_dropout=0,0.3', '--seeds', '2', '--json', '-q'];
  const slurm = mmc([...args, '--runs-dir', tmp(), '--executor', 'slurm', '--wait']);
  assert.equal(slurm.code, 0, slurm.stderr);
  const local = mmc([...args, '--runs-dir', tmp()]);
  assert.equal(local.code, 0, local.stderr);
  const [s, l] = [sweepJson(slurm.stdout), sweepJson(local.stdout)];
  assert.equal(s.rows.length, 4);
  assert.deepEqual(s.status.tasks.map((t) => t.state), ['finished', 'finished', 'finished', 'finished']);
  const byJob = (rows: Row[]) => Object.fromEntries(rows.map((r) => [r.job, comparable(r)]));
  assert.deepEqual(byJob(s.rows), byJob(l.rows));
  // Each task wrote only its run folder, its task record and its own log; results.jsonl is the merge's.
  const spec = JSON.parse(readFileSync(join(s.sweep, 'sweep.json'), 'utf8'));
  assert.equal(spec.executor, 'slurm');
  // Arrays of at most MaxArraySize tasks (CI's cluster has 3: two arrays, the second of one task).
  const max = spec.slurm.max_array_size as number;
  assert.equal(max, Number(/MaxArraySize\s*=\s*(\d+)/.exec(spawnSync('scontrol', ['show', 'config'], { encoding: 'utf8' }).stdout)![1]));
  assert.deepEqual(spec.slurm.submissions.map((x: { jobs: string[] }) => x.jobs.length), max >= 4 ? [4] : [max, 4 - max]);
  for (const sub of spec.slurm.submissions) assert.match(sub.array_job_id, /^\d+$/);
  assert.deepEqual(readdirSync(join(s.sweep, 'tasks')).sort(), ['j000.json', 'j001.json', 'j002.json', 'j003.json']);
  const lines = readFileSync(join(s.sweep, 'results.jsonl'), 'utf8').trim().split('\n');
  assert.deepEqual(lines.map((l) => JSON.parse(l).job), ['j000', 'j001', 'j002', 'j003']);
});

test('failed tasks are reported with their reason: mmc\'s own error line, or Slurm\'s state when the batch script fails first', { skip, timeout: 300_000 }, () => {
  // The native backend asked for, with no OpenBLAS to be found: mmc train exits 2 in the task.
  const a = mmc(['sweep', '--config', QUICK_CONFIG, ...FAST, '--seeds', '1', '--runs-dir', tmp(), '--executor', 'slurm', '--backend', 'native', '--wait', '--json', '-q'], { MMC_OPENBLAS: '/nonexistent/libopenblas.so' });
  assert.equal(a.code, 1, a.stderr);
  const sa = sweepJson(a.stdout);
  assert.equal(sa.status.tasks[0].state, 'failed');
  assert.match(sa.status.tasks[0].detail ?? '', /backend "native" is not available/);
  assert.equal(sa.rows[0].status, 'failed');
  assert.match(sa.rows[0].error ?? '', /backend "native" is not available/);
  // The task's setup line fails before mmc starts: only Slurm knows (accounting or jobcomp).
  const b = mmc(['sweep', '--config', QUICK_CONFIG, ...FAST, '--seeds', '1', '--runs-dir', tmp(), '--executor', 'slurm', '--setup', 'exit 3', '--wait', '--json', '-q']);
  assert.equal(b.code, 1, b.stderr);
  const sb = sweepJson(b.stdout);
  assert.equal(sb.status.tasks[0].state, 'failed');
  assert.match(sb.status.tasks[0].detail ?? '', /^FAILED, exit 3:0$/);
  assert.deepEqual(sb.rows, []); // no run, no task record: no row
});

const LONG = ['--set', 'train.epochs=12', '--set', 'dataset.train_size=30000', '--set', 'train.early_stopping.patience=100'];

/** The job's run folders in a sweep. */
const jobRuns = (sweep: string, job: string) => (existsSync(join(sweep, 'runs')) ? readdirSync(join(sweep, 'runs')).filter((f) => f.includes(`-${job}-`)) : []);
const hasCheckpoint = (sweep: string, job: string) => jobRuns(sweep, job).some((f) => existsSync(join(sweep, 'runs', f, 'checkpoints', 'last')));

test('scancel: the running task shows as cancelled, the pending one as cancelled or lost; --resume --executor slurm resubmits only jobs without a finished run and resumes the interrupted one', { skip, timeout: 300_000 }, async () => {
  const runs = tmp();
  const made = mmc(['sweep', '--config', QUICK_CONFIG, ...LONG, '--seeds', '2', '--runs-dir', runs, '--executor', 'slurm', '--array-parallelism', '1', '--json', '-q']);
  assert.equal(made.code, 0, made.stderr);
  const { sweep } = sweepJson(made.stdout);
  const id = JSON.parse(readFileSync(join(sweep, 'sweep.json'), 'utf8')).slurm.submissions[0].array_job_id as string;
  // %1: task 1 waits while task 0 runs; cancel both once task 0's run has a checkpoint.
  await until('the first checkpoint of j000', () => hasCheckpoint(sweep, 'j000'));
  assert.equal(spawnSync('scancel', [id], { timeout: 15_000 }).status, 0);
  const waited = mmc(['sweep', '--status', sweep, '--wait', '--json', '-q']);
  assert.equal(waited.code, 1, 'cancelled tasks leave the sweep incomplete');
  const st = sweepJson(waited.stdout).status.tasks;
  assert.equal(st[0].state, 'cancelled', JSON.stringify(st[0]));
  // A pending array task cancelled before Slurm split it off leaves no record anywhere: lost, never finished.
  assert.ok(['cancelled', 'lost'].includes(st[1].state), `j001: ${st[1].state}`);
  const resumed = mmc(['sweep', '--resume', sweep, '--runs-dir', runs, '--wait', '--json', '-q']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const after = JSON.parse(readFileSync(join(sweep, 'sweep.json'), 'utf8'));
  assert.deepEqual(after.slurm.submissions.map((s: { jobs: string[] }) => s.jobs), [['j000', 'j001'], ['j000', 'j001']]);
  assert.deepEqual(sweepJson(resumed.stdout).rows.map((r) => [r.job, r.status]), [['j000', 'finished'], ['j001', 'finished']]);
  assert.equal(jobRuns(sweep, 'j000').length, 1, 'j000 went on with its interrupted run');
  // Resubmitting a finished sweep submits nothing.
  const again = mmc(['sweep', '--resume', sweep, '--runs-dir', runs, '--json', '-q']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(readFileSync(join(sweep, 'sweep.json'), 'utf8')).slurm.submissions.length, 2);
});

test('USR2 before the time limit: the task saves at the epoch\'s end, requeues itself, and the requeued task resumes that run to the same result', { skip, timeout: 300_000 }, async () => {
  const runs = tmp();
  const made = mmc(['sweep', '--config', QUICK_CONFIG, ...LONG, '--seeds', '1', '--runs-dir', runs, '--executor', 'slurm', '--json', '-q']);
  assert.equal(made.code, 0, made.stderr);
  const { sweep } = sweepJson(made.stdout);
  const id = JSON.parse(readFileSync(join(sweep, 'sweep.json'), 'utf8')).slurm.submissions[0].array_job_id as string;
  // Once the run has a checkpoint, send what --signal=B:USR2@90 sends before the limit.
  const runDir = () => {
    const d = join(sweep, 'runs');
    const f = existsSync(d) ? readdirSync(d) : [];
    return f.length ? join(d, f[0]) : null;
  };
  await until('the first checkpoint', () => {
    const r = runDir();
    return !!r && existsSync(join(r, 'checkpoints', 'last'));
  });
  assert.equal(spawnSync('scancel', ['--signal=USR2', '--batch', `${id}_0`], { timeout: 15_000 }).status, 0);
  const waited = mmc(['sweep', '--status', sweep, '--wait', '--json', '-q']);
  assert.equal(waited.code, 0, waited.stderr + waited.stdout);
  const rows = sweepJson(waited.stdout).rows;
  assert.equal(rows.length, 1);
  assert.equal(rows[0].status, 'finished');
  const folders = readdirSync(join(sweep, 'runs'));
  assert.equal(folders.length, 1, 'the requeued task resumed the run rather than starting another');
  const run = JSON.parse(readFileSync(join(sweep, 'runs', folders[0], 'run.json'), 'utf8'));
  assert.equal(run.status, 'finished');
  assert.equal(run.resumed?.length, 1, 'resumed once');
  const task = JSON.parse(readFileSync(join(sweep, 'tasks', 'j000.json'), 'utf8'));
  assert.equal(task.restart, 1);
  // One log across both starts (--open-mode=append): the first start's requeue line, then the second's end.
  const log = readFileSync(join(sweep, 'slurm', 'logs', `${id}_0.err`), 'utf8');
  assert.match(log, /SIGUSR2: stopping j000[\s\S]*requeued[\s\S]*j000: finished/);
  // The same job uninterrupted, locally: the same numbers.
  const local = mmc(['sweep', '--config', QUICK_CONFIG, ...LONG, '--seeds', '1', '--runs-dir', tmp(), '--json', '-q']);
  assert.equal(local.code, 0, local.stderr);
  assert.deepEqual(comparable(sweepJson(local.stdout).rows[0]), comparable(rows[0]));
});

test('distill sweeps: teacher arrays (one task per seed and --teacher-grid value), then the jobs waiting for them; rows as local; a failed teacher cancels its students with the reason', { skip, timeout: 300_000 }, () => {
  const small = ['--set', 'dataset.train_size=1000', '--set', 'train.epochs=3'];
  const teacher = ['--teacher-config', join(REPO_ROOT, 'configs/synthetic/collapse.yaml'), '--teacher-set', 'modalities=[image]', '--teacher-set', 'dataset.train_size=1000', '--teacher-set', 'train.epochs=3', '--teacher-grid', 'train.missing_rate.image'];
  const args = ['sweep', '--command', 'distill', '--config', join(REPO_ROOT, 'configs/kd/collapse-kd.yaml'), ...small, ...teacher, '--grid', 'train.missing_rate.image=0,0.5', '--seeds', '2', '--json', '-q'];
  const slurm = mmc([...args, '--runs-dir', tmp(), '--executor', 'slurm', '--wait']);
  assert.equal(slurm.code, 0, slurm.stderr);
  const local = mmc([...args, '--runs-dir', tmp()]);
  assert.equal(local.code, 0, local.stderr);
  const s = sweepJson(slurm.stdout);
  const byJob = (rows: Row[]) => Object.fromEntries(rows.map((r) => [r.job, comparable(r)]));
  assert.equal(s.rows.length, 4);
  assert.deepEqual(byJob(s.rows), byJob(sweepJson(local.stdout).rows));
  // Four teachers (2 seeds × 2 rates) in job order, split at the cluster's MaxArraySize (CI's: 3, so
  // arrays of 3 and 1); every job array waits for all teacher arrays.
  const slurmSpec = JSON.parse(readFileSync(join(s.sweep, 'sweep.json'), 'utf8')).slurm as { max_array_size: number; submissions: { kind?: string; seeds?: number[]; teachers?: string[]; after?: string[]; array_job_id: string }[] };
  const subs = slurmSpec.submissions;
  const chunks = <T>(xs: T[]) => Array.from({ length: Math.ceil(xs.length / slurmSpec.max_array_size) }, (_, i) => xs.slice(i * slurmSpec.max_array_size, (i + 1) * slurmSpec.max_array_size));
  const teacherSubs = subs.filter((x) => x.kind === 'teachers');
  assert.deepEqual(teacherSubs.map((x) => x.teachers), chunks(['s0-v0', 's1-v0', 's0-v1', 's1-v1']));
  assert.deepEqual(teacherSubs.map((x) => x.seeds), chunks([0, 1, 0, 1]));
  for (const sub of subs.filter((x) => x.kind !== 'teachers')) assert.deepEqual(sub.after, teacherSubs.map((x) => x.array_job_id));
  assert.deepEqual(readdirSync(join(s.sweep, 'teachers')).sort(), ['s0-v0.json', 's0-v1.json', 's1-v0.json', 's1-v1.json']);
  assert.deepEqual(JSON.parse(readFileSync(join(s.sweep, 'teachers', 's1-v1.json'), 'utf8')).values, { 'train.missing_rate.image': '0.5' });
  // The teachers cannot train (the native backend without OpenBLAS): their students never run.
  const failing = mmc([...args, '--seeds', '1', '--runs-dir', tmp(), '--executor', 'slurm', '--backend', 'native', '--wait'], { MMC_OPENBLAS: '/nonexistent/libopenblas.so' });
  assert.equal(failing.code, 1, failing.stderr);
  const f = sweepJson(failing.stdout);
  for (const t of f.status.tasks) {
    assert.ok(['cancelled', 'lost'].includes(t.state), `${t.job}: ${t.state}`);
    assert.match(t.detail ?? '', /the teacher of seed 0 at train\.missing_rate\.image=(0|0\.5) did not finish \(tasks\/teacher-s0-v[01]\.json\)$/);
  }
  const rec = JSON.parse(readFileSync(join(f.sweep, 'tasks', 'teacher-s0-v0.json'), 'utf8'));
  assert.equal(rec.status, 'failed');
  assert.match(rec.error, /backend "native" is not available/);
});

test('reproduce --executor slurm: tuning sweeps, then every sweep submitted at once, merged from run folders; the headline and tuning tables equal the local executor\'s', { skip, timeout: 600_000 }, () => {
  const args = ['reproduce', '--quick', '--only', 'synthetic-vanilla,synthetic-kd,missing-synthetic-vanilla', '--seeds', '2', '--json', '-q'];
  const [a, b] = [tmp(), tmp()];
  const slurm = mmc([...args, '--out', a, '--executor', 'slurm']);
  assert.equal(slurm.code, 0, slurm.stderr);
  const local = mmc([...args, '--out', b]);
  assert.equal(local.code, 0, local.stderr);
  const [hs, hl] = [readFileSync(join(a, 'headline.md'), 'utf8'), readFileSync(join(b, 'headline.md'), 'utf8')];
  assert.match(hs, /\| KD \(feature\) \(n=2\) \|/);
  assert.match(hs, /^## missing-synthetic-vanilla\n\n2 configurations × 2 seeds/m);
  assert.equal(hs, hl);
  const progress = JSON.parse(readFileSync(join(a, 'reproduce.json'), 'utf8'));
  for (const dir of Object.values(progress.sweeps) as string[]) assert.equal(JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')).executor, 'slurm');
  // Rerunning resumes: nothing left to submit, the same tables.
  const again = mmc([...args, '--out', a, '--executor', 'slurm']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(readFileSync(join(a, 'headline.md'), 'utf8'), hs);
  for (const dir of Object.values(progress.sweeps) as string[]) {
    const spec = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'));
    const jobArrays = (spec.slurm.submissions as { kind?: string }[]).filter((s) => s.kind !== 'teachers');
    assert.equal(jobArrays.length, Math.ceil(spec.jobs.length / spec.slurm.max_array_size), 'submitted once, not again on the rerun');
  }
});
