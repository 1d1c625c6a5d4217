#!/usr/bin/env node
// Builds mmc's native addon (native/*.cc → build/mmc_native.node) with the system C++ compiler
// against Node's headers. Run by `npm ci`/`npm install` (the "install" script) and by hand.
// It never fails the install: without a compiler or headers mmc runs on wasm and says how to get
// the native path. OpenBLAS is not needed to build (the addon loads it at run time).
// Flags are portable (x86-64 baseline, no -march=native): a binary built here runs on a cluster
// node of another CPU generation; OpenBLAS picks its own kernels for the CPU at run time.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import hashModule from './native-sources-hash.cjs';

const { nativeSourcesHash } = hashModule;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.argv.includes('--strict'); // fail loudly (CI, and developers rebuilding by hand)
const quiet = process.argv.includes('--quiet');

function headerDir() {
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    join(dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  return candidates.find((d) => existsSync(join(d, 'node_api.h')));
}

function main() {
  if (process.env.MMC_SKIP_NATIVE_BUILD === '1') return say('MMC_SKIP_NATIVE_BUILD=1: native addon not built');
  const include = headerDir();
  if (!include) return fail("Node's headers (node_api.h) not found; set npm_config_nodedir");
  const cxx = process.env.CXX || 'g++';
  const sources = readdirSync(join(root, 'native')).filter((f) => f.endsWith('.cc')).sort().map((f) => join(root, 'native', f));
  mkdirSync(join(root, 'build'), { recursive: true });
  const out = join(root, 'build', 'mmc_native.node');
  const tmp = `${out}.${process.pid}.tmp`;
  const args = ['-O3', '-fno-math-errno', '-std=c++17', '-fPIC', '-shared', '-fvisibility=hidden', '-Wall', '-DNODE_GYP_MODULE_NAME=mmc_native', '-DNAPI_VERSION=8', `-I${include}`, ...sources, '-o', tmp, '-ldl'];
  try {
    execFileSync(cxx, args, { stdio: quiet ? 'pipe' : 'inherit' });
  } catch (e) {
    return fail(`${cxx} failed (${e.message.split('\n')[0]})`);
  }
  renameSync(tmp, out); // atomic: a half-written addon is never loaded
  // What it was built from: mmc refuses an addon older than native/ (e.g. after a git pull).
  writeFileSync(`${out}.sources`, `${nativeSourcesHash(root)}\n`);
  say(`built ${out}`);
}

function say(msg) {
  if (!quiet) console.error(`mmc: ${msg}`);
}

function fail(msg) {
  const text = `mmc: native addon not built: ${msg}. mmc runs on the wasm backend; see docs/backends.md for the native path.`;
  if (strict) {
    console.error(text);
    process.exit(1);
  }
  console.error(text);
}

main();
