// Picks the tfjs backend: tensorflow (tfjs-node-gpu, then tfjs-node) → wasm → cpu.
// The native packages are optionalDependencies that cannot install without network access to
// libtensorflow's host, so they are imported through a variable name (tsc must not need them).
import * as tf from '@tensorflow/tfjs';
import { UsageError } from './errors.js';
import type { BackendChoice } from './config/schema.js';
import { registerWasmKernels } from './core/ops/wasm-kernels.js';

export interface BackendInfo {
  requested: BackendChoice;
  name: string; // tf.getBackend(): tensorflow | wasm | cpu
  package: string; // the npm package that supplied it
  versions: Record<string, string>;
  tried: { package: string; error: string }[]; // what auto skipped, and why
}

export type Importer = (name: string) => Promise<unknown>;
const defaultImporter: Importer = (name) => import(name);

const NATIVE = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

export async function selectBackend(requested: BackendChoice, importer: Importer = defaultImporter): Promise<BackendInfo> {
  const tried: BackendInfo['tried'] = [];
  const versions: Record<string, string> = { ...(tf.version as Record<string, string>) };
  const done = (pkg: string): BackendInfo => ({ requested, name: tf.getBackend(), package: pkg, versions, tried });

  if (requested === 'auto' || requested === 'tensorflow') {
    for (const pkg of NATIVE) {
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

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].slice(0, 200);
}
