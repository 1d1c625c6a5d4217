// Slurm's outputs as captured from Slurm 22.05 (Debian 12), parsed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig, parseJobcomp, parseSacct, parseSbatch, parseSqueue } from './parse.js';

test('parseSqueue: one report per array task; a pending reason kept, None dropped; other lines ignored', () => {
  const out = '4_0|RUNNING|None\n4_1|PENDING|JobArrayTaskLimit\n5|RUNNING|None\n6_[2-5%2]|PENDING|Resources\n\n';
  assert.deepEqual(parseSqueue(out), [
    { arrayJobId: '4', index: 0, state: 'RUNNING' },
    { arrayJobId: '4', index: 1, state: 'PENDING', reason: 'JobArrayTaskLimit' },
  ]);
  assert.deepEqual(parseSqueue(''), []);
});

test('parseSacct: "CANCELLED by 0" is CANCELLED; the exit code is kept', () => {
  const out = '12_0|COMPLETED|0:0\n12_1|CANCELLED by 0|0:15\n12_2|FAILED|3:0\n13|COMPLETED|0:0\n';
  assert.deepEqual(parseSacct(out), [
    { arrayJobId: '12', index: 0, state: 'COMPLETED', reason: 'exit 0:0' },
    { arrayJobId: '12', index: 1, state: 'CANCELLED', reason: 'exit 0:15' },
    { arrayJobId: '12', index: 2, state: 'FAILED', reason: 'exit 3:0' },
  ]);
});

test('parseJobcomp: array tasks of a jobcomp/filetxt file, a requeued task\'s later line winning', () => {
  const line = (job: number, state: string, array: number, task: number, exit = '0:0') =>
    `JobId=${job} UserId=root(0) GroupId=root(0) Name=mmc-x JobState=${state} Partition=debug TimeLimit=UNLIMITED NodeList=vm ArrayJobId=${array} ArrayTaskId=${task} DerivedExitCode=0:0 ExitCode=${exit} `;
  const text = [line(16, 'PENDING', 16, 0), line(16, 'COMPLETED', 16, 0), line(14, 'FAILED', 14, 0, '3:0'), 'JobId=20 JobState=COMPLETED ExitCode=0:0', 'garbage'].join('\n');
  assert.deepEqual(parseJobcomp(text), [
    { arrayJobId: '16', index: 0, state: 'COMPLETED', reason: 'exit 0:0' },
    { arrayJobId: '14', index: 0, state: 'FAILED', reason: 'exit 3:0' },
  ]);
});

test('parseConfig and parseSbatch', () => {
  const c = parseConfig('Configuration data as of 2026-12-02T12:00:00\nMaxArraySize            = 1001\nJobCompType             = jobcomp/filetxt\n');
  assert.equal(c.get('MaxArraySize'), '1001');
  assert.equal(c.get('JobCompType'), 'jobcomp/filetxt');
  assert.equal(parseSbatch('42\n'), '42');
  assert.equal(parseSbatch('42;cluster2\n'), '42');
  assert.equal(parseSbatch('sbatch: error: Batch job submission failed\n'), null);
});
