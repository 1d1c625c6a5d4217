#!/usr/bin/env node
// Runs every compiled test file (dist-test/**/*.test.js, from tsconfig.test.json) with node's test runner, which ends with a
// summary (# tests, # pass, # fail). Usage: node scripts/run-tests.mjs [filter-substring ...] (a file runs if it matches any)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = find('dist-test').filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('no test files found under dist-test/ (run npx tsc -p tsconfig.test.json)');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
