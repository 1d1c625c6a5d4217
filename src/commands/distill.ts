// `mmc distill`: train a fusion model whose collapsed modality's encoder is also pulled toward a
// teacher run's representation of the surviving modality (paper §1, Theorem 3).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfigFile } from '../config/load.js';
import { usedModalities, type Config } from '../config/schema.js';
import { encoderOutputs, fusedAndProbs } from '../core/analysis/activations.js';
import type { ExtraLoss } from '../core/fit.js';
import { kdTerm, lambdaAt, projectorName } from '../core/kd.js';
import { FusionModel, type ModelSpec } from '../core/model.js';
import { Rng } from '../core/rng.js';
import { disposeSplit, toTensors } from '../core/tensors.js';
import { UsageError } from '../errors.js';
import { checkpointDir, loadCheckpoint } from '../run/checkpoint.js';
import type { RunContext } from '../run/context.js';
import { readAnalysis, type Analysis } from '../run/records/index.js';
import { openRunFolder, type RunFolder } from '../run/run-folder.js';
import { configHash } from '../config/hash.js';
import { dataFor, modalityNames, modelSpec } from './data-and-model.js';
import { finishedResult, train, type TrainResult } from './train.js';

export interface Pair {
  from: string; // teacher modality (its encoder output is the target of feature/cosine losses)
  to: string; // student modality (the collapsed one)
}

interface Teacher {
  run: RunFolder;
  config: Config;
  analysis: Analysis | null;
  modalities: string[];
}

/** The teacher run must exist, have finished, and share the student's dataset. */
export function checkTeacher(ref: string, runsDir: string, student: Config): Teacher {
  const run = openRunFolder(ref, runsDir);
  const status = run.readRun().status;
  if (status !== 'finished') throw new UsageError(`teacher ${run.id} has status "${status}"; it must have finished (resume it with mmc train --resume)`);
  const config = loadConfigFile(join(run.dir, 'config.yaml'));
  if (JSON.stringify(config.dataset) !== JSON.stringify(student.dataset)) {
    const keys = Object.keys(student.dataset).filter((k) => JSON.stringify((config.dataset as Record<string, unknown>)[k]) !== JSON.stringify((student.dataset as Record<string, unknown>)[k]));
    throw new UsageError(`teacher ${run.id} was trained on a different dataset (dataset.${keys.join(', dataset.')} differ${keys.length === 1 ? 's' : ''})`);
  }
  const analysisFile = run.path('eval', 'analysis.json');
  const analysis = existsSync(analysisFile) ? readAnalysis(analysisFile) : null;
  return { run, config, analysis, modalities: usedModalities(config, modalityNames(config)) };
}

/** Teacher→student pairs from the config, the --student flag, or the teacher's analysis. */
export function resolvePairs(c: Config, t: Teacher): Pair[] {
  const studentMods = usedModalities(c, modalityNames(c));
  const d = c.distill;
  let pairs: Pair[];
  if (d.pairs.length) pairs = d.pairs;
  else {
    let student = d.student;
    if (!student) {
      const shapley = t.analysis?.contribution.shapley.values;
      if (!shapley) throw new UsageError(`say which modality is the student: --student-modality NAME (or run mmc analyze on the teacher ${t.run.id}, and mmc picks its smallest Shapley value)`);
      student = studentMods.filter((m) => m in shapley).sort((a, b) => shapley[a] - shapley[b])[0];
      if (!student) throw new UsageError(`the teacher's analysis names none of the student's modalities (${studentMods.join(', ')})`);
    }
    let from = d.from;
    if (!from) {
      const others = t.modalities.filter((m) => m !== student);
      if (!others.length) throw new UsageError(`teacher ${t.run.id} has only the student modality "${student}"; name distill.from or use a teacher of another modality`);
      const shapley = t.analysis?.contribution.shapley.values;
      from = shapley ? others.sort((a, b) => (shapley[b] ?? 0) - (shapley[a] ?? 0))[0] : others[0];
    }
    pairs = [{ from, to: student }];
  }
  for (const p of pairs) {
    if (!studentMods.includes(p.to)) throw new UsageError(`distill student "${p.to}" is not a modality of this model (${studentMods.join(', ')})`);
    if (!t.modalities.includes(p.from)) throw new UsageError(`distill source "${p.from}" is not a modality of teacher ${t.run.id} (${t.modalities.join(', ')})`);
  }
  return pairs;
}

/** distill.projector none with the feature or cosine loss compares f_s with f_t directly: their widths must match. */
function checkWidths(pairs: Pair[], student: ModelSpec, teacher: ModelSpec): void {
  const width = (s: ModelSpec, m: string) => s.modalities.find((x) => x.name === m)!.encoder.outDim;
  for (const p of pairs) {
    const [ws, wt] = [width(student, p.to), width(teacher, p.from)];
    if (ws !== wt) throw new UsageError(`distill.projector none compares the student's "${p.to}" encoder output (width ${ws}) with the teacher's "${p.from}" encoder output (width ${wt}) directly; make the widths equal (model.encoders.${p.to}.out_dim) or use distill.projector: linear`);
  }
}

export async function distill(ctx: RunContext, teacherRef: string, o: { resume?: RunFolder; stopAfter?: number } = {}): Promise<TrainResult & { pairs: Pair[] }> {
  // Before the teacher is read: a finished run needs nothing (its saved config names the pairs).
  const done = o.resume ? finishedResult(ctx, o.resume) : null;
  if (done) return { ...done, pairs: ctx.config.distill.pairs };
  const teacher = checkTeacher(teacherRef, ctx.runsDir, ctx.config);
  const pairs = resolvePairs(ctx.config, teacher);
  // The saved config names the teacher and the pairs, so `mmc distill --config runs/…/config.yaml` repeats it.
  const config: Config = { ...ctx.config, distill: { ...ctx.config.distill, teacher: teacher.run.dir, pairs, student: null, from: null } };
  const d = config.distill;
  const dataset = dataFor(config);

  // Teacher outputs on the training split, computed once: the teacher never trains.
  const tSpec = modelSpec(teacher.config, dataset);
  if (d.projector === 'none' && d.loss !== 'logit') checkWidths(pairs, modelSpec(config, dataset), tSpec);
  const tModel = new FusionModel(tSpec, new Rng(0));
  const dir = checkpointDir(teacher.run.path('checkpoints'), 'best');
  if (!dir) throw new UsageError(`teacher ${teacher.run.id} has no best checkpoint`);
  try {
    tModel.setWeights(loadCheckpoint(dir).weights);
  } catch (e) {
    tModel.dispose();
    // A torn or edited teacher (weights that do not match its config.yaml) is bad input, not a crash.
    throw new UsageError(`teacher ${teacher.run.id}: cannot load ${dir} (${((e as Error).message ?? String(e)).split('\n')[0]})`);
  }
  const tTrain = toTensors(dataset.splits.train, tModel.modalityNames);
  const feats = await encoderOutputs(tModel, tTrain.x, tTrain.n);
  const { probs } = await fusedAndProbs(tModel, tTrain.x, tTrain.n);
  disposeSplit(tTrain);
  tModel.dispose();
  const n = dataset.splits.train.n;
  const C = dataset.numClasses;
  const targets: Record<string, tf.Tensor2D> = {};
  for (const p of pairs) targets[p.from] ??= tf.tensor2d(feats[p.from], [n, feats[p.from].length / n]);
  // Teacher logits up to a constant per row: log-probabilities (clamped so that exp recovers them).
  const teacherLogits = tf.tidy(() => tf.log(tf.maximum(tf.tensor2d(probs, [n, C]), 1e-12))) as tf.Tensor2D;

  // Two-stage KD: stage 2 trains a fresh fusion head, drawn once from the run's seed, on the frozen encoders.
  let freshHead: { name: string; shape: number[]; data: Float32Array }[] = [];
  let isHead = (_name: string) => false;
  const prepare = async (model: FusionModel, rng: Rng): Promise<ExtraLoss> => {
    const outDim = (m: string) => model.spec.modalities.find((x) => x.name === m)!.encoder.outDim;
    if (d.projector === 'linear') for (const p of pairs) model.addAux(projectorName(p), outDim(p.to), d.loss === 'logit' ? C : targets[p.from].shape[1], rng);
    if (d.head_epochs > 0) {
      isHead = (name) => model.paramGroup(name) === 'head'; // everything after the encoders: not enc/, ebr/ or aux/ (the projectors)
      const fresh = new FusionModel(model.spec, rng.fork());
      freshHead = (await fresh.weightValues()).filter((w) => isHead(w.name));
      fresh.dispose();
    }
    const epochs = config.train.epochs;
    return (out, idx, epoch, observed) => {
      const lambda = lambdaAt(d.lambda, d.schedule, epoch, epochs);
      if (lambda === 0) return null;
      const block = Math.ceil(epochs / pairs.length);
      const active = d.order === 'joint' ? pairs : [pairs[Math.min(pairs.length - 1, Math.floor(epoch / block))]];
      const terms = active.map((p) => kdTerm(model, out, p, tf.gather(d.loss === 'logit' ? teacherLogits : targets[p.from], idx) as tf.Tensor2D, d, observed?.[p.from]));
      return tf.mul(lambda, tf.addN(terms)) as tf.Scalar;
    };
  };
  try {
    const begin = (model: FusionModel) => {
      for (const w of freshHead) tf.tidy(() => model.params.get(w.name)!.assign(tf.tensor(w.data, w.shape)));
    };
    const secondStage = d.head_epochs > 0 ? { epochs: d.head_epochs, trainable: (name: string) => isHead(name), begin } : undefined;
    const r = await train({ ...ctx, config }, { command: 'distill', teacher: { id: teacher.run.id, configHash: configHash(teacher.config) }, prepare, resume: o.resume, stopAfter: o.stopAfter, secondStage });
    return { ...r, pairs };
  } finally {
    tf.dispose([...Object.values(targets), teacherLogits]);
  }
}
