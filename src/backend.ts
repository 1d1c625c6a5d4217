// Picks the tfjs backend: tensorflow (tfjs-node-gpu, then tfjs-node) → native (mmc's addon with
// OpenBLAS) → wasm → cpu. The tfjs-node packages are optionalDependencies that cannot install
// without network access to libtensorflow's host, so they are imported through a variable name
// (tsc must not need them). The native backend is mmc's own (src/native/); when its addon or
// OpenBLAS is missing, auto says once how to get it and runs on wasm.
import * as tf from '@tensorflow/tfjs';
import { UsageError } from './errors.js';
import type { BackendChoice } from './config/schema.js';
import { registerWasmKernels } from './core/ops/wasm-kernels.js';
import { HOW_TO_GET_NATIVE, loadNative, NativeUnavailable, type NativeInfo } from './native/addon.js';
import { NATIVE_BACKEND, registerNativeBackend } from './native/backend.js';

export interface BackendInfo {
  requested: BackendChoice;
  name: string; // tf.getBackend(): tensorflow | native | wasm | cpu
  package: string; // the npm package that supplied it
  versions: Record<string, string>;
  tried: { package: string; error: string }[]; // what auto skipped, and why
  native?: NativeInfo; // the native backend's BLAS, kernels and threads, when it runs
}

export type Importer = (name: string) => Promise<unknown>;
const defaultImporter: Importer = (name) => import(name);

export interface SelectOptions {
  importer?: Importer; // tests stand in for a machine without some package
  threads?: number; // BLAS threads of the native backend (default 1: sweeps use processes)
  native?: typeof loadNative; // tests stand in for a machine without the addon or OpenBLAS
  hint?: (line: string) => void; // where the one-time "how to get the native path" line goes
}

const TFJS_NODE = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];
export const NATIVE_PACKAGE = 'mmc native (build/mmc_native.node + OpenBLAS)';
// Set once the hint is printed, so that a sweep's or reproduce's worker processes stay quiet.
const HINTED = 'MMC_NATIVE_HINTED';

export async function selectBackend(requested: BackendChoice, opts: SelectOptions = {}): Promise<BackendInfo> {
  const importer = opts.importer ?? defaultImporter;
  const threads = opts.threads ?? 1;
  const tried: BackendInfo['tried'] = [];
  const versions: Record<string, string> = { ...(tf.version as Record<string, string>) };
  const done = (pkg: string, native?: NativeInfo): BackendInfo => ({ requested, name: tf.getBackend(), package: pkg, versions, tried, ...(native ? { native } : {}) });

  if (requested === 'auto' || requested === 'tensorflow') {
    for (const pkg of TFJS_NODE) {
      try {
        const mod = (await importer(pkg)) as { version?: Record<string, string> };
        if (await tf.setBackend('tensorflow')) {
          await tf.ready();
          if (mod.version) Object.assign(versions, mod.version);
          return done(pkg);
        }
        tried.push({ package: pkg, error: 'loaded, but the tensorflow backend did not initialise' });
      } catch (e) {
        tried.push({ package: pkg, error: firstLine(e) });
      }
    }
    if (requested === 'tensorflow') {
      throw new UsageError(
        'backend "tensorflow" is not available: neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node loaded ' +
          `(${tried.map((t) => `${t.package}: ${t.error}`).join('; ')}). ` +
          'Install one where its libtensorflow download can succeed: `npm install @tensorflow/tfjs-node` (CPU) or ' +
          '`npm install @tensorflow/tfjs-node-gpu` (CUDA GPU), or use --backend wasm.',
      );
    }
  }
  if (requested === 'auto' || requested === 'native') {
    try {
      const { addon, info, notes } = (opts.native ?? loadNative)(threads);
      registerNativeBackend(addon);
      if (!(await tf.setBackend(NATIVE_BACKEND))) throw new NativeUnavailable('the native backend did not initialise');
      await tf.ready();
      for (const note of notes) (opts.hint ?? stderrLine)(`mmc: ${note}`);
      return done(NATIVE_PACKAGE, { ...info });
    } catch (e) {
      if (!(e instanceof NativeUnavailable)) throw e;
      tried.push({ package: NATIVE_PACKAGE, error: e.message });
      if (requested === 'native') throw new UsageError(`backend "native" is not available: ${e.message}; ${HOW_TO_GET_NATIVE}, or use --backend wasm.`);
      if (process.env[HINTED] !== '1' && process.env.MMC_NATIVE !== 'off') {
        (opts.hint ?? stderrLine)(`mmc: running on wasm, the slower backend: ${e.message}; ${HOW_TO_GET_NATIVE}.`);
        process.env[HINTED] = '1';
      }
    }
  }
  if (requested === 'auto' || requested === 'wasm') {
    try {
      const wasm = (await importer('@tensorflow/tfjs-backend-wasm')) as { version_wasm?: string };
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        registerWasmKernels();
        if (wasm.version_wasm) versions['tfjs-backend-wasm'] = wasm.version_wasm;
        return done('@tensorflow/tfjs-backend-wasm');
      }
      tried.push({ package: '@tensorflow/tfjs-backend-wasm', error: 'did not initialise' });
    } catch (e) {
      tried.push({ package: '@tensorflow/tfjs-backend-wasm', error: firstLine(e) });
    }
    if (requested === 'wasm') throw new UsageError(`backend "wasm" is not available: ${tried.at(-1)!.error}`);
  }
  await tf.setBackend('cpu');
  await tf.ready();
  // The cpu backend prints a banner about tfjs-node on first use; mmc reports its backend itself.
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean };
  if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
  return done('@tensorflow/tfjs-backend-cpu');
}

const stderrLine = (line: string) => process.stderr.write(`${line}\n`);

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].slice(0, 200);
}
