// Log-mel features of a short utterance at a FIXED size [mels × frames], computed in float64 and
// returned as float32. The pipeline (scripts/oracle/logmel_ref.py is the same in numpy):
//   1. frames of winLength samples every hop samples, no centre padding (a clip shorter than one
//      window is zero-padded to one); periodic Hann window; zero-padded to nFft; radix-2 FFT;
//   2. power |X|² of bins 0..nFft/2;
//   3. triangular mel filters, HTK mel scale (mel = 2595·log10(1 + f/700)), peak height 1 (no
//      area normalisation), nMels filters with edges evenly spaced in mel between fMin and fMax;
//   4. silence trim: a frame is active when its total mel power is within trimDb of the loudest
//      frame's; keep the first through the last active frame (silence inside the word stays);
//   5. time axis to exactly `frames` columns by area averaging of mel POWER: output column j is the
//      mean of the trimmed input over [j·L/F, (j+1)·L/F) in frame units (L trimmed frames, F output
//      frames), fractional overlaps weighted — a box filter when shrinking, sample-and-hold when
//      stretching; so every word fills the same width and its duration is not a feature;
//   6. dB = 10·log10(max(power, amin)).

export interface LogMelParams {
  sampleRate: number;
  nFft: number;
  winLength: number;
  hop: number;
  nMels: number;
  fMin: number;
  fMax: number;
  frames: number;
  trimDb: number;
  amin: number;
}

/** espeak-ng speaks at 22050 Hz: 512-sample window (23.2 ms), 220-sample hop (9.98 ms), 50–8000 Hz. */
export const DEFAULT_LOGMEL: Readonly<LogMelParams> = Object.freeze({
  sampleRate: 22050,
  nFft: 512,
  winLength: 512,
  hop: 220,
  nMels: 32,
  fMin: 50,
  fMax: 8000,
  frames: 32,
  trimDb: 40,
  amin: 1e-10,
});

/** In-place iterative radix-2 decimation-in-time FFT (forward, unnormalised: X_k = Σ x_n e^{-2πikn/N}). */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  if (im.length !== n) throw new Error(`fft: re has ${n} entries, im has ${im.length}`);
  if (n < 1 || (n & (n - 1)) !== 0) throw new Error(`fft: length ${n} is not a power of two`);
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    const step = (-2 * Math.PI) / len;
    for (let k = 0; k < half; k++) {
      // Twiddles straight from cos/sin rather than by recurrence: no accumulated rounding.
      const wr = Math.cos(step * k);
      const wi = Math.sin(step * k);
      for (let i = k; i < n; i += len) {
        const j = i + half;
        const tr = re[j] * wr - im[j] * wi;
        const ti = re[j] * wi + im[j] * wr;
        re[j] = re[i] - tr;
        im[j] = im[i] - ti;
        re[i] += tr;
        im[i] += ti;
      }
    }
  }
}

/** Periodic Hann window (the STFT convention): w[n] = 0.5 − 0.5·cos(2πn/N). */
export function hann(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/** Power spectrogram, frame-major [frames × (nFft/2 + 1)]. */
export function powerSpectrogram(
  samples: ArrayLike<number>,
  p: Pick<LogMelParams, 'nFft' | 'winLength' | 'hop'>,
): { frames: number; bins: number; power: Float64Array } {
  if (p.winLength > p.nFft) throw new Error(`winLength ${p.winLength} exceeds nFft ${p.nFft}`);
  const bins = p.nFft / 2 + 1;
  const frames = samples.length <= p.winLength ? 1 : 1 + Math.floor((samples.length - p.winLength) / p.hop);
  const w = hann(p.winLength);
  const power = new Float64Array(frames * bins);
  const re = new Float64Array(p.nFft);
  const im = new Float64Array(p.nFft);
  for (let t = 0; t < frames; t++) {
    re.fill(0);
    im.fill(0);
    const at = t * p.hop;
    for (let i = 0; i < p.winLength && at + i < samples.length; i++) re[i] = samples[at + i] * w[i];
    fft(re, im);
    for (let k = 0; k < bins; k++) power[t * bins + k] = re[k] * re[k] + im[k] * im[k];
  }
  return { frames, bins, power };
}

export const hzToMel = (f: number) => 2595 * Math.log10(1 + f / 700);
export const melToHz = (m: number) => 700 * (10 ** (m / 2595) - 1);

/** Triangular mel filterbank [nMels × (nFft/2 + 1)], row-major; filter m peaks (at 1) at centres[m] Hz. */
export function melFilterbank(p: Pick<LogMelParams, 'sampleRate' | 'nFft' | 'nMels' | 'fMin' | 'fMax'>): {
  weights: Float64Array;
  bins: number;
  centres: Float64Array;
} {
  if (!(p.fMin >= 0 && p.fMin < p.fMax && p.fMax <= p.sampleRate / 2)) {
    throw new Error(`mel range ${p.fMin}–${p.fMax} Hz is not inside 0–${p.sampleRate / 2} Hz`);
  }
  const bins = p.nFft / 2 + 1;
  const lo = hzToMel(p.fMin);
  const hi = hzToMel(p.fMax);
  const edges = Array.from({ length: p.nMels + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (p.nMels + 1)));
  const weights = new Float64Array(p.nMels * bins);
  for (let m = 0; m < p.nMels; m++) {
    const [a, c, b] = [edges[m], edges[m + 1], edges[m + 2]];
    for (let k = 0; k < bins; k++) {
      const f = (k * p.sampleRate) / p.nFft;
      weights[m * bins + k] = Math.max(0, Math.min((f - a) / (c - a), (b - f) / (b - c)));
    }
  }
  return { weights, bins, centres: Float64Array.from(edges.slice(1, -1)) };
}

export interface LogMel {
  /** [mels × frames] row-major, dB (10·log10 power; input samples in [-1, 1]). */
  db: Float32Array;
  mels: number;
  frames: number;
  /** STFT frames before trimming, and the kept range [trimStart, trimEnd] (inclusive). */
  stftFrames: number;
  trimStart: number;
  trimEnd: number;
}

export function logMel(samples: ArrayLike<number>, p: LogMelParams = DEFAULT_LOGMEL): LogMel {
  const spec = powerSpectrogram(samples, p);
  const fb = melFilterbank(p);
  const T = spec.frames;
  const M = p.nMels;
  const mel = new Float64Array(M * T); // [mels × T]
  for (let m = 0; m < M; m++) {
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (let k = 0; k < spec.bins; k++) s += fb.weights[m * spec.bins + k] * spec.power[t * spec.bins + k];
      mel[m * T + t] = s;
    }
  }
  const [trimStart, trimEnd] = activeRange(mel, M, T, p);
  const db = new Float32Array(M * p.frames);
  const L = trimEnd - trimStart + 1;
  for (let j = 0; j < p.frames; j++) {
    const a = (j * L) / p.frames;
    const b = ((j + 1) * L) / p.frames;
    for (let m = 0; m < M; m++) {
      let s = 0;
      for (let i = Math.floor(a); i < b; i++) s += mel[m * T + trimStart + i] * (Math.min(b, i + 1) - Math.max(a, i));
      db[m * p.frames + j] = 10 * Math.log10(Math.max(s / (b - a), p.amin));
    }
  }
  return { db, mels: M, frames: p.frames, stftFrames: T, trimStart, trimEnd };
}

/** First and last frame whose total mel power is within trimDb of the loudest; all frames if silent. */
function activeRange(mel: Float64Array, M: number, T: number, p: Pick<LogMelParams, 'trimDb' | 'amin'>): [number, number] {
  const energyDb = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let e = 0;
    for (let m = 0; m < M; m++) e += mel[m * T + t];
    energyDb[t] = 10 * Math.log10(e + p.amin);
  }
  const peak = Math.max(...energyDb);
  let first = -1;
  let last = -1;
  for (let t = 0; t < T; t++) {
    if (energyDb[t] >= peak - p.trimDb) {
      if (first < 0) first = t;
      last = t;
    }
  }
  return first < 0 ? [0, T - 1] : [first, last];
}
