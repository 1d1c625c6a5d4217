// A user's ONNX model through onnxruntime-web (wasm; docs/diagnose.md says why not onnxruntime-node):
// its inputs and outputs, and batched forward passes on float32 rows.
import { readFileSync } from 'node:fs';
import type * as Ort from 'onnxruntime-web';
import { UsageError } from '../errors.js';

export interface OnnxValue {
  name: string;
  type: string; // float32, int64, … ('unknown' when the model does not say)
  shape: (number | string)[]; // a string (or -1) is a free dimension
}

export interface OnnxModel {
  file: string;
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  /** One pass on `n` rows: feeds are flat float32 with their per-sample dims; returns the asked outputs flat, with their per-sample width. */
  run(n: number, feeds: Record<string, { data: Float32Array; dims: number[] }>, outputs: string[]): Promise<Record<string, { data: Float32Array; width: number }>>;
  close(): Promise<void>;
}

// Imported on first use (it is slow to load, and only diagnose needs it).
let runtime: Promise<typeof Ort> | undefined;
const loadRuntime = () =>
  (runtime ??= import('onnxruntime-web').then((ort) => {
    // One wasm thread: deterministic, and polite on a shared machine.
    ort.env.wasm.numThreads = 1;
    ort.env.logLevel = 'error';
    return ort;
  }));

const meta = (m: Ort.InferenceSession.ValueMetadata): OnnxValue => (m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] });

export async function openOnnx(file: string): Promise<OnnxModel> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`--model ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const ort = await loadRuntime();
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes);
  } catch (e) {
    const why = String((e as Error).message ?? e).split('\n')[0].replace(/^.*ERROR_MESSAGE:\s*/, '').slice(0, 160);
    throw new UsageError(`--model ${file}: not an ONNX model onnxruntime can load (${why})`);
  }
  return {
    file,
    inputs: session.inputMetadata.map(meta),
    outputs: session.outputMetadata.map(meta),
    async run(n, feeds, outputs) {
      const t = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, [n, ...v.dims])]));
      const r = await session.run(t, outputs);
      const out: Record<string, { data: Float32Array; width: number }> = {};
      for (const k of outputs) {
        const v = r[k];
        if (v.type !== 'float32') throw new UsageError(`model output ${k} is ${v.type}, not float32`);
        out[k] = { data: v.data as Float32Array, width: n ? v.size / n : 0 };
        v.dispose();
      }
      return out;
    },
    close: () => session.release(),
  };
}
