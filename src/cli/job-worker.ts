// A local sweep's job worker (forked by commands/job-worker-pool.ts): runs mmc command lines one
// after another in this process. Every job after the first skips Node's start-up and V8's warm-up
// (compiling tfjs and mmc: about 40 % of a small job's CPU) and reuses the embedded datasets already
// generated. A job must leave nothing the next could see, so the worker retires (exits after its
// reply) when a job failed, left tensors behind, or a signal asked the process to stop.
import * as tf from '@tensorflow/tfjs';
import { forgetFileDatasets } from '../commands/data-and-model.js';
import type { JobReply, JobRequest } from '../commands/job-worker-pool.js';
import { MMC_BIN } from '../bin-path.js';
import { stopWasRequested } from './common.js';
import { main } from './main.js';

let busy = false;
let orphaned = false; // the sweep process has gone: finish the job at hand (as an orphaned child would), then exit
process.on('disconnect', () => {
  orphaned = true;
  if (!busy) process.exit(0);
});
process.on('message', (m: JobRequest) => void runOne(m.argv));

/** What the job writes to standard out and error, kept for the reply (one job at a time). */
function capture(stream: NodeJS.WriteStream, into: string[]): () => void {
  const write = stream.write;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    if (cb) process.nextTick(cb);
    return true;
  }) as typeof stream.write;
  return () => {
    stream.write = write;
  };
}

async function runOne(argv: string[]): Promise<void> {
  busy = true;
  const out: string[] = [];
  const err: string[] = [];
  const restore = [capture(process.stdout, out), capture(process.stderr, err)];
  // The verbs record process.argv in run.json: the job's own, as if it had its own process.
  const ownArgv = process.argv;
  process.argv = [process.execPath, MMC_BIN, ...argv];
  restore.push(() => (process.argv = ownArgv));
  try {
    await main(['node', 'mmc', ...argv]); // sets process.exitCode; catches what the command throws
  } finally {
    for (const r of restore) r();
  }
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.exitCode = undefined;
  forgetFileDatasets();
  const retire = code !== 0 || tf.memory().numTensors !== 0 || stopWasRequested() || orphaned;
  const reply: JobReply = { code, stdout: out.join(''), stderr: err.join(''), retire };
  if (!process.connected) process.exit(0);
  process.send!(reply, () => {
    busy = false;
    if (retire || orphaned) process.exit(0);
  });
}
