// Helpers shared by tests: a real backend (wasm, as users get by default) and small configs.
import { fileURLToPath } from 'node:url';
import { selectBackend } from './backend.js';
import { loadConfigFile } from './config/load.js';
import type { Config } from './config/schema.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const QUICK_CONFIG = fileURLToPath(new URL('../../configs/synthetic/quick.yaml', import.meta.url));
export const MMC_BIN = fileURLToPath(new URL('../../bin/mmc', import.meta.url));

export async function useBackend(name: 'wasm' | 'cpu' = 'wasm'): Promise<void> {
  await selectBackend(name);
}

export function quickConfig(overrides: string[] = []): Config {
  return loadConfigFile(QUICK_CONFIG, { overrides });
}
