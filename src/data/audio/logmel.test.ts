import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_LOGMEL, fft, hann, hzToMel, logMel, melFilterbank, melToHz, powerSpectrogram } from './logmel.js';
import { dequantise, quantisation, quantiseClip } from './quant.js';

// Written by scripts/oracle/logmel_ref.py (numpy float64, its own rfft) for the signal below.
const REF = JSON.parse(readFileSync(new URL('../../../../test/fixtures/audio/logmel_ref.json', import.meta.url), 'utf8'));

/** The oracle's test signal, term for term (see test_signal in logmel_ref.py). */
function testSignal(sr: number): Float64Array {
  const [n, a, b, c] = [17640, 2205, 14332, 15435];
  const x = new Float64Array(n);
  const dur = (b - a) / sr;
  for (let i = a; i < b; i++) {
    const t = (i - a) / sr;
    x[i] = 0.5 * Math.sin(2 * Math.PI * (200 * t + ((4000 - 200) / (2 * dur)) * t * t)) + 0.25 * Math.sin(2 * Math.PI * 1000 * t);
  }
  for (let i = b; i < c; i++) x[i] = 0.0005 * Math.sin((2 * Math.PI * 3000 * (i - b)) / sr);
  return x;
}

const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (tol ${tol})`);

test('the oracle fixture was made with the default parameters', () => {
  assert.deepEqual(REF.params, { ...DEFAULT_LOGMEL });
});

test('FFT: a pure tone on bin 37 of 512 puts all its power in bins 37 and 512−37', () => {
  const n = 512;
  const re = Float64Array.from({ length: n }, (_, i) => Math.cos((2 * Math.PI * 37 * i) / n));
  const im = new Float64Array(n);
  fft(re, im);
  for (let k = 0; k < n; k++) {
    const expected = k === 37 || k === n - 37 ? n / 2 : 0;
    close(Math.hypot(re[k], im[k]), expected, 1e-9, `|X[${k}]|`);
  }
});

test('FFT matches a direct DFT on random data, and rejects non-power-of-two lengths', () => {
  const n = 64;
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
  const x = Float64Array.from({ length: n }, rnd);
  const y = Float64Array.from({ length: n }, rnd);
  const re = x.slice();
  const im = y.slice();
  fft(re, im);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      const ang = (-2 * Math.PI * k * j) / n;
      sr += x[j] * Math.cos(ang) - y[j] * Math.sin(ang);
      si += x[j] * Math.sin(ang) + y[j] * Math.cos(ang);
    }
    close(re[k], sr, 1e-12, `re[${k}]`);
    close(im[k], si, 1e-12, `im[${k}]`);
  }
  assert.throws(() => fft(new Float64Array(6), new Float64Array(6)), /power of two/);
});

test('STFT of a windowed tone peaks at the tone bin; Hann is periodic', () => {
  const w = hann(8);
  assert.deepEqual([w[0], w[4]], [0, 1]);
  close(w[2], 0.5, 1e-15, 'w[2]');
  const sr = 22050;
  const bin = 93; // 93·22050/512 ≈ 4005 Hz
  const x = Float64Array.from({ length: 4000 }, (_, i) => Math.sin((2 * Math.PI * bin * sr * i) / 512 / sr));
  const s = powerSpectrogram(x, DEFAULT_LOGMEL);
  assert.equal(s.frames, 1 + Math.floor((4000 - 512) / 220));
  for (let t = 0; t < s.frames; t++) {
    const row = s.power.subarray(t * s.bins, (t + 1) * s.bins);
    assert.equal(row.indexOf(Math.max(...row)), bin);
    // A Hann window spreads a bin-centred tone over three bins as 1/4 : 1/2 : 1/4 in amplitude.
    close(row[bin + 1] / row[bin], 1 / 4, 1e-9, 'neighbour bin');
    close(row[bin + 2] / row[bin], 0, 1e-9, 'two bins away');
  }
});

test('mel filterbank: HTK scale, peaks of 1 at the centres, neighbouring filters sum to 1', () => {
  close(hzToMel(700), 2595 * Math.log10(2), 1e-9, 'mel(700 Hz)');
  close(melToHz(hzToMel(1234.5)), 1234.5, 1e-9, 'round trip');
  // 1000 Hz is 1000 mel on the HTK scale (to within its rounding of the constants).
  close(hzToMel(1000), 1000, 0.1, 'mel(1000 Hz)');
  const p = { ...DEFAULT_LOGMEL, nFft: 4096 }; // fine bins, so a bin lands near every centre
  const fb = melFilterbank(p);
  const df = p.sampleRate / p.nFft;
  REF.melCentresHz.forEach((c: number, m: number) => close(fb.centres[m], c, 1e-6, `centre ${m}`));
  for (let m = 0; m < p.nMels; m++) {
    const row = fb.weights.subarray(m * fb.bins, (m + 1) * fb.bins);
    const peak = row.indexOf(Math.max(...row));
    assert.ok(Math.abs(peak * df - fb.centres[m]) <= df, `filter ${m} peaks at ${peak * df} Hz, centre ${fb.centres[m]} Hz`);
    assert.ok(row[peak] > 0.9 && row[peak] <= 1);
  }
  // Between the first and last centre every frequency is covered by two triangles summing to 1.
  for (let k = 0; k < fb.bins; k++) {
    const f = k * df;
    if (f < fb.centres[0] || f > fb.centres[p.nMels - 1]) continue;
    let s = 0;
    for (let m = 0; m < p.nMels; m++) s += fb.weights[m * fb.bins + k];
    close(s, 1, 1e-9, `column sum at ${f} Hz`);
  }
  // Below fMin and above fMax nothing passes.
  for (let m = 0; m < p.nMels; m++) {
    assert.equal(fb.weights[m * fb.bins + 0], 0);
    assert.equal(fb.weights[m * fb.bins + Math.ceil(8000 / df) + 1], 0);
  }
});

test('the default filterbank matches the oracle row sums (every filter covers some bins)', () => {
  const fb = melFilterbank(DEFAULT_LOGMEL);
  for (let m = 0; m < DEFAULT_LOGMEL.nMels; m++) {
    let s = 0;
    for (let k = 0; k < fb.bins; k++) s += fb.weights[m * fb.bins + k];
    assert.ok(s > 0.5, `filter ${m} sums to ${s}`);
    close(s, REF.melRowSums[m], 1e-7, `row sum ${m}`);
  }
});

test('log-mel of the chirp+tone signal matches the numpy float64 oracle', () => {
  const x = testSignal(DEFAULT_LOGMEL.sampleRate);
  assert.equal(x.length, REF.samples);
  const spec = powerSpectrogram(x, DEFAULT_LOGMEL);
  assert.equal(spec.frames, REF.stftFrames);
  const probe = spec.power.subarray(REF.probeFrame * spec.bins, (REF.probeFrame + 1) * spec.bins);
  const peak = Math.max(...REF.probePower);
  REF.probePower.forEach((v: number, k: number) => close(probe[k], v, 1e-9 * peak + 1e-9 * v, `power[${k}]`));

  const r = logMel(x);
  assert.deepEqual([r.stftFrames, r.trimStart, r.trimEnd], [REF.stftFrames, REF.trimStart, REF.trimEnd]);
  assert.equal(r.db.length, DEFAULT_LOGMEL.nMels * DEFAULT_LOGMEL.frames);
  // Float32 output against float64 rounded to 1e-5 dB: a few float32 ulps at |dB| ≤ 100.
  REF.db.forEach((v: number, i: number) => close(r.db[i], v, 2e-4, `db[${i}]`));
});

test('trimming: leading/trailing silence does not change the features; a silent clip is all floor', () => {
  const x = testSignal(DEFAULT_LOGMEL.sampleRate);
  const padded = new Float64Array(x.length + 220 * 40);
  padded.set(x, 220 * 15); // whole hops, so frames line up with the unpadded signal's
  const a = logMel(x);
  const b = logMel(padded);
  assert.equal(b.trimEnd - b.trimStart, a.trimEnd - a.trimStart);
  a.db.forEach((v, i) => close(b.db[i], v, 1e-4, `db[${i}]`));
  const silent = logMel(new Float64Array(300));
  assert.equal(silent.stftFrames, 1);
  assert.ok(silent.db.every((v) => Math.abs(v - 10 * Math.log10(DEFAULT_LOGMEL.amin)) < 1e-4));
});

test('quantisation: relative to the clip maximum, 80 dB over 0..255, round trip within half a step', () => {
  const q = quantisation(80);
  const db = Float32Array.from([10, -5, -70, -200, 9.9]);
  const u8 = quantiseClip(db, q);
  // Relative to the max (10 dB): 0, −15, −80, −210 (clipped to −80), −0.1 dB.
  assert.deepEqual([...u8], [255, Math.round((65 * 255) / 80), 0, 0, Math.round((79.9 * 255) / 80)]);
  const back = dequantise(u8, q);
  for (const i of [0, 1, 2, 4]) close(back[i], db[i] - 10, q.scale / 2 + 1e-6, `dB ${i}`);
  assert.equal(back[3], -80);
});
