#!/usr/bin/env node
// Regenerates the audio half of datasets/avmnist-mini: the spoken digits "zero".."nine" from
// espeak-ng over voices × variants × speeds × pitches, as fixed-size log-mel features computed by
// mmc's own code (dist/src/data/audio, so run `npx tsc -p tsconfig.json` first).
// Usage: node scripts/make-avmnist-mini-audio.mjs [outDir=datasets/avmnist-mini]
// The output depends only on the espeak-ng version and this script: no clock, no randomness.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist/src/data/audio');
if (!existsSync(join(DIST, 'logmel.js'))) {
  console.error('dist/src/data/audio/logmel.js is missing: run `npx tsc -p tsconfig.json` first');
  process.exit(1);
}
const { parseWav } = await import(join(DIST, 'wav.js'));
const { DEFAULT_LOGMEL, logMel } = await import(join(DIST, 'logmel.js'));
const { quantisation, quantiseClip } = await import(join(DIST, 'quant.js'));

const OUT = resolve(process.argv[2] ?? join(ROOT, 'datasets/avmnist-mini'));
const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const SPEEDS = [130, 160, 190]; // words per minute (espeak-ng -s)
const PITCHES = [35, 50, 65]; // 0..99 (espeak-ng -p)
const TEST_FRACTION = 0.2;
const SPLIT_SALT = 'avmnist-mini/test-voices/v1';
const Q = quantisation(80);

const espeak = (...args) => execFileSync('espeak-ng', args, { encoding: 'utf8' });
const version = espeak('--version').match(/eSpeak NG text-to-speech: (\S+)/)?.[1];
if (!version) throw new Error('could not read the espeak-ng version');

/** Rows of `espeak-ng --voices=…`: [language, file] from the fixed-width table. */
function voiceTable(arg) {
  return espeak(`--voices=${arg}`)
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((c) => c.length >= 5)
    .map((c) => ({ language: c[1], file: c[4] }));
}
// eSpeak's own formant voices (gmw/…). The mb/… rows are MBROLA voices, which need the separate
// mbrola program and voice databases (not installed with espeak-ng, and not all free).
const bases = [...new Set(voiceTable('en').filter((v) => v.file.startsWith('gmw/')).map((v) => v.language))].sort();
// The numbered variants m1..m8, f1..f5: the stock male/female timbres (the named ones are mostly effects).
const variants = voiceTable('variant')
  .map((v) => v.file.replace(/^!v\//, ''))
  .filter((v) => /^[mf]\d+$/.test(v))
  .sort((a, b) => a[0].localeCompare(b[0]) || Number(a.slice(1)) - Number(b.slice(1)));
const ids = bases.flatMap((b) => variants.map((v) => ({ name: `${b}+${v}`, voice: b, variant: v })));

// Test voices: the round(20%) identities with the smallest sha256(salt:name) — fixed, order-free.
const rank = (name) => createHash('sha256').update(`${SPLIT_SALT}:${name}`).digest('hex');
const testSet = new Set([...ids].sort((a, b) => (rank(a.name) < rank(b.name) ? -1 : 1)).slice(0, Math.round(TEST_FRACTION * ids.length)).map((v) => v.name));
const voices = ids.map((v) => ({ ...v, split: testSet.has(v.name) ? 'test' : 'train' }));

// Each (voice, digit) is spoken at 3 of the 9 speed×pitch pairs: every speed once, with the pitches
// rotated by (voice + digit) mod 3 (a Latin square), so speed, pitch and digit stay balanced.
const clips = [];
voices.forEach((v, vi) =>
  WORDS.forEach((_, digit) =>
    SPEEDS.forEach((speed, j) => clips.push({ voice: vi, digit, speed, pitch: PITCHES[(j + vi + digit) % 3] })),
  ),
);
console.error(`espeak-ng ${version}: ${bases.length} voices × ${variants.length} variants = ${voices.length} identities (${testSet.size} test), ${clips.length} clips`);

const tmp = mkdtempSync(join(tmpdir(), 'avmnist-audio-'));
const P = DEFAULT_LOGMEL;
const cell = P.nMels * P.frames;
const u8 = new Uint8Array(clips.length * cell);
const activeFrames = new Array(clips.length);
const t0 = performance.now();

function synth(i) {
  const c = clips[i];
  const wav = join(tmp, `${i}.wav`);
  const args = ['-v', voices[c.voice].name, '-s', String(c.speed), '-p', String(c.pitch), '-w', wav, WORDS[c.digit]];
  return new Promise((ok, fail) => {
    const p = spawn('espeak-ng', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', fail);
    p.on('close', (code) => {
      if (code !== 0 || err.trim()) return fail(new Error(`espeak-ng ${args.join(' ')}: exit ${code} ${err.trim()}`));
      const w = parseWav(readFileSync(wav), wav);
      rmSync(wav);
      if (w.sampleRate !== P.sampleRate) return fail(new Error(`${wav}: ${w.sampleRate} Hz, expected ${P.sampleRate}`));
      const f = logMel(w.samples, P);
      u8.set(quantiseClip(f.db, Q), i * cell);
      activeFrames[i] = f.trimEnd - f.trimStart + 1;
      ok();
    });
  });
}

let next = 0;
const worker = async () => {
  while (next < clips.length) {
    const i = next++;
    await synth(i);
    if (i % 500 === 0) console.error(`  ${i}/${clips.length}`);
  }
};
await Promise.all(Array.from({ length: Math.max(2, availableParallelism()) }, worker));
rmSync(tmp, { recursive: true });
const seconds = (performance.now() - t0) / 1000;

// gzip only when it pays (it does: quiet cells cluster near 0 and rows are smooth).
const gz = gzipSync(u8, { level: 9 });
const useGz = gz.length < 0.9 * u8.length;
const dataFile = useGz ? 'audio.u8.gz' : 'audio.u8';
const meta = {
  format: 'mmc-avmnist-mini-audio',
  version: 1,
  about: 'spoken digits zero..nine from espeak-ng, as fixed-size log-mel spectrograms; see README.md',
  generator: 'scripts/make-avmnist-mini-audio.mjs',
  source: {
    synthesiser: 'espeak-ng',
    version,
    command: 'espeak-ng -v VOICE+VARIANT -s SPEED -p PITCH -w clip.wav WORD',
    sampleRate: P.sampleRate,
  },
  words: WORDS,
  file: dataFile,
  encoding: useGz ? 'gzip' : 'none',
  dtype: 'uint8',
  layout: 'clip-major; each clip [mels][frames] row-major',
  shape: [clips.length, P.nMels, P.frames],
  n: clips.length,
  mels: P.nMels,
  frames: P.frames,
  features: {
    ...P,
    window: 'periodic Hann, no centre padding',
    spectrum: 'power |X|^2, bins 0..nFft/2',
    melScale: 'HTK: mel = 2595*log10(1 + f/700); triangular filters, peak 1, no area normalisation',
    trim: 'keep first..last frame whose total mel power is within trimDb of the loudest frame',
    resample: 'area average of mel power over [j*L/F, (j+1)*L/F) for L kept frames, F output frames',
    log: 'dB = 10*log10(max(power, amin)), samples in [-1, 1]',
  },
  quantisation: {
    ...Q,
    reference: "each clip's maximum dB cell; stored dB are relative to it, clipped to [offset, 0]",
    formula: 'dB = q * scale + offset',
  },
  design: {
    speeds: SPEEDS,
    pitches: PITCHES,
    rule: 'every identity says every digit at each speed once; pitch index = (speed index + voice index + digit) mod 3',
  },
  split: {
    rule: `test voices: the round(${TEST_FRACTION} * identities) identities with the smallest sha256("${SPLIT_SALT}:" + name) (hex order)`,
    unit: 'voice identity = base voice + variant',
  },
  voices,
  clips: {
    digit: clips.map((c) => c.digit),
    voice: clips.map((c) => c.voice),
    speed: clips.map((c) => c.speed),
    pitch: clips.map((c) => c.pitch),
    activeFrames,
  },
};

mkdirSync(OUT, { recursive: true });
const json = Buffer.from(JSON.stringify(meta) + '\n');
const data = useGz ? gz : Buffer.from(u8);
writeFileSync(join(OUT, 'audio.json'), json);
writeFileSync(join(OUT, dataFile), data);
rmSync(join(OUT, useGz ? 'audio.u8' : 'audio.u8.gz'), { force: true });
// The manifest is shared with the image half: keep others' entries, replace ours.
const manPath = join(OUT, 'manifest.json');
const manifest = existsSync(manPath) ? JSON.parse(readFileSync(manPath, 'utf8')) : { format: 1, files: {} };
for (const f of ['audio.json', 'audio.u8', 'audio.u8.gz']) delete manifest.files[f];
const sha = (b) => createHash('sha256').update(b).digest('hex');
manifest.files['audio.json'] = { sha256: sha(json), bytes: json.length };
manifest.files[dataFile] = { sha256: sha(data), bytes: data.length };
manifest.files = Object.fromEntries(Object.entries(manifest.files).sort(([a], [b]) => (a < b ? -1 : 1)));
writeFileSync(manPath, JSON.stringify(manifest, null, 2) + '\n');
console.error(
  `wrote ${OUT}: ${clips.length} clips, ${dataFile} ${data.length} bytes (raw ${u8.length}), audio.json ${json.length} bytes; synthesis + features ${seconds.toFixed(1)} s`,
);
