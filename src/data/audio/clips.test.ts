import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../errors.js';
import { embeddedDatasetDir, loadAudioClips, verifyFiles } from './clips.js';

const DIR = embeddedDatasetDir('avmnist-mini');
const clips = loadAudioClips();

test('the embedded clips: counts, shape, balance over digits', () => {
  assert.ok(existsSync(join(DIR, 'README.md')));
  assert.equal(clips.mels, 32);
  assert.equal(clips.frames, 32);
  assert.ok(clips.n >= 2000 && clips.n <= 4000, `n = ${clips.n}`);
  assert.equal(clips.db.length, clips.n * 32 * 32);
  const perDigit = new Array(10).fill(0);
  clips.digit.forEach((d) => perDigit[d]++);
  assert.deepEqual(perDigit, new Array(10).fill(clips.n / 10));
});

test('train and test voices are disjoint, about 20% of identities are test, both splits have every digit', () => {
  const split = new Map<number, number>();
  clips.voice.forEach((v, i) => {
    if (split.has(v)) assert.equal(split.get(v), clips.testVoice[i], `voice ${clips.voices[v]} is in both splits`);
    split.set(v, clips.testVoice[i]);
  });
  assert.equal(split.size, clips.voices.length);
  assert.equal(new Set(clips.voices).size, clips.voices.length);
  const testVoices = [...split.values()].filter((t) => t === 1).length;
  assert.ok(Math.abs(testVoices / clips.voices.length - 0.2) < 0.02, `${testVoices} of ${clips.voices.length} voices are test`);
  for (const t of [0, 1]) {
    const digits = new Set([...clips.digit].filter((_, i) => clips.testVoice[i] === t));
    assert.equal(digits.size, 10);
  }
});

test('values are dB relative to each clip maximum, in [-80, 0], and not degenerate', () => {
  const cell = clips.mels * clips.frames;
  let floor = 0;
  for (let c = 0; c < clips.n; c++) {
    const x = clips.db.subarray(c * cell, (c + 1) * cell);
    assert.equal(Math.max(...x), 0, `clip ${c} max`);
    assert.ok(Math.min(...x) >= -80);
    floor += x.filter((v) => v === -80).length;
  }
  assert.ok(floor / clips.db.length < 0.1, `${floor} cells at the -80 dB floor`);
});

test('sanity: nearest training-voice digit centroid classifies test voices far above chance', () => {
  const d = clips.mels * clips.frames;
  const cent = new Float64Array(10 * d);
  const count = new Array(10).fill(0);
  for (let i = 0; i < clips.n; i++) {
    if (clips.testVoice[i]) continue;
    count[clips.digit[i]]++;
    for (let j = 0; j < d; j++) cent[clips.digit[i] * d + j] += clips.db[i * d + j];
  }
  for (let k = 0; k < 10; k++) for (let j = 0; j < d; j++) cent[k * d + j] /= count[k];
  let right = 0;
  let total = 0;
  for (let i = 0; i < clips.n; i++) {
    if (!clips.testVoice[i]) continue;
    let best = -1;
    let bestDist = Infinity;
    for (let k = 0; k < 10; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (clips.db[i * d + j] - cent[k * d + j]) ** 2;
      if (s < bestDist) [best, bestDist] = [k, s];
    }
    right += best === clips.digit[i] ? 1 : 0;
    total++;
  }
  // A regression guard, not a target (it was 98.6% when the data were made).
  assert.ok(right / total > 0.5, `nearest-centroid accuracy ${right}/${total}`);
});

test('verifyFiles passes on the checkout; missing, truncated and altered files fail by name', () => {
  assert.ok(verifyFiles(DIR).every((r) => r.ok && r.actual === r.expected));
  const tmp = mkdtempSync(join(tmpdir(), 'mmc-avm-'));
  const data = (clips.meta as { file: string }).file;
  const fresh = () => {
    for (const f of ['manifest.json', 'audio.json', data]) copyFileSync(join(DIR, f), join(tmp, f));
  };
  const expectUsage = (re: RegExp) =>
    assert.throws(() => loadAudioClips(tmp), (e: Error) => e instanceof UsageError && re.test(e.message), String(re));
  try {
    fresh();
    assert.equal(loadAudioClips(tmp).n, clips.n);
    unlinkSync(join(tmp, data));
    expectUsage(new RegExp(`${data} is missing`));
    assert.deepEqual(
      verifyFiles(tmp).filter((r) => !r.ok).map((r) => [r.file, r.actual]),
      [[data, null]],
    );
    fresh();
    writeFileSync(join(tmp, data), readFileSync(join(DIR, data)).subarray(0, 1000));
    expectUsage(new RegExp(`${data} has 1000 bytes, manifest.json says`));
    fresh();
    const buf = readFileSync(join(DIR, data));
    buf[12345] ^= 1;
    writeFileSync(join(tmp, data), buf);
    expectUsage(new RegExp(`${data}: sha256 \\w+ differs from manifest.json`));
    assert.deepEqual(verifyFiles(tmp).filter((r) => !r.ok).map((r) => r.file), [data]);
    // audio.json edited (and the manifest updated to match): the data no longer fit its shape.
    fresh();
    const meta = JSON.parse(readFileSync(join(DIR, 'audio.json'), 'utf8'));
    const json = Buffer.from(JSON.stringify({ ...meta, n: meta.n - 1 }));
    const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8'));
    manifest.files['audio.json'] = { sha256: createHash('sha256').update(json).digest('hex'), bytes: json.length };
    writeFileSync(join(tmp, 'audio.json'), json);
    writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest));
    expectUsage(new RegExp(`${data} holds ${clips.n * 1024} values, .*audio\\.json says ${clips.n - 1} × 32 × 32`));
    rmSync(join(tmp, 'manifest.json'));
    expectUsage(/manifest\.json is missing/);
  } finally {
    rmSync(tmp, { recursive: true });
  }
});
