// `mmc export --format onnx`: a run's checkpoint as OUT/<run id>.onnx (graph.ts says what it computes).
import { join } from 'node:path';
import { UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../run/atomic.js';
import { checkpointDir, loadCheckpoint, type CheckpointName } from '../../run/checkpoint.js';
import { MMC_VERSION } from '../../version.js';
import type { ExportRun } from '../source.js';
import { onnxGraph } from './graph.js';
import { encodeModel } from './proto.js';

export const ONNX_OPSET = 13;

export interface OnnxExport {
  run: string;
  checkpoint: CheckpointName;
  file: string;
  bytes: number;
}

/** The checkpoint asked for, else the run's train.select (as mmc analyze picks it), else best. */
function whichCheckpoint(run: ExportRun, asked?: CheckpointName): CheckpointName {
  if (asked) return asked;
  const select = (run.config?.train as { select?: unknown } | undefined)?.select;
  return select === 'last' ? 'last' : 'best';
}

export function writeOnnx(run: ExportRun, out: string, asked?: CheckpointName): OnnxExport {
  const checkpoint = whichCheckpoint(run, asked);
  const dir = checkpointDir(join(run.dir, 'checkpoints'), checkpoint);
  if (!dir) throw new UsageError(`run ${run.id} has no ${checkpoint} checkpoint yet`);
  const ck = loadCheckpoint(dir);
  const bytes = encodeModel(onnxGraph(ck.spec, ck.weights, run.id), { producer: 'mmc', version: MMC_VERSION, opset: ONNX_OPSET });
  const file = join(out, `${run.id}.onnx`);
  writeFileAtomic(file, bytes);
  return { run: run.id, checkpoint, file, bytes: bytes.length };
}
