import { spawn } from 'node:child_process';
import { Command, Option } from 'commander';
import { selectBackend } from '../backend.js';
import type { BackendChoice } from '../config/schema.js';
import { runBench, runReference, type BenchModel, type BenchResult, type ReferenceResult } from '../commands/bench.js';
import { setFastOps } from '../core/ops/dense.js';
import { UsageError } from '../errors.js';
import type { NativeInfo } from '../native/addon.js';
import { backendOption, parseThreads, printJson, quietOption, threadsOption } from './common.js';
import { MMC_BIN } from '../bin-path.js';

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
  threads?: string;
  machineEnv?: boolean; // internal: this process is the "both unset" half of --reference
}

/** The OpenBLAS settings a machine may set for every program (numpy reads them too). */
const BLAS_ENV = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

type BenchOut = {
  mmc?: BenchResult;
  blas?: NativeInfo;
  workers?: { count: number; each: BenchResult[]; total_samples_per_s: number };
  reference?: ReferenceResult[];
  ratio?: number;
  blas_env?: Partial<Record<(typeof BLAS_ENV)[number], string>>; // as set when the command started
  unset?: { mmc: BenchResult; reference: ReferenceResult[]; ratio: number }; // the same pair with BLAS_ENV unset
};


function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} ${v}: expected a positive integer`);
  return n;
}

/** W copies of this benchmark at once, each its own process (wasm is one thread per process). */
async function runWorkers(w: number, args: string[]): Promise<BenchResult[]> {
  const runs = Array.from({ length: w }, () => benchChild(args, process.env).then((o) => o.mmc!));
  return Promise.all(runs);
}

/** `mmc bench ARGS --json` in a child process with the given environment. */
function benchChild(args: string[], env: NodeJS.ProcessEnv): Promise<BenchOut> {
  return new Promise<BenchOut>((resolve, reject) => {
    const p = spawn(process.execPath, [MMC_BIN, 'bench', ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as BenchOut) : reject(new Error(`bench process exited ${code}: ${err.trim()}`))));
  });
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
    .addOption(threadsOption())
    .option('--json', 'print the result as JSON')
    .addOption(quietOption())
    .addOption(new Option('--machine-env').hideHelp())
    .action(async (o: BenchOpts) => {
      const model = o.model;
      const steps = positiveInt('--steps', o.steps ?? (model === 'mlp' ? '200' : '50'));
      const batch = positiveInt('--batch', o.batch ?? (model === 'mlp' ? '128' : '64'));
      const warmup = positiveInt('--warmup', o.warmup);
      const workers = positiveInt('--workers', o.workers);
      if (o.reference && model !== 'mlp') throw new UsageError('--reference exists for --model mlp only (the numpy reference is the MLP)');

      const threads = parseThreads(o.threads);
      const out: BenchOut = {};
      const blasEnv = Object.fromEntries(BLAS_ENV.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]));
      const args = ['--model', model, '--steps', String(steps), '--batch', String(batch), '--warmup', String(warmup), '--backend', o.backend, '--threads', String(threads), ...(o.stock ? ['--stock'] : [])];
      // The backend first: the native backend may settle OPENBLAS_CORETYPE, which the reference then shares.
      const backend = workers > 1 ? null : await selectBackend(o.backend, { threads });
      const reference = { steps, batch, python: o.python, coretype: backend?.native?.coretype.value };
      const refs: ReferenceResult[] = [];
      if (o.reference) refs.push(runReference(reference));
      if (workers > 1) {
        const each = await runWorkers(workers, args);
        out.workers = { count: workers, each, total_samples_per_s: each.reduce((s, r) => s + r.samples_per_s, 0) };
      } else {
        if (backend!.native) out.blas = backend!.native;
        setFastOps(o.stock ? 'off' : 'auto');
        if (!o.quiet) process.stderr.write(`mmc bench: ${model} on ${backend!.name}${o.stock ? ' (stock kernels)' : ''}, batch ${batch}, ${steps} steps\n`);
        out.mmc = await runBench({ model, steps, batch, warmup, profile: !!o.profile, seed: 0 });
      }
      if (o.reference) {
        refs.push(runReference(reference)); // before and after: machine drift shows as their difference
        out.reference = refs;
        const refRate = refs.reduce((s, r) => s + r.samples_per_s, 0) / refs.length;
        const mine = out.mmc ? out.mmc.samples_per_s : out.workers!.total_samples_per_s;
        out.ratio = Math.round((mine / refRate) * 1000) / 1000;
        out.blas_env = blasEnv;
        // Like for like both ways: the machine's OpenBLAS settings apply to mmc and numpy alike
        // above; here the same pair runs again in a fresh process with them unset.
        if (Object.keys(blasEnv).length > 0 && workers === 1 && !o.machineEnv) {
          const env = { ...process.env };
          for (const k of BLAS_ENV) delete env[k];
          const child = await benchChild([...args, '--reference', '--python', o.python, '--machine-env', '-q'], env);
          out.unset = { mmc: child.mmc!, reference: child.reference!, ratio: child.ratio! };
        }
      }
      if (o.json) return printJson(out);
      const lines: string[] = [];
      const r = out.mmc;
      if (r) {
        lines.push(`mmc ${r.model} on ${r.backend}${r.fast_ops ? ' (fast kernels)' : ' (stock kernels)'}: ${r.ms_per_step} ms/step, ${r.samples_per_s} samples/s (batch ${r.batch}, ${r.steps} steps, ${r.params} parameters)`);
        if (out.blas) lines.push(`BLAS: ${out.blas.blas_config} (${out.blas.blas_core} kernels, ${out.blas.threads} thread${out.blas.threads === 1 ? '' : 's'})`);
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
        const set = Object.entries(out.blas_env ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
        lines.push(`ratio mmc / reference: ${out.ratio}${set ? ` (both with ${set})` : ' (neither OPENBLAS_CORETYPE nor OPENBLAS_L2_SIZE set)'}`);
        if (out.unset) lines.push(`with both unset: mmc ${out.unset.mmc.samples_per_s} samples/s, reference ${out.unset.reference.map((x) => x.samples_per_s).join(' then ')}: ratio ${out.unset.ratio}`);
      }
      process.stdout.write(lines.join('\n') + '\n');
    });
}
