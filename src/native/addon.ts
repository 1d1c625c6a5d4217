// Finding and loading mmc's native addon (build/mmc_native.node, built by scripts/build-native.mjs)
// and OpenBLAS behind it. Everything that can go wrong here ends in a NativeUnavailable with the
// reason and how to get the native path; the caller falls back to wasm.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The addon's functions (native/*.cc). Arrays are used in place; sizes are checked in C. */
export interface NativeAddon {
  blasLoad(path: string, threads: number): BlasInfo;
  blasThreads(threads: number): number;
  cpuFeatures(): CpuFeatures;
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, batch: number, strideA: number, strideB: number, strideC: number, accumulate: boolean): void;
  biasAct(c: Float32Array, bias: Float32Array | null, rows: number, cols: number, act: number): void;
  denseGrad(dy: Float32Array, y: Float32Array, x: Float32Array, w: Float32Array, dw: Float32Array, db: Float32Array, dx: Float32Array | null, rows: number, inDim: number, outDim: number, relu: boolean): void;
  reluGrad(dy: Float32Array, y: Float32Array, out: Float32Array): void;
  sumRows(x: Float32Array, rows: number, cols: number, out: Float32Array): void;
  copyBlock(src: Float32Array, srcOffset: number, srcStride: number, dst: Float32Array, dstOffset: number, dstStride: number, rows: number, run: number): void;
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, rows: number, cols: number, mode: number): void;
  unary(op: number, x: Float32Array, out: Float32Array): void;
  // native/conv.cc; geom: [n, h, w, c, kh, kw, co, oh, ow, strideH, strideW, padTop, padLeft, dilationH, dilationW] (conv-kernels.ts convGeometry)
  conv2d(x: Float32Array, filter: Float32Array, bias: Float32Array | null, out: Float32Array, geom: Int32Array, act: number): void;
  conv2dFilterGrad(x: Float32Array, dy: Float32Array, dfilter: Float32Array, geom: Int32Array): void;
  conv2dInputGrad(dy: Float32Array, filter: Float32Array, dx: Float32Array, geom: Int32Array): void;
  maxPool(x: Float32Array, out: Float32Array, geom: Int32Array): void;
  maxPoolGrad(dy: Float32Array, x: Float32Array, dx: Float32Array, geom: Int32Array): void;
  // maxPool(relu(conv + bias)) with each window's argmax (flat index into the conv output); poolGeom: the pool's geometry over the conv output
  convReluPool(x: Float32Array, filter: Float32Array, bias: Float32Array, pooled: Float32Array, idx: Int32Array, geom: Int32Array, poolGeom: Int32Array): void;
  convReluPoolGrad(dy: Float32Array, pooled: Float32Array, idx: Int32Array, x: Float32Array, filter: Float32Array, dfilter: Float32Array, dbias: Float32Array, dx: Float32Array | null, geom: Int32Array, poolGeom: Int32Array): void;
  adam(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: Float32Array, beta1: number, beta2: number, stepSize: number, c2: number, eps: number, decay: number): void;
}

export interface BlasInfo {
  corename: string | null;
  config: string | null;
  threads: number;
}

export interface CpuFeatures {
  avx2: boolean;
  fma: boolean;
  avx512f: boolean;
  avx512bw: boolean;
  avx512vl: boolean;
  avx512dq: boolean;
}

/** What env.json records about the native path. */
export interface NativeInfo {
  addon: string;
  blas: string; // the library file loaded
  blas_config: string | null; // openblas_get_config(): version and build options
  blas_core: string | null; // openblas_get_corename(): the kernels in use
  threads: number;
  coretype: { value: string | null; source: 'environment' | 'mmc' | 'openblas' }; // OPENBLAS_CORETYPE and who chose it
}

export class NativeUnavailable extends Error {}

export const HOW_TO_GET_NATIVE =
  'for the native backend install OpenBLAS (Debian/Ubuntu: apt-get install libopenblas0) and a C++ compiler, then run `npm rebuild mmc` or `node scripts/build-native.mjs` in the mmc folder';

const root = fileURLToPath(new URL('../../../', import.meta.url)); // dist/src/native → the package root
export const ADDON_PATH = join(root, 'build', 'mmc_native.node');

/** null when build/ holds an addon built from today's native/ sources, else why not. */
function staleAddon(): string | null {
  const { nativeSourcesHash } = createRequire(import.meta.url)(join(root, 'scripts', 'native-sources-hash.cjs')) as { nativeSourcesHash(root: string): string };
  let built = '';
  try {
    built = readFileSync(`${ADDON_PATH}.sources`, 'utf8').trim();
  } catch {
    return `${ADDON_PATH} has no record of its sources`;
  }
  return built === nativeSourcesHash(root) ? null : `${ADDON_PATH} was built from other sources than native/ holds now (rebuild it: node scripts/build-native.mjs)`;
}

/** Library names tried in order; MMC_OPENBLAS (a path or soname) goes first when set. */
export function blasCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = ['libopenblas.so.0', 'libopenblas.so', 'libopenblasp-r0.so', 'libopenblas.dylib'];
  return env.MMC_OPENBLAS ? [env.MMC_OPENBLAS] : list;
}

/** AVX-512 kernel families of OpenBLAS's DYNAMIC_ARCH builds (they crash on a CPU without AVX-512). */
const AVX512_CORES = new Set(['skylakex', 'cooperlake', 'sapphirerapids']);

/**
 * Which OPENBLAS_CORETYPE to run with. A user's choice stands unless it names AVX-512 kernels on a
 * CPU without AVX-512 (they would crash the process): then OpenBLAS's own detection decides. With
 * none set, OpenBLAS detects — except that it is told to use its AVX-512 (SkylakeX) kernels when
 * the CPU has the AVX-512 subsets they need, since older OpenBLAS builds use AVX2 kernels on AMD
 * CPUs that have AVX-512 (Zen 4).
 */
export function chooseCoretype(env: NodeJS.ProcessEnv, cpu: CpuFeatures): { value: string | undefined; source: NativeInfo['coretype']['source']; note?: string } {
  const avx512 = cpu.avx512f && cpu.avx512bw && cpu.avx512vl && cpu.avx512dq;
  const asked = env.OPENBLAS_CORETYPE;
  if (asked) {
    if (AVX512_CORES.has(asked.toLowerCase()) && !avx512) {
      return { value: undefined, source: 'openblas', note: `OPENBLAS_CORETYPE=${asked} asks for AVX-512 kernels, which this CPU lacks; ignored` };
    }
    return { value: asked, source: 'environment' };
  }
  return avx512 ? { value: 'SkylakeX', source: 'mmc' } : { value: undefined, source: 'openblas' };
}

let loaded: { addon: NativeAddon; info: NativeInfo; notes: string[] } | undefined;

/**
 * Loads the addon and OpenBLAS once per process (`threads` can be changed by a later call).
 * Throws NativeUnavailable with the reason. MMC_NATIVE=off forces that case (tests use it).
 */
export function loadNative(threads: number, env: NodeJS.ProcessEnv = process.env): { addon: NativeAddon; info: NativeInfo; notes: string[] } {
  if (env.MMC_NATIVE === 'off') throw new NativeUnavailable('MMC_NATIVE=off');
  if (loaded) {
    loaded.info.threads = loaded.addon.blasThreads(threads);
    return loaded;
  }
  if (!existsSync(ADDON_PATH)) throw new NativeUnavailable(`the addon ${ADDON_PATH} was not built`);
  const stale = staleAddon();
  if (stale) throw new NativeUnavailable(stale);
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
  } catch (e) {
    throw new NativeUnavailable(`the addon ${ADDON_PATH} does not load (${firstLine(e)})`);
  }
  const choice = chooseCoretype(env, addon.cpuFeatures());
  const notes = choice.note ? [choice.note] : [];
  // OpenBLAS reads OPENBLAS_CORETYPE when it loads, so set (or clear) it for the load only: child
  // processes (sweep workers, bench's reference) must see the user's environment, not mmc's choice.
  const before = process.env.OPENBLAS_CORETYPE;
  if (choice.value) process.env.OPENBLAS_CORETYPE = choice.value;
  else delete process.env.OPENBLAS_CORETYPE;
  const errors: string[] = [];
  try {
    for (const lib of blasCandidates(env)) {
      try {
        const blas = addon.blasLoad(lib, threads);
        const info: NativeInfo = { addon: ADDON_PATH, blas: lib, blas_config: blas.config, blas_core: blas.corename, threads: blas.threads, coretype: { value: choice.value ?? null, source: choice.source } };
        loaded = { addon, info, notes };
        return loaded;
      } catch (e) {
        errors.push(firstLine(e));
      }
    }
  } finally {
    if (before === undefined) delete process.env.OPENBLAS_CORETYPE;
    else process.env.OPENBLAS_CORETYPE = before;
  }
  throw new NativeUnavailable(`OpenBLAS not found (${errors.join('; ')})`);
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300);
}
