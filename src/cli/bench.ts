import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { selectBackend } from '../backend.js';
import type { BackendChoice } from '../config/schema.js';
import { runBench, runReference, type BenchModel, type BenchResult, type ReferenceResult } from '../commands/bench.js';
import { setFastOps } from '../core/ops/dense.js';
import { UsageError } from '../errors.js';
import { backendOption, printJson, quietOption } from './common.js';

interface BenchOpts {
  model: BenchModel;
  steps?: string;
  batch?: string;
  warmup: string;
  backend: BackendChoice;
  json?: boolean;
  quiet?: boolean;
  reference?: boolean;
  profile?: boolean;
  stock?: boolean;
  workers: string;
  python: string;
}

const MMC_BIN = fileURLToPath(new URL('../../../bin/mmc', import.meta.url));

function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} ${v}: expected a positive integer`);
  return n;
}

/** W copies of this benchmark at once, each its own process (wasm is one thread per process). */
async function runWorkers(w: number, args: string[]): Promise<BenchResult[]> {
  const runs = Array.from({ length: w }, () =>
    new Promise<BenchResult>((resolve, reject) => {
      const p = spawn(process.execPath, [MMC_BIN, 'bench', ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out).mmc as BenchResult) : reject(new Error(`worker exited ${code}: ${err.trim()}`))));
    }),
  );
  return Promise.all(runs);
}

export function benchCommand(): Command {
  return new Command('bench')
    .description('training-step throughput of the benchmark model, optionally beside the numpy reference')
    .addOption(new Option('--model <m>', 'mlp: the numpy reference model; conv: LeNet-style 28×28×1 encoder').choices(['mlp', 'conv']).default('mlp'))
    .option('--steps <n>', 'timed steps (default 200 mlp, 50 conv)')
    .option('--batch <b>', 'batch size (default 128 mlp, 64 conv)')
    .option('--warmup <n>', 'untimed steps first', '10')
    .addOption(backendOption('tfjs backend').default('auto'))
    .option('--reference', 'also run scripts/reference_mlp.py (numpy, one BLAS thread) and print the ratio')
    .option('--python <exe>', 'python for --reference', 'python3')
    .option('--profile', 'list the kernels that take the most time')
    .option('--stock', 'turn mmc\'s fast kernels off (stock tfjs autodiff and Adam ops)')
    .option('--workers <w>', 'run W benchmark processes at once and add up their throughput', '1')
    .option('--json', 'print the result as JSON')
    .addOption(quietOption())
    .action(async (o: BenchOpts) => {
      const model = o.model;
      const steps = positiveInt('--steps', o.steps ?? (model === 'mlp' ? '200' : '50'));
      const batch = positiveInt('--batch', o.batch ?? (model === 'mlp' ? '128' : '64'));
      const warmup = positiveInt('--warmup', o.warmup);
      const workers = positiveInt('--workers', o.workers);
      if (o.reference && model !== 'mlp') throw new UsageError('--reference exists for --model mlp only (the numpy reference is the MLP)');

      const out: { mmc?: BenchResult; workers?: { count: number; each: BenchResult[]; total_samples_per_s: number }; reference?: ReferenceResult[]; ratio?: number } = {};
      const refs: ReferenceResult[] = [];
      if (o.reference) refs.push(runReference(steps, batch, o.python));
      if (workers > 1) {
        const args = ['--model', model, '--steps', String(steps), '--batch', String(batch), '--warmup', String(warmup), '--backend', o.backend, ...(o.stock ? ['--stock'] : [])];
        const each = await runWorkers(workers, args);
        out.workers = { count: workers, each, total_samples_per_s: each.reduce((s, r) => s + r.samples_per_s, 0) };
      } else {
        const backend = await selectBackend(o.backend);
        setFastOps(o.stock ? 'off' : 'auto');
        if (!o.quiet) process.stderr.write(`mmc bench: ${model} on ${backend.name}${o.stock ? ' (stock kernels)' : ''}, batch ${batch}, ${steps} steps\n`);
        out.mmc = await runBench({ model, steps, batch, warmup, profile: !!o.profile, seed: 0 });
      }
      if (o.reference) {
        refs.push(runReference(steps, batch, o.python)); // before and after: machine drift shows as their difference
        out.reference = refs;
        const refRate = refs.reduce((s, r) => s + r.samples_per_s, 0) / refs.length;
        const mine = out.mmc ? out.mmc.samples_per_s : out.workers!.total_samples_per_s;
        out.ratio = Math.round((mine / refRate) * 1000) / 1000;
      }
      if (o.json) return printJson(out);
      const lines: string[] = [];
      const r = out.mmc;
      if (r) {
        lines.push(`mmc ${r.model} on ${r.backend}${r.fast_ops ? ' (fast kernels)' : ' (stock kernels)'}: ${r.ms_per_step} ms/step, ${r.samples_per_s} samples/s (batch ${r.batch}, ${r.steps} steps, ${r.params} parameters)`);
        lines.push(`numTensors ${r.num_tensors.start} → ${r.num_tensors.end}; RSS ${r.rss_mb.start} → ${r.rss_mb.end} MB, peak ${r.rss_mb.peak} MB`);
        if (r.profile) {
          lines.push('kernel                      ms/step  calls/step');
          for (const p of r.profile) lines.push(`${p.kernel.padEnd(26)} ${p.ms_per_step.toFixed(3).padStart(8)}  ${String(p.calls_per_step).padStart(10)}`);
        }
      }
      if (out.workers) {
        lines.push(`${out.workers.count} processes at once: ${out.workers.each.map((e) => e.samples_per_s).join(' + ')} = ${out.workers.total_samples_per_s} samples/s`);
      }
      if (out.reference) {
        lines.push(`numpy reference (1 BLAS thread): ${out.reference.map((x) => `${x.ms_per_step} ms/step ${x.samples_per_s} samples/s`).join('; then ')}`);
        lines.push(`ratio mmc / reference: ${out.ratio}`);
      }
      process.stdout.write(lines.join('\n') + '\n');
    });
}
