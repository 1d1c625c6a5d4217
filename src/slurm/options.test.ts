// Slurm options: the config's slurm: section, flags on top, one schema; bad values name the flag or key.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../errors.js';
import { slurmOptions } from './options.js';
import { batchScript, shellQuote } from './script.js';

const DEFAULTS = { partition: null, account: null, time: null, cpus_per_task: 1, mem: null, parallelism: null, signal_seconds: 90, sbatch: [], setup: null };

test('slurmOptions: defaults; the config section; flags over it; --sbatch lines added to the config\'s', () => {
  assert.deepEqual(slurmOptions(undefined, {}), DEFAULTS);
  const config = { partition: 'cpu', time: '01:00:00', sbatch: ['--qos=low'] };
  assert.deepEqual(slurmOptions(config, {}), { ...DEFAULTS, ...config });
  assert.deepEqual(slurmOptions(config, { time: '2-00:00:00', cpus_per_task: '4', parallelism: '8', sbatch: ['--exclusive'] }), { ...DEFAULTS, partition: 'cpu', time: '2-00:00:00', cpus_per_task: 4, parallelism: 8, sbatch: ['--qos=low', '--exclusive'] });
});

test('slurmOptions: a bad flag or key is one line naming it', () => {
  const bad: [Parameters<typeof slurmOptions>, RegExp][] = [
    [[undefined, { time: '1h' }], /^--time "1h": a Slurm time limit/],
    [[undefined, { cpus_per_task: '0' }], /^--cpus-per-task "0": /],
    [[undefined, { mem: 'lots' }], /^--mem "lots": a memory size/],
    [[undefined, { sbatch: ['qos=high'] }], /^--sbatch \["qos=high"\]: an sbatch option/],
    [[undefined, { setup: 'a\nb' }], /^--setup "a\\nb": one shell line/],
    [[{ partition: 'a b' }, {}], /^slurm\.partition: a partition name/],
    [[{ nodes: 3 } as never, {}], /^slurm\.nodes: unknown key \(known: partition, account, /],
  ];
  for (const [args, re] of bad) assert.throws(() => slurmOptions(...args), (e: unknown) => e instanceof UsageError && re.test(e.message), String(re));
});

test('batchScript: the array, logs kept across requeues, the USR2 signal to mmc itself, the options, and valid bash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmc-script-'));
  const options = slurmOptions({ partition: 'cpu', account: 'lab', time: '00:30:00', mem: '4G', parallelism: 3, sbatch: ['--qos=high'], setup: 'module load nodejs/20' }, { cpus_per_task: '2' });
  const text = batchScript({ sweepDir: "/shared/it's here", sweepId: 's1', submission: 1, tasks: 5, options, node: '/usr/bin/node', mmcBin: '/opt/mmc/bin/mmc', backend: 'native' });
  const lines = text.split('\n');
  for (const want of ['#SBATCH --array=0-4%3', "#SBATCH --output=/shared/it's here/slurm/logs/%A_%a.out", '#SBATCH --open-mode=append', '#SBATCH --signal=B:USR2@90', '#SBATCH --requeue', '#SBATCH --cpus-per-task=2', '#SBATCH --partition=cpu', '#SBATCH --account=lab', '#SBATCH --time=00:30:00', '#SBATCH --mem=4G', '#SBATCH --qos=high', 'module load nodejs/20']) {
    assert.ok(lines.includes(want), want);
  }
  assert.equal(lines.filter((l) => l.startsWith('exec ')).length, 1);
  assert.match(text, /\nexec '\/usr\/bin\/node' '\/opt\/mmc\/bin\/mmc' sweep --task '\/shared\/it'\\''s here' --submission 1 --threads 2 --backend native\n/);
  // Every #SBATCH line comes before the first command (sbatch stops reading them there).
  const firstCommand = lines.findIndex((l) => l && !l.startsWith('#'));
  assert.ok(lines.slice(firstCommand).every((l) => !l.startsWith('#SBATCH')));
  writeFileSync(join(dir, 'a.sh'), text);
  assert.equal(spawnSync('bash', ['-n', join(dir, 'a.sh')]).status, 0);
  assert.equal(shellQuote("a'b"), `'a'\\''b'`);
});
