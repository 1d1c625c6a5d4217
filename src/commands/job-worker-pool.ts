// Where a sweep job's `mmc` command line runs: a new process each (Slurm tasks, --process-per-job),
// or a warm job worker (src/cli/job-worker.ts) that runs one job after another — a local sweep's
// default, which spares each job after a worker's first the process start-up and V8's warm-up.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MMC_BIN } from '../bin-path.js';

/** What a job's command line left: exit code (null if killed by a signal), standard out and error. */
export interface JobOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A job worker's messages: the command line to run, and what it did. */
export interface JobRequest {
  argv: string[];
}
export interface JobReply extends JobOutput {
  code: number;
  retire: boolean; // the worker exits after this reply (the job failed, left tensors, or a signal came)
}

/** What a job's processes report to (a Slurm task forwards its signal to the running child). */
export type OnChild = (child: ChildProcess | null) => void;

/** Runs one `mmc` command line (without `mmc`). */
export type Exec = (args: string[], onChild?: OnChild) => Promise<JobOutput>;

/** A new `mmc` process for the command line. */
export const execProcess: Exec = (args, onChild) =>
  new Promise((resolveP) => {
    const p = spawn(process.execPath, [MMC_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    onChild?.(p);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => {
      onChild?.(null);
      resolveP({ code, stdout, stderr });
    });
  });

const WORKER_JS = fileURLToPath(new URL('../cli/job-worker.js', import.meta.url));

/**
 * One warm worker process at a time, running command lines in turn (one caller: a sweep's worker
 * slot). A retired or dead worker is replaced at the next command line; close() lets the current
 * one exit once idle.
 */
export function jobWorker(): { exec: Exec; close: () => void } {
  let current: { child: ChildProcess; run: (args: string[]) => Promise<JobOutput> } | null = null;
  const start = () => {
    const child = fork(WORKER_JS, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let pending: ((o: JobOutput) => void) | null = null;
    let stray = ''; // what reached the worker's own stdout/stderr (e.g. Node's crash report)
    child.stdout!.on('data', (d) => (stray += d));
    child.stderr!.on('data', (d) => (stray += d));
    const w = {
      child,
      run: (args: string[]) =>
        new Promise<JobOutput>((resolveP) => {
          stray = '';
          pending = resolveP;
          child.send({ argv: args } satisfies JobRequest);
        }),
    };
    child.on('message', (r: JobReply) => {
      if (r.retire && current === w) current = null;
      const done = pending;
      pending = null;
      done?.({ code: r.code, stdout: r.stdout, stderr: r.stderr });
    });
    child.on('exit', (code, signal) => {
      if (current === w) current = null;
      const done = pending;
      pending = null;
      done?.({ code: signal ? null : code, stdout: '', stderr: `${stray}job worker ${signal ? `killed by ${signal}` : `exited with code ${code}`} during the job\n` });
    });
    return w;
  };
  return {
    exec: (args) => (current ??= start()).run(args),
    close: () => {
      if (current?.child.connected) current.child.disconnect();
      current = null;
    },
  };
}
