// Kill-and-resume harness shared by test/crash.test.ts and scripts/kill-resume.sh: real `mmc`
// processes of a tiny config, SIGKILLed at seeded random times, resumed until they finish, and
// compared with an uninterrupted reference run (weights bytes, metrics minus wall-clock fields).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { MMC_BIN, QUICK_CONFIG, REPO_ROOT } from '../../src/test-support.js';

export interface Done {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Start `mmc ARGS`; `done` resolves when it exits (killed or not). */
export function spawnMmc(args: string[]): { child: ChildProcess; done: Promise<Done> } {
  const t0 = performance.now();
  const child = spawn(process.execPath, [MMC_BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Done>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 })));
  return { child, done };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait until `cond()` holds (polling), or fail after `ms`. */
export async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The run folders (with run.json) under runsDir. */
export function runFolders(runsDir: string): string[] {
  if (!existsSync(runsDir)) return [];
  return readdirSync(runsDir)
    .sort()
    .map((n) => join(runsDir, n))
    .filter((d) => existsSync(join(d, 'run.json')));
}

const WALL_CLOCK = new Set(['samples_per_s', 'epoch_s', 'timestamp', 'time', 'started', 'ended']);

/** metrics.jsonl records without wall-clock fields; throws on a torn line. */
export function metricsOf(run: string): Record<string, unknown>[] {
  const text = readFileSync(join(run, 'metrics.jsonl'), 'utf8');
  if (text.length && !text.endsWith('\n')) throw new Error(`${run}/metrics.jsonl ends with a torn line`);
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => Object.fromEntries(Object.entries(JSON.parse(l) as Record<string, unknown>).filter(([k]) => !WALL_CLOCK.has(k))));
}

/** Why run `a` differs from reference `b` (weights of last and best, metrics), or null when identical. */
export function difference(a: string, b: string): string | null {
  for (const f of ['checkpoints/last/weights.bin', 'checkpoints/best/weights.bin', 'checkpoints/last/optimizer.bin']) {
    if (!existsSync(join(a, f))) return `${f} missing`;
    if (!readFileSync(join(a, f)).equals(readFileSync(join(b, f)))) return `${f} differs`;
  }
  const ma = metricsOf(a);
  const mb = metricsOf(b);
  const epochs = ma.map((r) => r.epoch);
  if (new Set(epochs).size !== epochs.length) return `duplicated metrics records (epochs ${epochs.join(',')})`;
  if (JSON.stringify(ma) !== JSON.stringify(mb)) return `metrics.jsonl differs (${ma.length} records vs ${mb.length})`;
  const status = JSON.parse(readFileSync(join(a, 'run.json'), 'utf8')).status;
  if (status !== 'finished') return `run.json status ${status}`;
  return null;
}

/** A tiny run of each kind; `teacher` is a finished train run (distill). */
export function freshArgs(verb: 'train' | 'distill' | 'reallocate', runsDir: string, teacher?: string): string[] {
  const common = ['--config', QUICK_CONFIG, '--runs-dir', runsDir, '--json', '-q', '--set', 'train.epochs=5'];
  if (verb === 'train') return ['train', ...common, '--set', 'train.modality_dropout=0.2', '--set', 'train.schedule.type=cosine'];
  if (verb === 'distill') return ['distill', ...common, '--teacher', teacher!, '--student-modality', 'audio'];
  return ['reallocate', ...common, '--set', 'ebr.alternate_k=2'];
}

/** Whether `runsDir` holds a run whose lock names process `pid` (it has started training or resuming). */
export function lockedBy(runsDir: string, pid: number | undefined): boolean {
  for (const d of runFolders(runsDir)) {
    try {
      if ((JSON.parse(readFileSync(join(d, 'lock'), 'utf8')) as { pid: number }).pid === pid) return true;
    } catch {
      /* no lock, or being written */
    }
  }
  return false;
}

/** Run `args` to the end; `startMs`: when its run's lock appeared (start-up: node, tfjs, data), `ms`: the whole run. */
export async function timedRun(args: string[], runsDir: string): Promise<Ref> {
  const p = spawnMmc(args);
  const t0 = performance.now();
  let startMs = NaN;
  let ended = false;
  void p.done.then(() => (ended = true));
  while (!ended && Number.isNaN(startMs)) {
    if (lockedBy(runsDir, p.child.pid)) startMs = performance.now() - t0;
    else await sleep(10);
  }
  const done = await p.done;
  if (done.code !== 0) throw new Error(`${args.join(' ')} exited ${done.code}: ${done.stderr}`);
  return { run: (JSON.parse(done.stdout) as { run: string }).run, ms: done.ms, startMs: Number.isNaN(startMs) ? 0 : startMs, stdout: done.stdout };
}

export interface CaseResult {
  verb: string;
  kills: number; // SIGKILLs that landed while the run was still going (run.json not yet `finished`)
  late: number; // SIGKILLs that landed after run.json said `finished` (the process was exiting): a valid outcome
  resumes: number; // `--resume` invocations
  restarts: number; // fresh starts because a kill came before the run folder had run.json
  identical: boolean;
  why: string | null;
  run: string | null;
}

/** Epochs of every run made by freshArgs (train.epochs=5). */
export const EPOCHS = 5;

const metricsLines = (run: string | null): number => {
  try {
    return run ? readFileSync(join(run, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).length : 0;
  } catch {
    return 0;
  }
};

/**
 * One case: start a fresh run and SIGKILL it at a point drawn from `rng`, resume it (killing each
 * attempt again while `maxKills` allows and `rng` says so), until it finishes; then compare with the
 * reference run. A kill is placed on an observable event plus a random offset: once the process
 * holds the run's lock and metrics.jsonl has k records (k drawn from 0..EPOCHS−1), it waits a random
 * fraction of 1.2 reference epochs. Such a kill can still land after the run finished (the last
 * epoch, a loaded machine); that is a valid outcome, counted as `late`, and the following `--resume`
 * must then be a no-op success that leaves the same result.
 */
export async function killResumeCase(o: { verb: 'train' | 'distill' | 'reallocate'; runsDir: string; teacher?: string; ref: string; refMs: number; refStartMs: number; rng: Rng; maxKills: number; killAgainP?: number; startupKillP?: number; afterKill?: (run: string | null, pid: number, late: boolean) => void }): Promise<CaseResult> {
  const res: CaseResult = { verb: o.verb, kills: 0, late: 0, resumes: 0, restarts: 0, identical: false, why: null, run: null };
  const epochMs = (o.refMs - o.refStartMs) / EPOCHS;
  for (let attempt = 0; attempt < 40; attempt++) {
    const run = runFolders(o.runsDir)[0] ?? null;
    const args = run ? [o.verb, '--resume', run, '--runs-dir', o.runsDir, '--json', '-q'] : freshArgs(o.verb, o.runsDir, o.teacher);
    if (run) res.resumes++;
    else if (attempt > 0) res.restarts++;
    const kill = res.kills + res.late < o.maxKills && (attempt === 0 || o.rng.uniform() < (o.killAgainP ?? 0));
    const p = spawnMmc(args);
    let ended = false;
    void p.done.then(() => (ended = true));
    if (kill) {
      // Mostly while it trains, sometimes during start-up (before or while the folder is made).
      if (o.rng.uniform() < (o.startupKillP ?? 0.15)) await sleep(o.rng.uniform() * o.refStartMs);
      else {
        const k = Math.floor(o.rng.uniform() * EPOCHS);
        const at = o.rng.uniform() * 1.2 * epochMs;
        while (!ended && !lockedBy(o.runsDir, p.child.pid)) await sleep(5);
        while (!ended && metricsLines(runFolders(o.runsDir)[0] ?? null) < k) await sleep(5);
        await sleep(at);
      }
      p.child.kill('SIGKILL');
    }
    const d = await p.done;
    if (d.signal === 'SIGKILL') {
      // The process is dead: run.json now says what it had reached.
      const killed = runFolders(o.runsDir)[0] ?? null;
      const late = killed !== null && (JSON.parse(readFileSync(join(killed, 'run.json'), 'utf8')) as { status: string }).status === 'finished';
      if (late) res.late++;
      else res.kills++;
      o.afterKill?.(killed, p.child.pid!, late);
      continue;
    }
    if (d.code !== 0) {
      res.why = `${args.join(' ')} exited ${d.code}: ${d.stderr.trim().split('\n').at(-1)}`;
      return res;
    }
    res.run = (JSON.parse(d.stdout) as { run: string }).run;
    if (JSON.parse(d.stdout).status !== 'finished') continue;
    res.why = difference(res.run, o.ref);
    res.identical = res.why === null;
    return res;
  }
  res.why = 'did not finish in 40 attempts';
  return res;
}

/** Reference runs of the three kinds (the train reference is the distill teacher), with their durations. */
export type Ref = { run: string; ms: number; startMs: number; stdout: string };
export async function references(runsDir: string): Promise<Record<'train' | 'distill' | 'reallocate', Ref>> {
  const out: Partial<Record<'train' | 'distill' | 'reallocate', Ref>> = {};
  for (const verb of ['train', 'reallocate', 'distill'] as const) {
    const dir = join(runsDir, `ref-${verb}`);
    out[verb] = await timedRun(freshArgs(verb, dir, out.train?.run), dir);
  }
  return out as Record<'train' | 'distill' | 'reallocate', Ref>;
}

/** scripts/kill-resume.sh N: N kills spread over train, distill and reallocate cases. */
async function soak(n: number, seed: number, base: string): Promise<void> {
  const t0 = performance.now();
  const refs = await references(base);
  process.stderr.write(`references: ${Object.entries(refs).map(([v, r]) => `${v} ${(r.ms / 1000).toFixed(1)} s (start-up ${(r.startMs / 1000).toFixed(1)} s)`).join(', ')}\n`);
  const rng = new Rng(seed);
  const verbs = ['train', 'distill', 'reallocate'] as const;
  const totals = { cases: 0, kills: 0, late: 0, unkilled: 0, resumes: 0, restarts: 0, identical: 0, different: 0 };
  for (let i = 0; totals.kills + totals.late < n; i++) {
    const verb = verbs[i % 3];
    const r = await killResumeCase({ verb, runsDir: join(base, `case-${i}`), teacher: refs.train.run, ref: refs[verb].run, refMs: refs[verb].ms, refStartMs: refs[verb].startMs, rng, maxKills: Math.min(3, n - totals.kills - totals.late), killAgainP: 0.5 });
    totals.cases++;
    totals.kills += r.kills;
    totals.late += r.late;
    if (r.kills + r.late === 0) totals.unkilled++; // it ended before the drawn kill point came
    totals.resumes += r.resumes;
    totals.restarts += r.restarts;
    if (r.identical) totals.identical++;
    else totals.different++;
    process.stderr.write(`case ${i} ${verb}: ${r.kills} kills${r.late ? ` (+${r.late} after it had finished)` : ''}, ${r.resumes} resumes, ${r.restarts} restarts: ${r.identical ? 'identical' : `DIFFERENT (${r.why})`}\n`);
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(0);
  process.stdout.write(JSON.stringify({ ...totals, seed, seconds: Number(secs), dir: base }) + '\n');
  process.stdout.write(`${totals.kills + totals.late} kills (${totals.kills} while running, ${totals.late} after the run had finished), ${totals.resumes} resumes, ${totals.restarts} restarts over ${totals.cases} runs (${totals.unkilled} ended before their kill point): ${totals.identical} identical to the reference, ${totals.different} different (${secs} s)\n`);
  if (totals.different) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const n = Number(process.argv[2] ?? 12);
  const seed = Number(process.argv[3] ?? 1);
  const base = process.argv[4];
  if (!Number.isInteger(n) || n < 1 || !base) {
    process.stderr.write('usage: node dist-test/test/support/kill-resume.js N SEED DIR\n');
    process.exit(2);
  }
  await soak(n, seed, base);
}
