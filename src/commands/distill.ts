// `mmc distill`: train a fusion model whose collapsed modality's encoder is also pulled toward a
// teacher run's representation of the surviving modality (paper §1, Theorem 3).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadConfigFile } from '../config/load.js';
import { usedModalities, type Config } from '../config/schema.js';
import { encoderOutputs, fusedAndProbs } from '../core/analysis/activations.js';
import type { ExtraLoss } from '../core/fit.js';
import { cosineLoss, featureMse, lambdaAt, logitKl } from '../core/kd.js';
import { FusionModel } from '../core/model.js';
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

  const prepare = (model: FusionModel, rng: Rng): ExtraLoss => {
    const outDim = (m: string) => model.spec.modalities.find((x) => x.name === m)!.encoder.outDim;
    for (const p of pairs) model.addAux(`kd-${p.to}-${p.from}`, outDim(p.to), d.loss === 'logit' ? C : targets[p.from].shape[1], rng);
    const epochs = config.train.epochs;
    return (out, idx, epoch) => {
      const lambda = lambdaAt(d.lambda, d.schedule, epoch, epochs);
      if (lambda === 0) return null;
      const block = Math.ceil(epochs / pairs.length);
      const active = d.order === 'joint' ? pairs : [pairs[Math.min(pairs.length - 1, Math.floor(epoch / block))]];
      const terms = active.map((p) => {
        const mapped = model.applyAux(`kd-${p.to}-${p.from}`, out.encoded[p.to]);
        if (d.loss === 'logit') return logitKl(mapped, tf.gather(teacherLogits, idx) as tf.Tensor2D, d.temperature);
        const target = tf.gather(targets[p.from], idx) as tf.Tensor2D;
        return d.loss === 'cosine' ? cosineLoss(mapped, target) : featureMse(mapped, target);
      });
      return tf.mul(lambda, tf.addN(terms)) as tf.Scalar;
    };
  };
  try {
    const r = await train({ ...ctx, config }, { command: 'distill', teacher: { id: teacher.run.id, configHash: configHash(teacher.config) }, prepare, resume: o.resume, stopAfter: o.stopAfter });
    return { ...r, pairs };
  } finally {
    tf.dispose([...Object.values(targets), teacherLogits]);
  }
}
