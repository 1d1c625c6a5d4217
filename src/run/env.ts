// env.json: what ran where: node, tfjs and backend versions, CPU, git commit, seed, dataset hash.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BackendInfo } from '../backend.js';
import type { EnvJson } from './records/index.js';

// The commit of mmc's own source tree (dist/src/run/env.js → repository root), not of the caller's directory.
const MMC_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function gitCommit(cwd = MMC_ROOT): string | null {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${sha}-dirty` : sha;
  } catch {
    return null;
  }
}

export function captureEnv(backend: BackendInfo, seed: number, datasetHash: string, mmcVersion: string): EnvJson {
  const cpus = os.cpus();
  return {
    mmc: mmcVersion,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: { model: cpus[0]?.model ?? 'unknown', cores: cpus.length },
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    backend: { requested: backend.requested, name: backend.name, package: backend.package, skipped: backend.tried, ...(backend.native ? { native: backend.native } : {}) },
    versions: backend.versions,
    git_commit: gitCommit(),
    seed,
    dataset_hash: datasetHash,
  };
}
