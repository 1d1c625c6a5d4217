// Which model input gets which modality, in what per-sample shape; and the options that name them.
// Data are reshaped to the model's declared shape (never transposed: layout is the model's business).
import { MAX_SHAPLEY_MODALITIES } from '../core/analysis/collapse.js';
import type { ModalityInfo } from '../data/types.js';
import { UsageError } from '../errors.js';
import type { OnnxValue } from './onnx-model.js';

export type InputAbsence = { protocol: 'zero' } | { protocol: 'mean' } | { protocol: 'mask'; input: string };

export interface InputPlan {
  modality: string;
  input: string;
  dims: number[]; // per sample, as the model takes it
}

/** `image=x_img,audio=x_aud` → { image: 'x_img', audio: 'x_aud' }. */
export function parsePairs(flag: string, v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^=\s]+)=(\S+)$/.exec(part);
    if (!m) throw new UsageError(`${flag} ${v}: expected MODALITY=NAME pairs separated by commas`);
    if (m[1] in out) throw new UsageError(`${flag}: modality ${m[1]} named twice`);
    out[m[1]] = m[2];
  }
  return out;
}

export function parseAbsence(v: string): InputAbsence {
  if (v === 'zero' || v === 'mean') return { protocol: v };
  const m = /^mask:(\S+)$/.exec(v);
  if (m) return { protocol: 'mask', input: m[1] };
  throw new UsageError(`--absence ${v}: expected zero, mean or mask:INPUT`);
}

const free = (d: number | string) => typeof d === 'string' || d < 0;

/** The per-sample dims a model input takes, from data of `info`'s shape; a UsageError when they cannot match. */
function inputDims(input: OnnxValue, info: ModalityInfo): number[] {
  const rest = input.shape.slice(1);
  const show = (s: (number | string)[]) => `[${s.join(', ')}]`;
  const mismatch = () => new UsageError(`model input ${input.name} ${show(input.shape)} does not fit modality ${info.name} of shape ${show(info.shape)} (${info.dim} values per sample)`);
  if (input.shape.length === 0) throw mismatch();
  let dims: number[];
  if (rest.every((d) => !free(d))) dims = rest as number[];
  else if (rest.length === info.shape.length) dims = rest.map((d, i) => (free(d) ? info.shape[i] : (d as number)));
  else if (rest.length === 1) dims = [info.dim];
  else throw mismatch();
  if (dims.reduce((a, b) => a * b, 1) !== info.dim) throw mismatch();
  return dims;
}

/**
 * Model inputs ↔ dataset modalities: by equal name, or as `map` (modality → input) says. Every model
 * input but the presence mask needs a modality; dataset modalities the model lacks are left out.
 */
export function planInputs(inputs: OnnxValue[], modalities: ModalityInfo[], o: { map?: Record<string, string>; absence: InputAbsence }): InputPlan[] {
  const names = modalities.map((m) => m.name);
  const byInput = new Map<string, string>();
  for (const [mod, input] of Object.entries(o.map ?? {})) {
    if (!names.includes(mod)) throw new UsageError(`--inputs ${mod}=${input}: the data have no modality ${mod} (they have ${names.join(', ')})`);
    if (!inputs.some((i) => i.name === input)) throw new UsageError(`--inputs ${mod}=${input}: the model has no input ${input} (it has ${inputs.map((i) => i.name).join(', ')})`);
    byInput.set(input, mod);
  }
  const mask = o.absence.protocol === 'mask' ? o.absence.input : null;
  if (mask && !inputs.some((i) => i.name === mask)) throw new UsageError(`--absence mask:${mask}: the model has no input ${mask} (it has ${inputs.map((i) => i.name).join(', ')})`);
  const plan: InputPlan[] = [];
  for (const input of inputs) {
    if (input.name === mask) continue;
    const mod = byInput.get(input.name) ?? (names.includes(input.name) && ![...byInput.values()].includes(input.name) ? input.name : null);
    if (!mod) throw new UsageError(`model input ${input.name} matches no modality of the data (${names.join(', ')}); name it with --inputs MODALITY=${input.name}${input.name === 'present' ? ' or, for an mmc export, --absence mask:present' : ''}`);
    if (input.type !== 'float32') throw new UsageError(`model input ${input.name} is ${input.type}; mmc feeds float32`);
    plan.push({ modality: mod, input: input.name, dims: inputDims(input, modalities.find((m) => m.name === mod)!) });
  }
  if (!plan.length) throw new UsageError('the model takes no modality input');
  if (plan.length > MAX_SHAPLEY_MODALITIES) throw new UsageError(`the model takes ${plan.length} modalities; exact Shapley values enumerate 2^M subsets, at most ${MAX_SHAPLEY_MODALITIES} modalities`);
  if (mask) {
    const m = inputs.find((i) => i.name === mask)!;
    const width = m.shape.at(-1);
    if (m.shape.length !== 2 || (typeof width === 'number' && width >= 0 && width !== plan.length)) throw new UsageError(`--absence mask:${mask}: the mask input is [${m.shape.join(', ')}], expected [batch, ${plan.length}] (one column per modality input, in input order)`);
  }
  return plan;
}

/** The model output named `name`, checked to be float (when the model says its type). */
export function pickOutput(outputs: OnnxValue[], name: string, flag: string): OnnxValue {
  const o = outputs.find((x) => x.name === name);
  if (!o) throw new UsageError(`${flag} ${name}: the model has no output ${name} (it has ${outputs.map((x) => x.name).join(', ')})`);
  if (o.type !== 'float32') throw new UsageError(`${flag} ${name}: the output is ${o.type}, not float32`);
  return o;
}
