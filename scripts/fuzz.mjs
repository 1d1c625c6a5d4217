#!/usr/bin/env node
// Longer fuzz run of the loaders (in-process, no CLI): N seeded config mutations and N/3 corrupted
// dataset folders, through the same generators and checks as test/fuzz.test.ts. Needs the test build (npx tsc -p tsconfig.test.json).
//   node scripts/fuzz.mjs [N=2000] [SEED=1]
// Prints counts by outcome and kind; exits 1 if any case crashed (not a one-line UsageError naming the file) or took over 5 s.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../dist-test/src/core/rng.js';
import { corruptFolder, judgeConfig, judgeFolder, makeFolder, mutateConfig } from '../dist-test/test/fuzz-cases.js';

const n = Number(process.argv[2] ?? 2000);
const seed = Number(process.argv[3] ?? 1);
const rng = new Rng(seed);
const counts = {};
const bad = [];
const t0 = Date.now();
let slowest = 0;
const note = (what, kind, v) => {
  const k = `${what} ${v.outcome}`;
  counts[k] = (counts[k] ?? 0) + 1;
  slowest = Math.max(slowest, v.ms);
  if (!v.ok) bad.push(`${what} (${kind}): ${v.outcome} ${v.ms} ms: ${v.message}`);
};
for (let i = 0; i < n; i++) {
  const { kind, text } = mutateConfig(rng);
  note('config', kind, judgeConfig(text));
}
const root = mkdtempSync(join(tmpdir(), 'mmc-fuzz-'));
const good = makeFolder(join(root, 'good'));
for (let i = 0; i < Math.ceil(n / 3); i++) {
  const dir = join(root, `c${i}`);
  cpSync(good, dir, { recursive: true });
  const kind = corruptFolder(rng, dir);
  note('folder', kind, judgeFolder(dir));
  rmSync(dir, { recursive: true, force: true });
}
rmSync(root, { recursive: true, force: true });
console.log(`fuzz: ${n} config mutations + ${Math.ceil(n / 3)} corrupted folders, seed ${seed}, ${((Date.now() - t0) / 1000).toFixed(1)} s, slowest case ${slowest} ms`);
for (const [k, v] of Object.entries(counts).sort()) console.log(`  ${k}: ${v}`);
console.log(`  failures: ${bad.length}`);
for (const b of bad.slice(0, 20)) console.log(`    ${b}`);
process.exit(bad.length ? 1 : 0);
