// Every shipped config parses, and the avmnist-mini variants share vanilla's data, model and training.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfigFile } from '../src/config/load.js';

const root = join(import.meta.dirname, '..', '..', 'configs');

test('every config under configs/ parses', () => {
  const files = readdirSync(root, { recursive: true }).map(String).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 14, `only ${files.length} configs found`);
  for (const f of files) assert.doesNotThrow(() => loadConfigFile(join(root, f)), f);
});

test('configs/avmnist-mini/{kd,ebr}.yaml differ from vanilla.yaml only in name and their method section', () => {
  const strip = (c: ReturnType<typeof loadConfigFile>) => ({ ...c, name: '', distill: null, ebr: null });
  const vanilla = loadConfigFile(join(root, 'avmnist-mini', 'vanilla.yaml'));
  for (const v of ['kd', 'ebr']) assert.deepEqual(strip(loadConfigFile(join(root, 'avmnist-mini', `${v}.yaml`))), strip(vanilla), v);
});

test('configs/synthetic/attention.yaml is collapse.yaml with attention fusion: only name and model.fusion differ', () => {
  const strip = (c: ReturnType<typeof loadConfigFile>) => ({ ...c, name: '', model: { ...c.model, fusion: null } });
  const collapse = loadConfigFile(join(root, 'synthetic', 'collapse.yaml'));
  const attention = loadConfigFile(join(root, 'synthetic', 'attention.yaml'));
  assert.deepEqual(strip(attention), strip(collapse));
  assert.equal(attention.model.fusion.type, 'attention');
  assert.deepEqual(attention.model.fusion.hidden, collapse.model.fusion.hidden);
});
