import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type Importer } from './backend.js';
import { UsageError } from './errors.js';

// Importers that behave as on a machine where tfjs-node could not install (or also wasm failed).
const noNative: Importer = async (name) => {
  if (name.includes('tfjs-node')) throw new Error(`Cannot find package '${name}'`);
  return import(name);
};
const nothing: Importer = async (name) => {
  throw new Error(`Cannot find package '${name}'`);
};

test('auto falls back from tfjs-node-gpu and tfjs-node to wasm, and says what it skipped', async () => {
  const info = await selectBackend('auto', noNative);
  assert.equal(info.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.deepEqual(info.tried.map((t) => t.package), ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
  assert.match(info.tried[0].error, /Cannot find package/);
  assert.equal(info.versions['tfjs-core'], tf.version.tfjs);
});

test('auto ends on cpu when wasm cannot load either', async () => {
  const info = await selectBackend('auto', nothing);
  assert.equal(info.name, 'cpu');
  assert.equal(info.tried.length, 3);
  await selectBackend('wasm');
});

test('asking for tensorflow where it is not installed is a usage error that says how to get it', async () => {
  await assert.rejects(selectBackend('tensorflow', noNative), (e: unknown) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.message, /backend "tensorflow" is not available/);
    assert.match(e.message, /npm install @tensorflow\/tfjs-node-gpu/);
    return true;
  });
});

test('the real machine: auto picks a working backend and cpu is always there', async () => {
  const info = await selectBackend('auto');
  assert.ok(['tensorflow', 'wasm'].includes(info.name), info.name);
  assert.equal((await selectBackend('cpu')).name, 'cpu');
  await selectBackend('wasm');
});
