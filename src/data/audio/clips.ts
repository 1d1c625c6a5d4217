// Loader for the embedded spoken-digit clips (datasets/avmnist-mini/audio.*, written by
// scripts/make-avmnist-mini-audio.mjs). Every file is checked against manifest.json before use, so a
// truncated or edited checkout fails with the file's name rather than with odd accuracies later.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { UsageError } from '../../errors.js';
import { dequantise, type DbQuantisation } from './quant.js';

export interface AudioClips {
  n: number;
  mels: number;
  frames: number;
  /** n × mels × frames, clip-major, each clip [mels][frames] row-major; dB relative to the clip's maximum, in [-80, 0]. */
  db: Float32Array;
  /** 0..9 */
  digit: Uint8Array;
  /** 1 if the clip's voice identity is a test voice (train and test voices are disjoint). */
  testVoice: Uint8Array;
  /** Index into voices. */
  voice: Uint16Array;
  /** Voice identities, "base+variant" as given to espeak-ng -v. */
  voices: string[];
  /** The parsed audio.json (parameters, quantisation, per-clip speed/pitch, …). */
  meta: unknown;
}

export interface FileCheck {
  file: string;
  ok: boolean;
  /** sha256 hex from manifest.json. */
  expected: string;
  /** sha256 hex of the file, or null when it is missing. */
  actual: string | null;
}

interface Manifest {
  files: Record<string, { sha256: string; bytes: number }>;
}

interface AudioMeta {
  format: string;
  version: number;
  file: string;
  encoding: 'gzip' | 'none';
  n: number;
  mels: number;
  frames: number;
  quantisation: DbQuantisation;
  voices: { name: string; split: 'train' | 'test' }[];
  clips: { digit: number[]; voice: number[] };
}

/** datasets/<name> in the mmc checkout (this file compiles to dist/src/data/audio/clips.js). */
export function embeddedDatasetDir(name: string): string {
  return fileURLToPath(new URL(`../../../../datasets/${name}`, import.meta.url));
}

/** sha256 of bytes, lower-case hex (also `mmc data verify`). */
export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function readManifest(dir: string): Manifest {
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new UsageError(`${path} is missing (is ${dir} a dataset folder?)`);
  const m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  if (!m || typeof m.files !== 'object') throw new UsageError(`${path}: no "files" table`);
  return m;
}

/** Every file listed in dir/manifest.json, checked by sha256. */
export function verifyFiles(dir: string): FileCheck[] {
  const m = readManifest(dir);
  return Object.entries(m.files).map(([file, e]) => {
    const path = join(dir, file);
    const actual = existsSync(path) ? sha256(readFileSync(path)) : null;
    return { file, ok: actual === e.sha256, expected: e.sha256, actual };
  });
}

/** Reads one manifest-listed file, failing with its path when missing, of the wrong size or altered. */
function readChecked(dir: string, m: Manifest, file: string): Buffer {
  const path = join(dir, file);
  const e = m.files[file];
  if (!e) throw new UsageError(`${join(dir, 'manifest.json')} does not list ${file}`);
  if (!existsSync(path)) throw new UsageError(`${path} is missing (manifest.json lists it)`);
  const buf = readFileSync(path);
  if (buf.length !== e.bytes) throw new UsageError(`${path} has ${buf.length} bytes, manifest.json says ${e.bytes} (truncated or replaced?)`);
  const actual = sha256(buf);
  if (actual !== e.sha256) throw new UsageError(`${path}: sha256 ${actual} differs from manifest.json's ${e.sha256}`);
  return buf;
}

export function loadAudioClips(dir: string = embeddedDatasetDir('avmnist-mini')): AudioClips {
  const m = readManifest(dir);
  const metaPath = join(dir, 'audio.json');
  const meta = JSON.parse(readChecked(dir, m, 'audio.json').toString('utf8')) as AudioMeta;
  if (meta.format !== 'mmc-avmnist-mini-audio' || meta.version !== 1) {
    throw new UsageError(`${metaPath}: format ${meta.format} v${meta.version}, this mmc reads mmc-avmnist-mini-audio v1`);
  }
  const { n, mels, frames } = meta;
  const raw = readChecked(dir, m, meta.file);
  const u8 = meta.encoding === 'gzip' ? gunzipSync(raw) : raw;
  if (u8.length !== n * mels * frames) {
    throw new UsageError(`${join(dir, meta.file)} holds ${u8.length} values, ${metaPath} says ${n} × ${mels} × ${frames} = ${n * mels * frames}`);
  }
  if (meta.clips.digit.length !== n || meta.clips.voice.length !== n) {
    throw new UsageError(`${metaPath}: per-clip arrays have ${meta.clips.digit.length}/${meta.clips.voice.length} entries, n is ${n}`);
  }
  const voice = Uint16Array.from(meta.clips.voice);
  const testVoice = new Uint8Array(n);
  voice.forEach((v, i) => {
    if (!meta.voices[v]) throw new UsageError(`${metaPath}: clip ${i} names voice ${v}, there are ${meta.voices.length}`);
    testVoice[i] = meta.voices[v].split === 'test' ? 1 : 0;
  });
  return {
    n,
    mels,
    frames,
    db: dequantise(new Uint8Array(u8.buffer, u8.byteOffset, u8.length), meta.quantisation),
    digit: Uint8Array.from(meta.clips.digit),
    testVoice,
    voice,
    voices: meta.voices.map((v) => v.name),
    meta,
  };
}
