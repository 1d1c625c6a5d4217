// `mmc reallocate`: train a fusion model with Explicit Basis Reallocation (paper §2), log the
// discriminator's accuracy and the g-space similarity every epoch, and store the similarity ranking
// that the substitute protocol of `mmc eval` uses.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../config/schema.js';
import { adversarialTerm, discriminationLoss, gSpaceStats } from '../core/ebr.js';
import type { ExtraLoss } from '../core/fit.js';
import { cosineLoss } from '../core/kd.js';
import { FusionModel } from '../core/model.js';
import { Rng } from '../core/rng.js';
import { disposeSplit, toTensors, type TensorSplit } from '../core/tensors.js';
import { writeJsonAtomic } from '../run/atomic.js';
import { checkpointDir, loadCheckpoint } from '../run/checkpoint.js';
import type { RunContext } from '../run/context.js';
import { readEbr, type EbrJson } from '../run/records/index.js';
import type { RunFolder } from '../run/run-folder.js';
import { dataFor, modelSpec } from './data-and-model.js';
import { train, type TrainResult } from './train.js';

/** Whether the adversarial term is on in a (0-based) epoch: blocks of K epochs off, K on, …; K = 0: always. */
export function adversaryActive(k: number, epoch: number): boolean {
  return k === 0 || Math.floor(epoch / k) % 2 === 1;
}

export function ebrLambda(c: Config['ebr'], epoch: number): number {
  return c.schedule.type === 'ramp' ? c.lambda * Math.min(1, (epoch + 1) / c.schedule.epochs) : c.lambda;
}

export interface GSpaceReport {
  l_md: number;
  disc_acc: number; // chance is 1/M
  g_cosine: Record<string, number>; // mean cosine similarity of g between modality pairs
}

/** L_md, ψ's accuracy and g-space cosine similarities over a split (batched). */
export async function gSpaceReport(model: FusionModel, split: TensorSplit, batch = 2048): Promise<GSpaceReport> {
  let lmd = 0;
  let acc = 0;
  const cos: Record<string, number> = {};
  for (let s = 0; s < split.n; s += batch) {
    const size = Math.min(batch, split.n - s);
    const [l, a, c] = tf.tidy(() => {
      const xs = Object.fromEntries(model.modalityNames.map((m) => [m, split.x[m].slice([s, 0], [size, -1])])) as Record<string, tf.Tensor2D>;
      const g = model.forward(xs).g!;
      const st = gSpaceStats(model, g);
      return [discriminationLoss(model, g), st.discAcc, st.cosine] as const;
    });
    lmd += (await l.data())[0] * size;
    acc += (await a.data())[0] * size;
    for (const [k, v] of Object.entries(c)) cos[k] = (cos[k] ?? 0) + (await v.data())[0] * size;
    tf.dispose([l, a, ...Object.values(c)]);
  }
  return { l_md: lmd / split.n, disc_acc: acc / split.n, g_cosine: Object.fromEntries(Object.entries(cos).map(([k, v]) => [k, v / split.n])) };
}

/** For each modality, the others ordered from most to least similar in g-space. */
export function similarityRanking(names: string[], cos: Record<string, number>): Record<string, string[]> {
  const sim = (a: string, b: string) => cos[`${a}~${b}`] ?? cos[`${b}~${a}`] ?? -Infinity;
  return Object.fromEntries(names.map((m) => [m, names.filter((k) => k !== m).sort((a, b) => sim(m, b) - sim(m, a))]));
}

export async function reallocate(ctx: RunContext, o: { resume?: RunFolder; stopAfter?: number } = {}): Promise<TrainResult & { ebr: { similarity: Record<string, number>; ranking: Record<string, string[]>; disc_acc: number } | null }> {
  const config: Config = { ...ctx.config, ebr: { ...ctx.config.ebr, enabled: true } };
  const e = config.ebr;
  if (e.alignment.type !== 'none') ctx.log.warn(`ebr.alignment (${e.alignment.type}, weight ${e.alignment.weight}) is mmc's extension beyond the paper, not part of EBR as published`);
  const prepare = (model: FusionModel): ExtraLoss => (out, _idx, epoch) => {
    const g = out.g!;
    const terms: tf.Scalar[] = [];
    if (adversaryActive(e.alternate_k, epoch)) terms.push(adversarialTerm(model, g, e.form, ebrLambda(e, epoch)));
    if (e.alignment.type !== 'none') {
      // EXTENSION beyond the paper: per-sample alignment of g between modalities.
      const names = model.modalityNames;
      for (let a = 0; a < names.length; a++) {
        for (let b = a + 1; b < names.length; b++) {
          const x = g[names[a]];
          const y = g[names[b]];
          const t = e.alignment.type === 'mse' ? tf.mean(tf.square(tf.sub(x, y))) : cosineLoss(x, y); // cosine: mean of 1 − cos
          terms.push(tf.mul(e.alignment.weight, t) as tf.Scalar);
        }
      }
    }
    return terms.length ? (tf.addN(terms) as tf.Scalar) : null;
  };
  const epochExtras = async (model: FusionModel, val: TensorSplit, epoch: number) => {
    const r = await gSpaceReport(model, val);
    return { l_md: r.l_md, disc_acc: r.disc_acc, g_cosine: r.g_cosine, adversary_on: adversaryActive(e.alternate_k, epoch), lambda: ebrLambda(e, epoch) };
  };
  // ebr.json is written before run.json says `finished`, so a run killed in between is resumed, not left without it.
  let ebr: { similarity: Record<string, number>; ranking: Record<string, string[]>; disc_acc: number } | null = null;
  const beforeFinish = async (run: RunFolder) => {
    // The similarity ranking for substitution, from the best checkpoint on the validation split.
    const dataset = dataFor(config);
    const model = new FusionModel(modelSpec(config, dataset), new Rng(0));
    model.setWeights(loadCheckpoint(checkpointDir(run.path('checkpoints'), 'best')!).weights);
    const val = toTensors(dataset.splits.val, model.modalityNames);
    const rep = await gSpaceReport(model, val);
    disposeSplit(val);
    const out: EbrJson = { split: 'val', form: e.form, extension_beyond_paper: e.alignment.type === 'none' ? null : { alignment: e.alignment.type, weight: e.alignment.weight }, similarity: rep.g_cosine, ranking: similarityRanking(model.modalityNames, rep.g_cosine), disc_acc: rep.disc_acc, chance: 1 / model.modalityNames.length, l_md: rep.l_md };
    writeJsonAtomic(run.path('ebr.json'), out);
    model.dispose();
    ebr = out;
  };
  const r = await train({ ...ctx, config }, { command: 'reallocate', prepare, epochExtras, beforeFinish, resume: o.resume, stopAfter: o.stopAfter });
  if (r.status !== 'finished') return { ...r, ebr: null };
  // A resume of a run that had already finished trains nothing: its ebr.json is the result.
  return { ...r, ebr: ebr ?? readEbr(join(r.run, 'ebr.json')) };
}
