// checkpoints/{last,best}/: model.json (spec + tfjs-style weights manifest), weights.bin,
// optimizer.json + optimizer.bin (Adam moments), state.json (epoch, step, generator state).
// A checkpoint is written whole into a temporary folder and swapped in by rename.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { writeSynced } from './atomic.js';
import { join } from 'node:path';
import { CHECKPOINT_CHOICES } from '../config/schema.js';
import type { AdamState } from '../core/adam.js';
import type { FitState } from '../core/fit.js';
import type { ModelSpec } from '../core/model.js';

export interface WeightValue {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface Checkpoint {
  spec: ModelSpec;
  weights: WeightValue[];
  optimizer: AdamState;
  state: FitState;
}

function concatF32(arrays: Float32Array[]): Uint8Array {
  const total = arrays.reduce((s, a) => s + a.length, 0);
  const out = new Float32Array(total);
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return new Uint8Array(out.buffer);
}

/** The two checkpoints of a run: the best by the early-stopping metric, and the latest (defined once, in config/schema.ts). */
export const CHECKPOINTS = CHECKPOINT_CHOICES;
export type CheckpointName = (typeof CHECKPOINTS)[number];

export function saveCheckpoint(checkpointsDir: string, which: CheckpointName, ck: Checkpoint): void {
  const tmp = join(checkpointsDir, `.${which}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const manifest = ck.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' }));
  writeSynced(join(tmp, 'weights.bin'), concatF32(ck.weights.map((w) => w.data)));
  writeSynced(join(tmp, 'model.json'), JSON.stringify({ format: 'mmc-checkpoint', version: 1, spec: ck.spec, weightsManifest: [{ paths: ['weights.bin'], weights: manifest }] }, null, 2));
  const om = ck.optimizer.moments;
  writeSynced(join(tmp, 'optimizer.bin'), concatF32(om.flatMap((m) => [m.m, m.v])));
  writeSynced(join(tmp, 'optimizer.json'), JSON.stringify({ name: 'adam', t: ck.optimizer.t, moments: om.map((m) => ({ name: m.name, shape: m.shape })) }, null, 2));
  writeSynced(join(tmp, 'state.json'), JSON.stringify(ck.state, null, 2));
  const dest = join(checkpointsDir, which);
  const old = join(checkpointsDir, `.${which}.old-${process.pid}`);
  if (existsSync(dest)) renameSync(dest, old);
  renameSync(tmp, dest);
  // Our previous copy, and leftovers of killed processes (a temporary folder half written, or a
  // previous copy that a crash between the two renames left behind): all older than `dest` now.
  for (const f of readdirSync(checkpointsDir)) {
    if (f.startsWith(`.${which}.old-`) || f.startsWith(`.${which}.tmp-`)) rmSync(join(checkpointsDir, f), { recursive: true, force: true });
  }
}

/** The checkpoint folder to read: `which`, or the previous one if a crash fell between the two renames. */
export function checkpointDir(checkpointsDir: string, which: CheckpointName): string | null {
  const dest = join(checkpointsDir, which);
  if (existsSync(join(dest, 'state.json'))) return dest;
  if (!existsSync(checkpointsDir)) return null;
  // A crash fell between the two renames of saveCheckpoint: `which` is missing and its previous copy
  // is complete. (Leftovers are removed by each save, so there is at most one; take the latest anyway.)
  const olds = readdirSync(checkpointsDir)
    .filter((f) => f.startsWith(`.${which}.old-`) && existsSync(join(checkpointsDir, f, 'state.json')))
    .map((f) => ({ dir: join(checkpointsDir, f), epoch: (JSON.parse(readFileSync(join(checkpointsDir, f, 'state.json'), 'utf8')) as FitState).epoch }))
    .sort((a, b) => b.epoch - a.epoch);
  return olds[0]?.dir ?? null;
}

function readF32(path: string): Float32Array {
  const buf = readFileSync(path);
  if (buf.byteLength % 4 !== 0) throw new Error(`${path}: size ${buf.byteLength} is not a whole number of float32 values`);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function readModelJson(dir: string) {
  const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  if (model.format !== 'mmc-checkpoint') throw new Error(`${dir}/model.json is not an mmc checkpoint`);
  return model;
}

/** The model spec a checkpoint was saved from (model.json alone). */
export function readCheckpointSpec(dir: string): ModelSpec {
  return readModelJson(dir).spec as ModelSpec;
}

export function loadCheckpoint(dir: string): Checkpoint {
  const model = readModelJson(dir);
  const flat = readF32(join(dir, 'weights.bin'));
  const weights: WeightValue[] = [];
  let o = 0;
  for (const w of model.weightsManifest[0].weights as { name: string; shape: number[] }[]) {
    const n = size(w.shape);
    if (o + n > flat.length) throw new Error(`${dir}/weights.bin is shorter than its manifest`);
    weights.push({ name: w.name, shape: w.shape, data: flat.slice(o, o + n) });
    o += n;
  }
  const oj = JSON.parse(readFileSync(join(dir, 'optimizer.json'), 'utf8'));
  const ob = readF32(join(dir, 'optimizer.bin'));
  o = 0;
  const moments = (oj.moments as { name: string; shape: number[] }[]).map((m) => {
    const n = size(m.shape);
    const r = { name: m.name, shape: m.shape, m: ob.slice(o, o + n), v: ob.slice(o + n, o + 2 * n) };
    o += 2 * n;
    return r;
  });
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as FitState;
  return { spec: model.spec as ModelSpec, weights, optimizer: { t: oj.t, moments }, state };
}
