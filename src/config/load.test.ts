import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { QUICK_CONFIG } from '../test-support.js';
import { ConfigError } from '../errors.js';
import { configToYaml, parseConfigText } from './load.js';
import type { SyntheticDatasetConfig } from './schema.js';

const base = readFileSync(QUICK_CONFIG, 'utf8');
const F = 'exp.yaml';

function errorOf(text: string, overrides: string[] = []): string {
  try {
    parseConfigText(text, F, { overrides });
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${e}`);
    return (e as Error).message;
  }
  assert.fail('expected the config to be rejected');
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

test('a misspelt key is an error naming file, line, column, key and a suggestion', () => {
  const text = base.replace('  epochs: 3', '  epoch: 3');
  const line = lineOf(text, 'epoch: 3');
  assert.match(errorOf(text), new RegExp(`^exp\\.yaml:${line}:3: train\\.epoch: unknown key \\(did you mean "epochs"\\?\\)$`));
});

test('a wrong type names the expected type and the value found', () => {
  const text = base.replace('  epochs: 3', '  epochs: ten');
  assert.match(errorOf(text), new RegExp(`^exp\\.yaml:${lineOf(text, 'epochs: ten')}:\\d+: train\\.epochs: expected number, got string "ten"$`));
  const t2 = base.replace('type: concat', 'type: concatenate');
  assert.match(errorOf(t2), /exp\.yaml:\d+:\d+: model\.fusion\.type: expected one of "concat", "sum", "late", "attention", got string "concatenate"/);
  const t3 = base.replace('lr: 0.01', 'lr: -0.01');
  assert.match(errorOf(t3), new RegExp(`exp\\.yaml:${lineOf(t3, 'lr: -0.01')}:\\d+: train\\.optimizer\\.lr: must be >0, got number -0\\.01`));
  const t4 = base.replace('strength: 2.5', 'strength: [1, 2]');
  assert.match(errorOf(t4), /dataset\.modalities\.0\.strength: expected number, got a list/);
});

test('structural problems: missing section, empty file, junk, broken YAML, duplicate keys, bad modality subset', () => {
  assert.match(errorOf('name: x\nseed: 1\n'), /^exp\.yaml:1:1: dataset: /);
  assert.match(errorOf(''), /^exp\.yaml: the config is empty/);
  assert.match(errorOf('\u0000\u0001\u0002binary'), /^exp\.yaml: not a YAML text file/);
  assert.match(errorOf('train: [1, 2\n'), /^exp\.yaml:\d+:\d+: invalid YAML/);
  assert.match(errorOf('- 1\n- 2\n'), /^exp\.yaml:1:1: the config must be a mapping/);
  assert.match(errorOf(base + 'seed: 4\n'), /invalid YAML: Map keys must be unique/);
  assert.match(errorOf(base + 'modalities: [video]\n'), /modalities\.0: "video" is not a modality of the dataset \(it has image, audio\)/);
});

test('attention fusion: heads must divide d_model (given, or the largest encoder out_dim), in one line naming the key', () => {
  const att = base.replace('type: concat', 'type: attention');
  const c = parseConfigText(att, F);
  assert.deepEqual([c.model.fusion.layers, c.model.fusion.heads, c.model.fusion.d_model, c.model.fusion.ff_dim, c.model.fusion.norm], [1, 2, null, null, 'pre']);
  const three = att.replace('type: attention', 'type: attention\n    heads: 3');
  assert.match(errorOf(three), new RegExp(`^exp\\.yaml:${lineOf(three, 'heads: 3')}:\\d+: model\\.fusion\\.heads: 3 heads do not divide d_model 8 \\(model\\.fusion\\.d_model, or by default the largest encoder out_dim\\); choose heads that divide it$`));
  assert.match(errorOf(att, ['model.fusion.heads=3']), /^--set model\.fusion\.heads=3: model\.fusion\.heads: 3 heads do not divide d_model 8/);
  assert.match(errorOf(att, ['model.fusion.d_model=10', 'model.fusion.heads=4']), /model\.fusion\.heads: 4 heads do not divide d_model 10/);
  assert.match(errorOf(att, ['model.encoders={audio: {out_dim: 9}}']), /model\.fusion\.heads: 2 heads do not divide d_model 9/); // the largest out_dim
  assert.doesNotThrow(() => parseConfigText(att, F, { overrides: ['model.encoders={audio: {out_dim: 12}}', 'model.fusion.heads=4', 'model.fusion.norm=post', 'model.fusion.layers=2'] }));
  assert.match(errorOf(att, ['model.fusion.norm=mid']), /model\.fusion\.norm: expected one of "pre", "post"/);
  // Other fusion types ignore the attention keys.
  assert.doesNotThrow(() => parseConfigText(base, F, { overrides: ['model.fusion.heads=3'] }));
});

test('--set is typed by the schema', () => {
  const c = parseConfigText(base, F, {
    overrides: ['train.epochs=5', 'name=123', 'model.encoder.hidden=[8, 4]', 'dataset.modalities.audio.strength=2e-1', 'train.optimizer.lr=1e-3', 'modalities=[audio]', 'model.fusion.type=late'],
  });
  assert.equal(c.train.epochs, 5);
  assert.equal(c.name, '123'); // a string key keeps digits as text
  assert.deepEqual(c.model.encoder.hidden, [8, 4]);
  assert.equal((c.dataset as SyntheticDatasetConfig).modalities[1].strength, 0.2); // list item chosen by its name
  assert.equal(c.train.optimizer.lr, 0.001);
  assert.deepEqual(c.modalities, ['audio']);
  assert.equal(c.model.fusion.type, 'late');
  assert.equal((parseConfigText(base, F, { overrides: ['dataset.modalities.0.input_dim=12'] }).dataset as SyntheticDatasetConfig).modalities[0].input_dim, 12);
});

test('a bad --set names the override, not a line of the file', () => {
  assert.match(errorOf(base, ['train.epochs=abc']), /^--set train\.epochs=abc: train\.epochs: expected number, got string "abc"$/);
  assert.match(errorOf(base, ['train.epochz=3']), /^--set train\.epochz=3: train\.epochz: unknown key \(did you mean "epochs"\?\)$/);
  assert.match(errorOf(base, ['train.epochs']), /^--set train\.epochs: expected key=value/);
  assert.match(errorOf(base, ['dataset.modalities.video.strength=1']), /no list item named "video"/);
  assert.match(errorOf(base, ['dataset.modalities.5.strength=1']), /has 2 items, no index 5/);
});

test('with EBR on, ebr.train_substitution and train.modality_dropout exclude each other (a config rule, whichever verb loads it)', () => {
  const both = ['ebr.train_substitution=0.3', 'train.modality_dropout=0.2'];
  assert.match(errorOf(base, ['ebr.enabled=true', ...both]), /^--set ebr\.train_substitution=0\.3: ebr\.train_substitution: ebr\.train_substitution and train\.modality_dropout cannot both be on \(both choose which modalities a sample keeps\)$/);
  // EBR off: train_substitution is unused, so the combination stands (as before the rule moved here).
  assert.equal(parseConfigText(base, F, { overrides: both }).train.modality_dropout, 0.2);
  assert.equal(parseConfigText(base, F, { overrides: ['ebr.enabled=true', 'ebr.train_substitution=0.3'] }).ebr.train_substitution, 0.3);
});

test('ebr.substitution: random drops take train_substitution; missing and eval_only refuse it, and missing refuses modality dropout', () => {
  const on = ['ebr.enabled=true'];
  const parse = (o: string[]) => parseConfigText(base, F, { overrides: [...on, ...o] });
  assert.equal(parse([]).ebr.substitution, 'random');
  for (const mode of ['missing', 'eval_only']) {
    assert.match(errorOf(base, [...on, `ebr.substitution=${mode}`, 'ebr.train_substitution=0.3']), new RegExp(`ebr\\.train_substitution: ebr\\.train_substitution \\(0\\.3\\) drops modalities at random to substitute them, which ebr\\.substitution: ${mode} rules out; set it to 0 or use ebr\\.substitution: random$`));
    assert.equal(parse([`ebr.substitution=${mode}`, 'train.missing_rate.audio=0.3']).ebr.substitution, mode);
  }
  assert.match(errorOf(base, [...on, 'ebr.substitution=missing', 'train.modality_dropout=0.2']), /ebr\.substitution: ebr\.substitution: missing substitutes only really absent modalities, but train\.modality_dropout drops present ones; set one of them off$/);
  // eval_only with modality dropout is fine (no substitution in training at all); EBR off, nothing is checked.
  assert.equal(parse(['ebr.substitution=eval_only', 'train.modality_dropout=0.2']).train.modality_dropout, 0.2);
  assert.equal(parseConfigText(base, F, { overrides: ['ebr.substitution=eval_only', 'ebr.train_substitution=0.3'] }).ebr.train_substitution, 0.3);
  assert.match(errorOf(base, ['ebr.substitution=always']), /ebr\.substitution/);
});

test('EBR variants: g_dim and hidden default to null (the encoder width), hinv_output linear, psi_lr null; small λ and ψ rates parse', () => {
  const c = parseConfigText(base, F);
  assert.deepEqual([c.ebr.g_dim, c.ebr.hidden, c.ebr.hinv_output, c.ebr.psi_lr, c.train.select], [null, null, 'linear', null, 'best']);
  const small = parseConfigText(base, F, { overrides: ['ebr.lambda=0.002', 'ebr.psi_lr=1e-4', 'ebr.g_dim=64', 'ebr.hidden=null', 'train.select=last', 'train.early_stopping.metric=val_missing_loss'] });
  assert.deepEqual([small.ebr.lambda, small.ebr.psi_lr, small.ebr.g_dim, small.ebr.hidden, small.train.select, small.train.early_stopping.metric], [0.002, 1e-4, 64, null, 'last', 'val_missing_loss']);
  assert.equal(parseConfigText(base, F, { overrides: ['ebr.lambda=0.001'] }).ebr.lambda, 0.001);
  assert.match(errorOf(base, ['ebr.psi_lr=0']), /ebr\.psi_lr/);
  assert.match(errorOf(base, ['ebr.hinv_output=tanh']), /ebr\.hinv_output/);
  assert.match(errorOf(base, ['train.select=first']), /train\.select/);
});

test('defaults fill the resolved config, and the saved YAML reads back to the same config', () => {
  const c = parseConfigText(base, F);
  assert.equal(c.train.schedule.type, 'none');
  assert.equal(c.train.optimizer.beta2, 0.999);
  assert.equal(c.backend, 'auto');
  const again = parseConfigText(configToYaml(c), 'config.yaml');
  assert.deepEqual(again, c);
});
