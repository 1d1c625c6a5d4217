// `mmc reallocate`: train a fusion model with Explicit Basis Reallocation (paper §2), log the
// discriminator's accuracy and the g-space similarity every epoch, and store the similarity ranking
// that the substitute protocol of `mmc eval` uses. The maths lives in core/ebr/; this is orchestration.
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { gSpaceReport, similarityRanking } from '../core/ebr/gspace.js';
import { ebrEpochRecord, ebrLoss, psiLrScale, rankingOn } from '../core/ebr/training.js';
import type { FusionModel } from '../core/model.js';
import { disposeSplit, toTensors, type TensorSplit } from '../core/tensors.js';
import { writeJsonAtomic } from '../run/atomic.js';
import { checkpointDir } from '../run/checkpoint.js';
import type { RunContext } from '../run/context.js';
import { readEbr, type EbrJson } from '../run/records/index.js';
import type { RunFolder } from '../run/run-folder.js';
import { dataFor, modelFromCheckpoint } from './data-and-model.js';
import { train, type TrainResult } from './train.js';

export async function reallocate(ctx: RunContext, o: { resume?: RunFolder; stopAfter?: number } = {}): Promise<TrainResult & { ebr: { similarity: Record<string, number>; ranking: Record<string, string[]>; disc_acc: number } | null }> {
  const config: Config = { ...ctx.config, ebr: { ...ctx.config.ebr, enabled: true } };
  const e = config.ebr;
  if (e.alignment.type !== 'none') ctx.log.warn(`ebr.alignment (${e.alignment.type}, weight ${e.alignment.weight}) is mmc's extension beyond the paper, not part of EBR as published`);
  if (e.substitution === 'missing' && !o.resume && !Object.values(config.train.missing_rate).some((r) => r > 0) && !dataFor(config).splits.train.present) {
    ctx.log.warn('ebr.substitution: missing, but no training sample lacks a modality (no train.missing_rate, no natural missingness): nothing is substituted in training');
  }
  const prepare = (model: FusionModel) => ebrLoss(model, e);
  const epochExtras = (model: FusionModel, val: TensorSplit, epoch: number) => ebrEpochRecord(model, val, e, epoch);
  // ebr.json is written before run.json says `finished`, so a run killed in between is resumed, not left without it.
  let ebr: { similarity: Record<string, number>; ranking: Record<string, string[]>; disc_acc: number } | null = null;
  const beforeFinish = async (run: RunFolder) => {
    // The similarity ranking for substitution, from the selected checkpoint (train.select) on the validation split.
    const dataset = dataFor(config);
    const model = modelFromCheckpoint(config, dataset, checkpointDir(run.path('checkpoints'), config.train.select)!);
    const val = toTensors(dataset.splits.val, model.modalityNames);
    const rep = await gSpaceReport(model, val);
    disposeSplit(val);
    const out: EbrJson = { split: 'val', checkpoint: config.train.select, form: e.form, extension_beyond_paper: e.alignment.type === 'none' ? null : { alignment: e.alignment.type, weight: e.alignment.weight }, similarity: rep.g_cosine, ranking: similarityRanking(model.modalityNames, rep.g_cosine), disc_acc: rep.disc_acc, chance: 1 / model.modalityNames.length, l_md: rep.l_md };
    writeJsonAtomic(run.path('ebr.json'), out);
    model.dispose();
    ebr = out;
  };
  const lrScale = (model: FusionModel) => psiLrScale(model, e, config.train.optimizer.lr);
  const r = await train({ ...ctx, config }, { command: 'reallocate', prepare, epochExtras, beforeFinish, lrScale, substituteOrder: rankingOn, resume: o.resume, stopAfter: o.stopAfter });
  if (r.status !== 'finished') return { ...r, ebr: null };
  // A resume of a run that had already finished trains nothing: its ebr.json is the result.
  return { ...r, ebr: ebr ?? readEbr(join(r.run, 'ebr.json')) };
}
