// Every verb (and every `data` subcommand) accepts -q/--quiet, spelt once (cli/common.ts quietOption).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from './main.js';

const leaves = (c: Command, path: string[] = []): { path: string; cmd: Command }[] =>
  c.commands.length ? c.commands.flatMap((s) => leaves(s, [...path, s.name()])) : [{ path: path.join(' '), cmd: c }];

test('every verb accepts -q, --quiet', () => {
  const all = leaves(buildProgram());
  assert.ok(all.length >= 15, `only ${all.length} commands found`);
  const without = all.filter(({ cmd }) => !cmd.options.some((o) => o.short === '-q' && o.long === '--quiet')).map((x) => x.path);
  assert.deepEqual(without, []);
});
