import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { NATIVE_PACKAGE, selectBackend, type Importer } from './backend.js';
import { UsageError } from './errors.js';
import { NativeUnavailable } from './native/addon.js';

// Importers that behave as on a machine where tfjs-node could not install (or also wasm failed).
const noNative: Importer = async (name) => {
  if (name.includes('tfjs-node')) throw new Error(`Cannot find package '${name}'`);
  return import(name);
};
const noAddon = () => {
  throw new NativeUnavailable('the addon was not built (test)');
};
const nothing: Importer = async (name) => {
  throw new Error(`Cannot find package '${name}'`);
};

test('auto falls back from tfjs-node-gpu, tfjs-node and native to wasm, says what it skipped, and says once how to get native', async () => {
  const hints: string[] = [];
  const saved = process.env.MMC_NATIVE_HINTED;
  delete process.env.MMC_NATIVE_HINTED;
  try {
    const info = await selectBackend('auto', { importer: noNative, native: noAddon, hint: (l) => hints.push(l) });
    assert.equal(info.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(info.tried.map((t) => t.package), ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', NATIVE_PACKAGE]);
    assert.match(info.tried[0].error, /Cannot find package/);
    assert.equal(info.tried[2].error, 'the addon was not built (test)');
    assert.equal(info.versions['tfjs-core'], tf.version.tfjs);
    assert.equal(info.native, undefined);
    await selectBackend('auto', { importer: noNative, native: noAddon, hint: (l) => hints.push(l) });
    assert.equal(hints.length, 1, 'the hint is said once per process tree');
    assert.match(hints[0], /running on wasm.*the addon was not built \(test\).*apt-get install libopenblas0/);
    assert.equal(process.env.MMC_NATIVE_HINTED, '1', 'worker processes inherit the "already said" mark');
  } finally {
    if (saved === undefined) delete process.env.MMC_NATIVE_HINTED;
    else process.env.MMC_NATIVE_HINTED = saved;
  }
});

test('asking for native where it is unavailable is a usage error that says why and how to get it', async () => {
  await assert.rejects(selectBackend('native', { native: noAddon }), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.message, /^backend "native" is not available: the addon was not built \(test\); .*libopenblas0.*or use --backend wasm\.$/);
    return true;
  });
});

test('auto ends on cpu when wasm cannot load either', async () => {
  const info = await selectBackend('auto', { importer: nothing, native: noAddon });
  assert.equal(info.name, 'cpu');
  assert.equal(info.tried.length, 4);
  await selectBackend('wasm');
});

test('asking for tensorflow where it is not installed is a usage error that says how to get it', async () => {
  await assert.rejects(selectBackend('tensorflow', { importer: noNative }), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.message, /backend "tensorflow" is not available/);
    assert.match(e.message, /npm install @tensorflow\/tfjs-node-gpu/);
    return true;
  });
});

test('the real machine: auto picks a working backend and cpu is always there', async () => {
  const info = await selectBackend('auto');
  assert.ok(['tensorflow', 'native', 'wasm'].includes(info.name), info.name);
  assert.equal((await selectBackend('cpu')).name, 'cpu');
  await selectBackend('wasm');
});
