// The shipped build (tsconfig.json → dist/) holds the CLI and no test code: tests and their helpers
// compile to dist-test/ (tsconfig.test.json).
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../src/test-support.js';

test('dist/ has the CLI and no test files or test helpers', () => {
  const dist = join(REPO_ROOT, 'dist');
  assert.ok(existsSync(join(dist, 'src/cli/main.js')), 'dist/src/cli/main.js (bin/mmc runs it)');
  const files = readdirSync(dist, { recursive: true, encoding: 'utf8' });
  const testCode = files.filter((f) => /\.test\.js(\.map)?$/.test(f) || /(^|\/)test-(support|gate)\.js/.test(f) || f.split('/')[0] === 'test');
  assert.deepEqual(testCode, []);
});
