import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkpointDir } from './checkpoint.js';
import { effectiveStatus, processStart, RunFolder, RunLockedError } from './run-folder.js';

const folder = () => new RunFolder(mkdtempSync(join(tmpdir(), 'mmc-lock-')));
/** The pid of a process that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

test('lock: exclusive while its process lives, released, stale and torn locks taken over', () => {
  const f = folder();
  const release = f.lock();
  const held = JSON.parse(readFileSync(f.path('lock'), 'utf8'));
  assert.equal(held.pid, process.pid);
  assert.equal(held.host, hostname());
  assert.throws(() => f.lock(), (e: unknown) => e instanceof RunLockedError && new RegExp(`^run ${f.id} is in use by process ${process.pid} `).test(e.message));
  release();
  assert.ok(!existsSync(f.path('lock')));

  writeFileSync(f.path('lock'), JSON.stringify({ pid: deadPid(), host: hostname() }));
  f.lock()();
  writeFileSync(f.path('lock'), JSON.stringify({ pid: process.pid, host: hostname(), pid_start: 'not-our-start' }));
  if (processStart(process.pid) !== null) f.lock()(); // a reused pid is not the holder
  writeFileSync(f.path('lock'), ''); // torn: created, killed before the pid was written
  utimesSync(f.path('lock'), new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));
  f.lock()();
  // Another host's lock cannot be checked here: it stands.
  writeFileSync(f.path('lock'), JSON.stringify({ pid: 1, host: 'elsewhere' }));
  assert.throws(() => f.lock(), /in use by process 1 on host elsewhere/);
});

test('effectiveStatus: a running run whose process is gone is interrupted', () => {
  const me = { pid: process.pid, host: hostname(), pid_start: processStart(process.pid) };
  assert.equal(effectiveStatus({ status: 'running', ...me }), 'running');
  assert.equal(effectiveStatus({ status: 'running', pid: deadPid(), host: hostname() }), 'interrupted');
  assert.equal(effectiveStatus({ status: 'running', pid: deadPid(), host: 'elsewhere' }), 'running');
  assert.equal(effectiveStatus({ status: 'running' }), 'running'); // older runs without a pid
  assert.equal(effectiveStatus({ status: 'finished', pid: deadPid(), host: hostname() }), 'finished');
});

test('checkpointDir: a crash between the renames falls back to the newest previous copy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmc-ck-'));
  for (const [name, epoch] of [['.last.old-11', 2], ['.last.old-12', 3]] as const) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'state.json'), JSON.stringify({ epoch }));
  }
  assert.equal(checkpointDir(dir, 'last'), join(dir, '.last.old-12'));
  mkdirSync(join(dir, 'last'));
  writeFileSync(join(dir, 'last', 'state.json'), JSON.stringify({ epoch: 4 }));
  assert.equal(checkpointDir(dir, 'last'), join(dir, 'last'));
});
