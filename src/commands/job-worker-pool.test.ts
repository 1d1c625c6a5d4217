// Job workers: a warm process runs a sweep's jobs in turn and must leave the same run folders a new
// process per job leaves; a failed or killed job's worker is replaced.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { QUICK_CONFIG } from '../test-support.js';
import { createLogger } from '../run/logger.js';
import { jobWorker } from './job-worker-pool.js';
import { createSweep, runSweep } from './sweep.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'mmc-workers-'));
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const train = (runs: string, sets: string[] = []) => ['train', '--config', QUICK_CONFIG, '--set', 'train.epochs=3', ...sets.flatMap((s) => ['--set', s]), '--seed', '1', '--runs-dir', runs, '--json', '-q', '--no-progress'];

/** What a run folder says about the model and data, without what names the folder, the process or the clock. */
function content(run: string) {
  const { run: _r, file: _f, ...analysis } = json(join(run, 'eval', 'analysis.json'));
  const { seconds: _s, samples_per_s: _p, run: _sr, ...summary } = json(join(run, 'summary.json'));
  const { argv, pid: _pid, pid_start: _ps, host: _h, id: _id, started: _st, ended: _e, ...runJson } = json(join(run, 'run.json'));
  return { analysis, summary, runJson, argv: (argv as string[]).filter((a) => !a.includes('/')), weights: readFileSync(join(run, 'checkpoints', 'best', 'weights.bin')).toString('base64'), env: readFileSync(join(run, 'env.json'), 'utf8').replaceAll('/dist-test/', '/dist/') /* tests' workers run the test build */, config: readFileSync(join(run, 'config.yaml'), 'utf8') };
}

test('a sweep on one job worker writes the run folders a new process per job writes, in one process', async () => {
  const log = createLogger({ quiet: true });
  const folders: Record<string, string[]> = {};
  for (const processPerJob of [false, true]) {
    const s = createSweep({ configPath: QUICK_CONFIG, sets: ['train.epochs=3'], grid: [{ key: 'train.missing_rate.image', values: ['0', '0.5'] }], seeds: 2, varyDataSeed: true, analyze: true, runsDir: tmp() });
    const rows = await runSweep(s.dir, s.spec, { workers: 1, log, processPerJob });
    assert.deepEqual(rows.map((r) => r.status), ['finished', 'finished', 'finished', 'finished'], JSON.stringify(rows.map((r) => r.error)));
    folders[String(processPerJob)] = rows.map((r) => r.run!);
  }
  const [warm, fresh] = [folders.false, folders.true];
  for (let i = 0; i < warm.length; i++) assert.deepEqual(content(warm[i]), content(fresh[i]), `job ${i}`);
  // The warm sweep ran every job in one process (its own pid in each run.json), the other in four.
  const pids = (runs: string[]) => new Set(runs.map((r) => json(join(r, 'run.json')).pid));
  assert.equal(pids(warm).size, 1);
  assert.equal(pids(fresh).size, 4);
  assert.notEqual([...pids(warm)][0], process.pid);
  // Each run recorded its own command line, as its own process would have.
  assert.deepEqual(json(join(warm[1], 'run.json')).argv.slice(0, 1), ['train']);
  assert.ok(json(join(warm[1], 'run.json')).argv.includes('train.missing_rate.image=0'));
});

test('a job worker that ran a failing job is replaced; output and exit code come back as from a process', async () => {
  const runs = tmp();
  const w = jobWorker();
  try {
    const pidOf = (stdout: string) => json(join(JSON.parse(stdout).run, 'run.json')).pid as number;
    const a = await w.exec(train(runs));
    assert.equal(a.code, 0, a.stderr);
    const b = await w.exec(train(runs, ['train.epochs=zero']));
    assert.equal(b.code, 2);
    assert.equal(b.stdout, '');
    assert.match(b.stderr, /^mmc: error: .*train\.epochs/m);
    const c = await w.exec(train(runs));
    const d = await w.exec(train(runs));
    assert.equal(c.code, 0, c.stderr);
    assert.notEqual(pidOf(c.stdout), pidOf(a.stdout), 'the worker that failed a job retired');
    assert.equal(pidOf(d.stdout), pidOf(c.stdout), 'a worker whose job succeeded runs the next');
  } finally {
    w.close();
  }
});

test('a job worker killed during a job: the job fails with the signal named, and the next job gets a new worker', async () => {
  const runs = tmp();
  const w = jobWorker();
  try {
    // Long enough that it is still training when run.json appears and the worker is killed.
    const long = w.exec(train(runs, ['train.epochs=100000']));
    let pid: number | undefined;
    while (pid === undefined) {
      await new Promise((r) => setTimeout(r, 50));
      const run = readdirSync(runs).find((f) => existsSync(join(runs, f, 'run.json')));
      if (run) pid = json(join(runs, run, 'run.json')).pid;
    }
    process.kill(pid!, 'SIGKILL');
    const r = await long;
    assert.equal(r.code, null);
    assert.match(r.stderr, /job worker killed by SIGKILL during the job/);
    const next = await w.exec(train(runs));
    assert.equal(next.code, 0, next.stderr);
    assert.notEqual(json(join(JSON.parse(next.stdout).run, 'run.json')).pid, pid);
  } finally {
    w.close();
  }
});
