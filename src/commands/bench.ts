// `mmc bench`: training-step throughput of the benchmark models on the chosen backend, optionally
// beside the numpy reference (scripts/reference_mlp.py) run in the same invocation.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../core/adam.js';
import { trainStep } from '../core/fit.js';
import { FusionModel, type ModelSpec } from '../core/model.js';
import { fastOpsActive } from '../core/ops/dense.js';
import { Rng } from '../core/rng.js';
import { UsageError } from '../errors.js';

export type BenchModel = 'mlp' | 'conv';

/** The numpy reference's model exactly (mlp), and a LeNet-style image encoder (conv). */
export function benchSpec(model: BenchModel): ModelSpec {
  if (model === 'mlp') {
    return {
      modalities: [
        { name: 'a', inputDim: 784, encoder: { type: 'mlp', hidden: [256], outDim: 128 } },
        { name: 'b', inputDim: 400, encoder: { type: 'mlp', hidden: [256], outDim: 128 } },
      ],
      numClasses: 10,
      fusion: { type: 'concat', hidden: [128] },
    };
  }
  return {
    modalities: [{ name: 'image', inputDim: 784, encoder: { type: 'conv', inputShape: [28, 28, 1], channels: [6, 16], kernelSize: 5, pool: 2, hidden: [120], outDim: 84 } }],
    numClasses: 10,
    fusion: { type: 'concat', hidden: [128] },
  };
}

export interface BenchOptions {
  model: BenchModel;
  steps: number;
  batch: number;
  warmup: number;
  profile: boolean;
  seed: number;
}

export interface BenchResult {
  impl: 'mmc';
  model: BenchModel;
  backend: string;
  fast_ops: boolean;
  batch: number;
  steps: number;
  ms_per_step: number;
  samples_per_s: number;
  params: number;
  num_tensors: { start: number; end: number };
  rss_mb: { start: number; end: number; peak: number };
  profile?: { kernel: string; ms_per_step: number; calls_per_step: number }[];
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const spec = benchSpec(o.model);
  const rng = new Rng(o.seed);
  const model = new FusionModel(spec, rng.fork());
  const opt = new Adam(model.params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  const data = rng.fork();
  // One fixed batch, as the reference uses: this measures the step, not data loading.
  const xs = Object.fromEntries(spec.modalities.map((m) => [m.name, tf.tensor2d(data.normals(o.batch * m.inputDim), [o.batch, m.inputDim])])) as Record<string, tf.Tensor2D>;
  const y = tf.tensor1d(Int32Array.from({ length: o.batch }, () => data.int(spec.numClasses)), 'int32');
  const rssStart = process.memoryUsage().rss;
  const tensorsStart = tf.memory().numTensors;

  let last: tf.Tensor | null = null;
  const step = () => {
    last?.dispose();
    last = trainStep({ model, opt, xs, y, lr: 1e-3 });
  };
  for (let i = 0; i < o.warmup; i++) step();
  await last!.data(); // drain before timing (a no-op on synchronous backends)
  const t0 = performance.now();
  for (let i = 0; i < o.steps; i++) step();
  await last!.data();
  const ms = (performance.now() - t0) / o.steps;
  (last as tf.Tensor | null)?.dispose();
  last = null;

  let profile: BenchResult['profile'];
  if (o.profile) {
    const n = 5;
    const info = await tf.profile(() => {
      for (let i = 0; i < n; i++) trainStep({ model, opt, xs, y, lr: 1e-3 }).dispose();
    });
    const agg = new Map<string, { ms: number; calls: number }>();
    for (const k of info.kernels) {
      // Wrapper records (custom-gradient and fused-op wrappers) contain other kernels' time.
      if (k.name === 'forward' || k.name.endsWith('__op')) continue;
      const a = agg.get(k.name) ?? { ms: 0, calls: 0 };
      a.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      a.calls += 1;
      agg.set(k.name, a);
    }
    profile = [...agg.entries()]
      .map(([kernel, a]) => ({ kernel, ms_per_step: Math.round((a.ms / n) * 1000) / 1000, calls_per_step: a.calls / n }))
      .sort((p, q) => q.ms_per_step - p.ms_per_step)
      .slice(0, 12);
  }

  const result: BenchResult = {
    impl: 'mmc',
    model: o.model,
    backend: tf.getBackend(),
    fast_ops: fastOpsActive(),
    batch: o.batch,
    steps: o.steps,
    ms_per_step: Math.round(ms * 1000) / 1000,
    samples_per_s: Math.round((o.batch * 1000) / ms),
    params: model.trainable.reduce((s, v) => s + v.size, 0),
    num_tensors: { start: tensorsStart, end: tf.memory().numTensors },
    rss_mb: { start: mb(rssStart), end: mb(process.memoryUsage().rss), peak: Math.round(process.resourceUsage().maxRSS / 102.4) / 10 },
    profile,
  };
  tf.dispose([...Object.values(xs), y]);
  model.dispose();
  opt.dispose();
  return result;
}

export interface ReferenceResult {
  impl: string;
  ms_per_step: number;
  samples_per_s: number;
  [k: string]: unknown;
}

const REFERENCE = fileURLToPath(new URL('../../../scripts/reference_mlp.py', import.meta.url));

/** Run the numpy reference on one BLAS thread (mmc's wasm backend is single-threaded). */
export interface ReferenceOptions {
  steps: number;
  batch: number;
  python: string;
  /** The OPENBLAS_CORETYPE mmc's native backend ran with (null: none set), so numpy runs the same kernels; undefined: leave the environment's. */
  coretype?: string | null;
}

export function runReference({ steps, batch, python, coretype }: ReferenceOptions): ReferenceResult {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  if (coretype) env.OPENBLAS_CORETYPE = coretype;
  else if (coretype === null) delete env.OPENBLAS_CORETYPE;
  const r = spawnSync(python, [REFERENCE, String(steps), String(batch)], {
    encoding: 'utf8',
    env,
    timeout: 600_000,
  });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr || '').trim().split('\n').at(-1);
    throw new UsageError(`--reference: could not run ${python} ${REFERENCE} (${why}); it needs python3 with numpy`);
  }
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ReferenceResult;
}
