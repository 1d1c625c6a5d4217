// When the native backend's tests skip: only where the addon or OpenBLAS is missing (loadNative
// throws NativeUnavailable) and MMC_REQUIRE_NATIVE is not '1'. CI sets MMC_REQUIRE_NATIVE=1, so
// there a missing native path fails the tests instead of skipping them.
import { after, before } from 'node:test';
import { selectBackend } from '../backend.js';
import { setFastOps } from '../core/ops/dense.js';
import { loadNative, NativeUnavailable, type NativeAddon } from './addon.js';

/** The reason to skip the native tests, or undefined to run them (they then fail if native is missing). */
export function nativeSkipReason(env: NodeJS.ProcessEnv = process.env, load: typeof loadNative = loadNative): string | undefined {
  try {
    load(1, env);
    return undefined;
  } catch (e) {
    if (!(e instanceof NativeUnavailable)) throw e;
    if (env.MMC_REQUIRE_NATIVE === '1') return undefined;
    return `native backend unavailable (${e.message}); set MMC_REQUIRE_NATIVE=1 to make this a failure`;
  }
}

export const ADDON_FNS = ['gemm', 'biasAct', 'binary', 'unary', 'sumRows', 'copyBlock', 'reluGrad', 'denseGrad', 'adam'] as const;
export type AddonFn = (typeof ADDON_FNS)[number];
export type AddonCalls = Record<AddonFn, number>;

/**
 * Runs `fn` with each addon function counted, so a test can tell that a native kernel ran (rather
 * than its cpu fallback). The kernels look the functions up on the addon object at each call.
 */
export function countAddonCalls<T>(addon: NativeAddon, fn: () => T): { result: T; calls: AddonCalls } {
  const calls = Object.fromEntries(ADDON_FNS.map((k) => [k, 0])) as AddonCalls;
  const table = addon as unknown as Record<AddonFn, (...args: unknown[]) => unknown>;
  const saved = ADDON_FNS.map((k) => table[k]);
  ADDON_FNS.forEach((k, i) => {
    table[k] = (...args: unknown[]) => {
      calls[k]++;
      return saved[i].apply(addon, args);
    };
  });
  try {
    return { result: fn(), calls };
  } finally {
    ADDON_FNS.forEach((k, i) => (table[k] = saved[i]));
  }
}

/** The file's tests run on native (cpu first, so that both backends exist); wasm again after them. */
export function onNativeForThisFile(skip: string | undefined): void {
  before(async () => {
    if (skip) return;
    await selectBackend('cpu');
    await selectBackend('native');
  });
  after(async () => {
    setFastOps('auto');
    if (!skip) await selectBackend('wasm');
  });
}
