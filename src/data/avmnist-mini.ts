// avmnist-mini: each real MNIST digit paired with a spoken clip of the same digit (espeak-ng voices,
// log-mel features; datasets/avmnist-mini). Test images get clips of test voices only, validation
// images clips of validation voices (every 4th training voice), so the audio never shares a voice
// across splits. Everything random (image split, pairing, noise) comes from dataset.seed.
import { Rng } from '../core/rng.js';
import type { AvmnistMiniDatasetConfig } from '../config/schema.js';
import { standardize } from './array-checks.js';
import { loadAudioClips, type AudioClips } from './audio/clips.js';
import { loadMnistDigits } from './mnist-digits.js';
import { avmnistLayout } from './avmnist.js';
import { removeEnergy } from './pca.js';
import { hashSplits } from './synthetic.js';
import type { Dataset, Split, SplitName } from './types.js';

const SPLITS: SplitName[] = ['train', 'val', 'test'];

/** Which split each voice serves: test voices as the clips say; the rest alternate train/train/train/val. */
export function voiceSplits(clips: AudioClips): SplitName[] {
  const isTest = new Array<boolean>(clips.voices.length).fill(false);
  for (let i = 0; i < clips.n; i++) if (clips.testVoice[i]) isTest[clips.voice[i]] = true;
  let k = 0;
  return isTest.map((t) => (t ? 'test' : k++ % 4 === 3 ? 'val' : 'train'));
}

/** Additive noise at a signal-to-noise ratio, in the mel-power domain: P' = P + (P̄ / 10^(snr/10)) · E, E ~ Exp(1). */
function addNoise(db: Float32Array, power: Float64Array, snrDb: number, rng: Rng): void {
  let mean = 0;
  for (let i = 0; i < db.length; i++) mean += power[i];
  mean /= db.length;
  const noisePower = mean / 10 ** (snrDb / 10);
  for (let i = 0; i < db.length; i++) db[i] = 10 * Math.log10(power[i] - noisePower * Math.log(1 - rng.uniform()));
}

/** Each clip's mel power 10^(dB/10), computed once: a clip serves many samples. */
const powersOf = (db: Float32Array) => Float64Array.from(db, (v) => 10 ** (v / 10));

/** The dataset, plus which clip each sample's audio came from (for tests and inspection). */
export function loadAvmnistMini(cfg: AvmnistMiniDatasetConfig): Dataset & { clipIndex: Record<SplitName, Int32Array>; voiceSplit: SplitName[]; clips: AudioClips } {
  const digits = loadMnistDigits();
  const clips = loadAudioClips(cfg.dir ?? undefined);
  const root = new Rng(cfg.seed);
  const order = root.fork().permutation(digits.n);
  const pairRng = root.fork();
  const noiseRng = root.fork();

  const voiceSplit = voiceSplits(clips);
  const pools: Record<SplitName, number[][]> = { train: [], val: [], test: [] };
  for (const s of SPLITS) pools[s] = Array.from({ length: 10 }, () => []);
  for (let i = 0; i < clips.n; i++) pools[voiceSplit[clips.voice[i]]][clips.digit[i]].push(i);
  for (const s of SPLITS)
    pools[s].forEach((p, d) => {
      if (p.length === 0) throw new Error(`avmnist-mini: no ${s} clip of the digit ${d} (the audio files do not match their metadata)`);
    });

  const sizes: Record<SplitName, number> = { train: cfg.train_size, val: cfg.val_size, test: cfg.test_size };
  const audioDim = clips.mels * clips.frames;
  const splits = {} as Record<SplitName, Split>;
  const clipOf: Record<SplitName, Int32Array> = { train: new Int32Array(0), val: new Int32Array(0), test: new Int32Array(0) };
  let at = 0;
  let power: Float64Array | undefined;
  for (const s of SPLITS) {
    const n = sizes[s];
    const image = new Float32Array(n * 784);
    const audio = new Float32Array(n * audioDim);
    const y = new Int32Array(n);
    clipOf[s] = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const src = order[at + i];
      const d = digits.labels[src];
      y[i] = d;
      image.set(digits.pixels.subarray(src * 784, (src + 1) * 784), i * 784);
      const pool = pools[s][d];
      const c = pool[pairRng.int(pool.length)];
      clipOf[s][i] = c;
      const row = audio.subarray(i * audioDim, (i + 1) * audioDim);
      row.set(clips.db.subarray(c * audioDim, (c + 1) * audioDim));
      if (cfg.audio.snr_db !== null) addNoise(row, (power ??= powersOf(clips.db)).subarray(c * audioDim, (c + 1) * audioDim), cfg.audio.snr_db, noiseRng);
    }
    at += n;
    splits[s] = { n, x: { image, audio }, y };
  }

  const pca = removeEnergy(splits.train.x.image, splits.train.n, 784, cfg.image.energy_removed, [splits.val.x.image, splits.test.x.image], cfg.seed);
  // Audio in dB is standardised with the training split's scalar mean and sd (images stay in [0, 1]-ish pixel units).
  const audioStats = standardize(splits.train.x.audio, [splits.val.x.audio, splits.test.x.audio], splits.train.n, 'global')!;

  const voicesIn = (s: SplitName) => voiceSplit.filter((v) => v === s).length;
  const clipsUsed = (s: SplitName) => new Set(clipOf[s]).size;
  return {
    ...avmnistLayout('avmnist-mini', [clips.mels, clips.frames]),
    splits,
    hash: hashSplits(splits),
    info: {
      image_components_kept: pca.kept,
      image_energy_removed: pca.removed,
      audio_standardisation: { mean_db: audioStats.mean[0], sd_db: audioStats.sd[0] },
      voices: { train: voicesIn('train'), val: voicesIn('val'), test: voicesIn('test') },
      distinct_clips_used: { train: clipsUsed('train'), val: clipsUsed('val'), test: clipsUsed('test') },
    },
    clipIndex: clipOf,
    voiceSplit,
    clips,
  };
}
